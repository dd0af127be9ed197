"""The duplicates / stories / related verbs' JSON, key for key as the issue specifies, on real wire copies."""

from __future__ import annotations

import json

import pytest

from marsad.dedup.fingerprint import NEAR_THRESHOLD
from tests.conftest import DATA, run_cli

MEMBER_KEYS = {"id", "url", "source", "title"}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """95 real SaudiNewsNet articles with labelled wire copies, ingested by the CLI."""
    path = str(tmp_path_factory.mktemp("dedupcli") / "m.db")
    done = run_cli("ingest", str(DATA / "pairs" / "near-duplicates-articles.json"), "--db", path)
    assert done.returncode == 0, done.stderr[-2000:]
    return path


def test_duplicates_json(db: str) -> None:
    out = run_cli("duplicates", "--json", "--db", db)
    assert out.returncode == 0, out.stderr
    groups = json.loads(out.stdout)
    assert {g["kind"] for g in groups} >= {"exact", "near"}
    for g in groups:
        assert set(g) == {"kind", "members", "score", "pairs"}
        assert g["kind"] in ("exact", "near", "paraphrase") and len(g["members"]) >= 2
        assert all(set(m) == MEMBER_KEYS for m in g["members"])
        ids = {m["id"] for m in g["members"]}
        # Every pair links two members, with its own score; the group score is the weakest link.
        assert all(p["a"] in ids and p["b"] in ids and 0 <= p["score"] <= 1 for p in g["pairs"])
        assert g["score"] == min(p["score"] for p in g["pairs"])
        if g["kind"] == "near":
            assert all(p["score"] >= NEAR_THRESHOLD for p in g["pairs"] if p["kind"] == "near")
    # Wire copies cross outlets.
    assert any(len({m["source"] for m in g["members"]}) > 1 for g in groups if g["kind"] == "near")


def test_stories_json(db: str) -> None:
    out = run_cli("stories", "--json", "--limit", "1000", "--db", db)
    assert out.returncode == 0, out.stderr
    stories = json.loads(out.stdout)
    assert {"id", "title", "first_seen", "last_seen", "sources", "articles"} <= set(stories[0])
    # Every article is in exactly one story, single-article stories included.
    ids = [a["id"] for s in stories for a in s["articles"]]
    assert len(ids) == len(set(ids)) == 95
    assert any(len(s["articles"]) == 1 for s in stories) and any(len(s["articles"]) > 1 for s in stories)
    for s in stories:
        assert all(set(a) >= MEMBER_KEYS for a in s["articles"])
        assert sorted(s["sources"]) == sorted({a["source"] for a in s["articles"]})
    since = run_cli("stories", "--json", "--limit", "1000", "--since", "2015-07-25", "--db", db)
    later = json.loads(since.stdout)
    assert 0 < len(later) < len(stories) and all(s["last_seen"] >= "2015-07-25" for s in later)


def test_related_json(db: str) -> None:
    stories = json.loads(run_cli("stories", "--json", "--limit", "1000", "--db", db).stdout)
    # The biggest stories' first articles, until one has related articles (not every article does:
    # related needs a shared entity or rare terms).
    for big in sorted(stories, key=lambda s: -len(s["articles"]))[:10]:
        aid = big["articles"][0]["id"]
        out = run_cli("related", str(aid), "--json", "--db", db)
        assert out.returncode == 0, out.stderr
        rel = json.loads(out.stdout)
        if rel:
            break
    assert rel and all(set(r) >= MEMBER_KEYS | {"story", "score"} for r in rel)
    # No article of its own story, and no story twice.
    assert not {r["id"] for r in rel} & {a["id"] for a in big["articles"]}
    assert len({r["story"] for r in rel}) == len(rel)
    missing = run_cli("related", "999999", "--json", "--db", db)
    assert missing.returncode != 0 and "Traceback" not in missing.stderr



def test_duplicates_limit_and_sort_by_size(db: str) -> None:
    """`--sort size --limit N`: the N largest groups, largest first; --limit alone keeps the order."""
    groups = json.loads(run_cli("duplicates", "--json", "--db", db).stdout)
    top = json.loads(run_cli("duplicates", "--json", "--db", db, "--sort", "size", "--limit", "3").stdout)
    sizes = sorted((len(g["members"]) for g in groups), reverse=True)
    assert [len(g["members"]) for g in top] == sizes[:3]
    assert json.loads(run_cli("duplicates", "--json", "--db", db, "--limit", "2").stdout) == groups[:2]
    assert run_cli("duplicates", "--db", db, "--sort", "nope").returncode == 2


def test_story_coverage_against_sql(db: str) -> None:
    """`marsad coverage`: per-outlet counts, the first publisher, the copies and the outlets that did not
    cover a story, each checked against SQL written here over the same store."""
    from marsad.store import open_store

    with open_store(db) as store:
        rows = store.rows(
            "SELECT s.story_id, count(*) AS n FROM duplicates d JOIN story_articles s ON s.article_id = d.a"
            " JOIN story_articles t ON t.article_id = d.b AND t.story_id = s.story_id GROUP BY s.story_id ORDER BY n DESC, s.story_id")
        assert rows, "the fixture has wire copies inside one story"
        sid = int(rows[0]["story_id"])
        members = store.rows("SELECT a.id, coalesce(a.source, '') AS source, a.date, a.day FROM story_articles s"
                             " JOIN articles a ON a.id = s.article_id WHERE s.story_id = :s", s=sid)
        pairs = store.rows("SELECT a, b FROM duplicates WHERE a IN (SELECT article_id FROM story_articles WHERE story_id = :s)"
                           " AND b IN (SELECT article_id FROM story_articles WHERE story_id = :s)", s=sid)
        days = sorted({m["day"] for m in members if m["day"]})
        active = store.rows("SELECT coalesce(source, '') AS source, count(DISTINCT day) AS n FROM articles"
                            " WHERE day IN :d GROUP BY coalesce(source, '')", d=days)
    data = json.loads(run_cli("coverage", str(sid), "--db", db, "--json").stdout)
    per_outlet: dict[str, int] = {}
    for m in members:
        per_outlet[m["source"]] = per_outlet.get(m["source"], 0) + 1
    assert {o["source"]: o["articles"] for o in data["outlets"]} == per_outlet
    dated = sorted((m["date"], m["id"]) for m in members if m["date"])
    assert data["first"]["id"] == dated[0][1]
    assert {(min(p["a"], p["b"]), max(p["a"], p["b"])) for p in pairs} == {
        (min(c["copy"], c["of"]), max(c["copy"], c["of"])) for c in data["copies"]}
    when = {m["id"]: (m["date"] or "", m["id"]) for m in members}
    assert all(when[c["of"]] <= when[c["copy"]] for c in data["copies"])
    regular = {r["source"] for r in active if int(r["n"]) == len(days) and r["source"]}
    assert {m["source"] for m in data["missing"]} == regular - set(per_outlet)
    assert run_cli("coverage", "999999", "--db", db).returncode == 2

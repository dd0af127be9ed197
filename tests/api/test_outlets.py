"""Outlet profiles and the day's outlet × story matrix (issue 17), on 95 real SaudiNewsNet articles
with labelled wire copies, over SQLite and PostgreSQL: every figure is recomputed here in Python from
the store's plain rows (articles, story members, duplicate pairs), not by the code under test, and
the CLI, the API and the page give the same data."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from marsad.observatory.outlets import FIRST_MIN_OUTLETS, PROFILE_ARTICLES
from marsad.pipeline import ingest_paths
from marsad.settings import load_settings
from marsad.store import open_store
from tests.api.live import live_server
from tests.conftest import BACKENDS, DATA, run_cli, store_location


@pytest.fixture(scope="module", params=BACKENDS)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The 95 articles ingested into a store of each backend, and the app serving it: (store, URL)."""
    db = store_location(request, request.param, tmp_path_factory.mktemp("outlets"))
    with open_store(db) as store:
        ingest_paths([str(DATA / "pairs" / "near-duplicates-articles.json")], store, load_settings({"db": db}))
    with live_server(db) as url:
        yield db, url


def _plain(db: str) -> tuple[list[dict[str, Any]], dict[int, int], list[tuple[int, int]]]:
    with open_store(db) as store:
        arts = store.rows("SELECT id, coalesce(source, '') AS source, date, day FROM articles")
        members = {int(r["article_id"]): int(r["story_id"]) for r in store.rows("SELECT article_id, story_id FROM story_articles")}
        dups = [(int(r["a"]), int(r["b"])) for r in store.rows("SELECT a, b FROM duplicates")]
    return arts, members, dups


def test_profiles_match_plain_rows(served: tuple[str, str]) -> None:
    """Volume, first reports of multi-outlet stories and copies per outlet, recomputed from rows."""
    db, url = served
    arts, members, dups = _plain(db)
    by_id = {int(a["id"]): a for a in arts}
    volume = Counter(a["source"] for a in arts)
    days = defaultdict(set)
    for a in arts:
        if a["day"]:
            days[a["source"]].add(a["day"])
    stories: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for aid, sid in members.items():
        if by_id[aid]["date"]:
            stories[sid].append(by_id[aid])
    covered: Counter[str] = Counter()
    first: Counter[str] = Counter()
    for arts_of in stories.values():
        outlets = {a["source"] for a in arts_of}
        if len(outlets) < FIRST_MIN_OUTLETS:
            continue
        covered.update(outlets)
        first[min(arts_of, key=lambda a: (a["date"], int(a["id"])))["source"]] += 1
    copies: dict[str, set[int]] = defaultdict(set)
    for a, b in dups:
        x, y = by_id[a], by_id[b]
        if x["date"] and y["date"] and x["source"] != y["source"]:
            later = max((x, y), key=lambda r: (r["date"], int(r["id"])))
            copies[later["source"]].add(int(later["id"]))
    assert any(copies.values()), "the fixture has cross-outlet wire copies"

    data = json.loads(run_cli("sources", "--db", db, "--json").stdout)
    assert [p["slug"] for p in data] == sorted(volume, key=lambda s: (-volume[s], s))
    for p in data:
        s = p["slug"]
        assert p["article_count"] == volume[s] and p["active_days"] == len(days[s])
        assert (p["first_day"], p["last_day"]) == (min(days[s]), max(days[s]))
        assert (p["shared_stories"], p["first_reports"]) == (covered[s], first[s])
        assert p["copies"] == len(copies[s])
        assert p["name"] and p["name"] != s, "an Arabic display name from the outlet table"
        assert len(p["top_entities"]) <= 5 and all(e["name"] and e["articles"] >= 1 for e in p["top_entities"])
    assert sum(p["first_reports"] for p in data) == sum(1 for v in stories.values()
                                                         if len({a["source"] for a in v}) >= FIRST_MIN_OUTLETS)
    # One outlet: the same profile by the CLI and the API; an unknown outlet is a clear error.
    one = json.loads(run_cli("sources", data[0]["slug"], "--db", db, "--json").stdout)
    assert one == data[0] == httpx.get(f"{url}/api/sources/{data[0]['slug']}").json()
    assert httpx.get(f"{url}/api/sources").json()["items"] == data
    assert run_cli("sources", "nosuch", "--db", db).returncode == 2
    assert httpx.get(f"{url}/api/sources/nosuch").status_code == 404
    page = httpx.get(f"{url}/sources")
    assert page.status_code == 200 and data[0]["name"] in page.text and f"آخر {PROFILE_ARTICLES} خبر" in page.text
    assert httpx.get(f"{url}/sources.json").json()["items"] == data


def test_day_matrix_matches_plain_rows(served: tuple[str, str]) -> None:
    """Each cell is the outlet's articles in the story that day; ★ marks the story's first report."""
    db, url = served
    arts, members, _ = _plain(db)
    by_id = {int(a["id"]): a for a in arts}
    for day in sorted({a["day"] for a in arts if a["day"]})[-3:]:
        data = json.loads(run_cli("matrix", "--db", db, "--day", day, "--json").stdout)
        assert data["day"] == day and data["stories"]
        assert {o["source"] for o in data["outlets"]} == {a["source"] for a in arts if a["day"] == day}
        for row in data["stories"]:
            own = [by_id[a] for a, s in members.items() if s == row["id"]]
            today = Counter(a["source"] for a in own if a["day"] == day)
            dated = [a for a in own if a["date"]]
            opener = min(dated, key=lambda a: (a["date"], int(a["id"])))["source"] if dated else None
            assert {s: c["articles"] for s, c in row["cells"].items()} == dict(today)
            assert {s for s, c in row["cells"].items() if c["first"]} == ({opener} & set(today))
            assert row["outlets"] == len(today)
        assert httpx.get(f"{url}/api/matrix", params={"day": day}).json() == data
        page = httpx.get(f"{url}/matrix", params={"day": day})
        assert page.status_code == 200 and (data["stories"][0]["title"] or "") in page.text
    rows = run_cli("matrix", "--db", db, "--csv").stdout.splitlines()
    assert rows[0] == "story_id,title,outlet,articles,first" and len(rows) > 1


def test_brief_story_growth_matches_plain_rows(served: tuple[str, str]) -> None:
    """Each story of a day's brief carries its growth indicators: new (no article before that day),
    its articles the day before and the change, recomputed here from rows; a rising story follows
    the brief's rule on its own series since it began."""
    from marsad.observatory.brief import BRIEF_RISING_STORIES
    from marsad.observatory.spikes import RISING_MIN_ARTICLES, RISING_RATIO, RISING_SCORE

    db, url = served
    arts, members, _ = _plain(db)
    by_id = {int(a["id"]): a for a in arts}
    days = sorted({a["day"] for a in arts if a["day"]})
    for day in days[1:]:
        data = json.loads(run_cli("brief", "--db", db, "--day", day, "--json").stdout)
        previous = days[days.index(day) - 1]
        assert data["stories"]
        for s in data["stories"]:
            own = [by_id[a] for a, sid in members.items() if sid == s["id"]]
            per_day = Counter(a["day"] for a in own if a["day"])
            assert s["day_count"] == per_day[day]
            assert s["previous_count"] == per_day[previous] and s["growth"] == per_day[day] - per_day[previous]
            assert s["new"] == (not any(per_day[d] for d in days if d < day and d in data["baseline_days"]))
            if s["rising"]:
                assert not s["new"] and s["day_count"] >= RISING_MIN_ARTICLES
                assert s["score"] >= RISING_SCORE and s["day_count"] >= RISING_RATIO * s["expected"]
        ranked = data["rising_stories"]
        assert all(r["rising"] for r in ranked) and [r["score"] for r in ranked] == sorted((r["score"] for r in ranked), reverse=True)
        if len(ranked) < BRIEF_RISING_STORIES:
            assert {s["id"] for s in data["stories"] if s["rising"]} <= {r["id"] for r in ranked}
        assert httpx.get(f"{url}/api/brief", params={"day": day}).json() == data


def test_topics_of_a_story_and_of_a_search(served: tuple[str, str]) -> None:
    """`marsad topics`: a story's top entities are its members' mentions counted here from rows; its
    top terms are keyphrases of its members (counted here from each article's stored keyphrases),
    none a stopword, a formula or an entity; a search's topics read its best matches; CLI = API = page."""
    from marsad.entities.hygiene import is_junk
    from marsad.text.normalize import normalize_text
    from marsad.text.stopwords import stopwords

    db, url = served
    _, members, _ = _plain(db)
    sizes = Counter(members.values())
    sid = max(sizes, key=lambda s: (sizes[s], -s))
    own = sorted(a for a, s in members.items() if s == sid)
    data = json.loads(run_cli("topics", "--story", str(sid), "--db", db, "--json").stdout)
    assert data["articles"] == len(own) and data["terms"]
    with open_store(db) as store:
        keyphrases = {a: [k for k in (store.article(a) or {}).get("keywords", [])] for a in own}
        mentions = store.rows("SELECT article_id, entity_id FROM mentions WHERE article_id IN :ids AND entity_id IS NOT NULL",
                              ids=own)
    per_entity: dict[str, set[int]] = defaultdict(set)
    for m in mentions:
        per_entity[str(m["entity_id"])].add(int(m["article_id"]))
    top = sorted(per_entity, key=lambda e: -len(per_entity[e]))
    assert [len(per_entity[e["id"]]) for e in data["entities"]] == [len(per_entity[e]) for e in top[: len(data["entities"])]]
    sw = stopwords()
    for t in data["terms"]:
        holding = [a for a, ks in keyphrases.items() if any(k["text"] == t["term"] and not k.get("entity") for k in ks)]
        assert 1 <= len(holding) <= t["articles"] <= len(own)
        assert not is_junk(t["term"]) and not all(w in sw for w in normalize_text(t["term"]).split())
        assert "الله" not in t["term"].split()
    assert [t["articles"] for t in data["terms"]] == sorted((t["articles"] for t in data["terms"]), reverse=True)
    assert httpx.get(f"{url}/api/stories/{sid}/topics").json() == data
    assert any(t["term"] in httpx.get(f"{url}/stories/{sid}").text for t in data["terms"])
    word = data["entities"][0]["name"]
    found = json.loads(run_cli("topics", word, "--db", db, "--json").stdout)
    search = json.loads(run_cli("search", word, "--db", db, "--json").stdout)
    assert found["total"] == search["total"] and found["articles"] == min(search["total"], 200)
    assert httpx.get(f"{url}/api/topics", params={"q": word}).json() == found
    assert run_cli("topics", "--db", db).returncode == 2


def test_attention_by_hour_and_per_outlet(served: tuple[str, str]) -> None:
    """`marsad attention --by hour` and `--per-source`: each count is the matches (the ids search
    returns) published in that UTC hour or by that outlet that day, and each share is over the
    articles stored for that hour or that outlet's day, all recomputed here from rows."""
    db, url = served
    arts, _, _ = _plain(db)
    word = "اليمن"
    hits = json.loads(run_cli("search", word, "--db", db, "--json", "--limit", "100").stdout)
    assert 0 < hits["total"] <= 100
    matched = {int(h["id"]) for h in hits["hits"]}
    hourly = json.loads(run_cli("attention", word, "--by", "hour", "--db", db, "--json").stdout)
    hours = Counter(a["date"][:13] for a in arts if a["date"])
    hit_hours = Counter(a["date"][:13] for a in arts if a["date"] and int(a["id"]) in matched)
    assert hourly["by"] == "hour" and hourly["buckets"] == sorted(hours)
    points = hourly["series"][0]["points"]
    assert {p["hour"]: p["count"] for p in points if p["count"]} == dict(hit_hours)
    assert all(p["share"] == round(p["count"] / hours[p["hour"]], 4) for p in points)
    per = json.loads(run_cli("attention", word, "--per-source", "--db", db, "--json").stdout)
    day_source = Counter((a["source"], a["day"]) for a in arts if a["day"])
    hit_day_source = Counter((a["source"], a["day"]) for a in arts if a["day"] and int(a["id"]) in matched)
    assert {s["source"] for s in per["series"]} == {s for s, _ in hit_day_source}
    for s in per["series"]:
        assert s["name"] and s["total"] == sum(n for (src, _), n in hit_day_source.items() if src == s["source"])
        for p in s["points"]:
            assert p["count"] == hit_day_source[(s["source"], p["day"])]
            whole = day_source[(s["source"], p["day"])]
            assert p["share"] == (round(p["count"] / whole, 4) if whole else 0.0)
    # The per-outlet counts add up to the daily histogram's, which counts every match by itself.
    daily = json.loads(run_cli("attention", word, "--db", db, "--json").stdout)["series"][0]["points"]
    assert {p["day"]: p["count"] for p in daily if p["count"]} == {
        d: sum(p["count"] for s in per["series"] for p in s["points"] if p["day"] == d) for d in {p["day"] for p in daily if p["count"]}}
    assert httpx.get(f"{url}/api/attention", params={"q": word, "by": "hour"}).json() == hourly
    assert httpx.get(f"{url}/api/attention", params={"q": word, "per_source": "true"}).json() == per
    page = httpx.get(f"{url}/attention", params={"q": word, "by": "hour"})
    assert page.status_code == 200 and "في كل ساعة" in page.text
    assert run_cli("attention", word, "--by", "week", "--db", db).returncode == 2


def test_list_verbs_sort_and_limit(served: tuple[str, str]) -> None:
    """Every list verb takes --limit and, where an order is a choice, --sort; CLI = API."""
    db, url = served

    def cli(*args: str) -> Any:
        out = run_cli(*args, "--db", db, "--json")
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    recent = cli("articles", "--sort", "recent", "--limit", "20")
    dates = [a["date"] for a in recent if a["date"]]
    assert len(recent) == 20 and dates == sorted(dates, reverse=True)
    oldest = cli("articles", "--sort", "oldest", "--limit", "5")
    assert [a["date"] for a in oldest] == sorted(a["date"] for a in oldest) and oldest[0]["date"] <= dates[-1]
    by_articles = cli("entities", "--sort", "articles", "--limit", "10")
    assert [e["article_count"] for e in by_articles] == sorted((e["article_count"] for e in by_articles), reverse=True)
    by_name = cli("entities", "--sort", "name", "--limit", "10")
    assert len(by_name) == 10
    assert httpx.get(f"{url}/api/entities", params={"sort": "articles", "limit": 10}).json()["items"] == by_articles
    for key in ("per_day", "first_share", "copy_share"):
        rows = cli("sources", "--sort", key, "--limit", "4")
        values = [r[key] or 0 for r in rows]
        assert len(rows) == 4 and values == sorted(values, reverse=True)
        assert httpx.get(f"{url}/api/sources", params={"sort": key}).json()["items"][:4] == rows
    assert len(cli("brief", "--limit", "2")["stories"]) <= 2
    assert len(cli("related", str(recent[0]["id"]), "--limit", "1")) <= 1
    for verb, bad in (("articles", "size"), ("entities", "size"), ("sources", "size")):
        assert run_cli(verb, "--sort", bad, "--db", db).returncode == 2

"""The same store assertions against SQLite and a real PostgreSQL server, on real SaudiNewsNet data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from marsad.dedup.near import duplicate_groups
from marsad.entities.linking import resolve_entity
from marsad.pipeline import ingest_paths
from marsad.settings import load_settings
from marsad.store import Store, is_postgres_url, open_store, pg_server
from tests.conftest import run_cli

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE = [str(DATA / "saudinewsnet-sample.json"), str(DATA / "seed-kim-putin.txt")]
PAIRS = str(DATA / "pairs" / "near-duplicates-articles.json")


def _listing(store: Store) -> list[tuple[str | None, str | None, str | None, str | None]]:
    return [(r.url, r.source, r.title, r.date) for r in store.articles()]


def _comparable(article: dict[str, Any]) -> dict[str, Any]:
    # Entities are compared in their own test below (with the entity listings).
    drop = {"id", "page_id", "ingested_at", "provenance", "entities"}
    return {k: v for k, v in article.items() if k not in drop}


def test_ingest_lists_real_sample(store: Store) -> None:
    report = ingest_paths(SAMPLE, store, load_settings())
    records = json.loads(Path(SAMPLE[0]).read_text(encoding="utf-8"))
    # 33 SaudiNewsNet records (one article each) and the seed page with two fused articles.
    assert report.pages == len(records) + 1
    assert report.articles == len(records) + 2
    rows = store.articles()
    assert len(rows) == report.articles == store.counts()["articles"]
    assert {r.url for r in rows} >= {rec["url"] for rec in records}
    assert store.articles(limit=5, offset=2) == rows[2:7]
    one_source = records[0]["source"]
    assert [r.url for r in store.articles(source=one_source)] == [r.url for r in rows if r.source == one_source]
    assert sum(n for _, n in store.sources()) == len(rows)
    full = store.article(rows[0].id)
    assert full is not None and full["provenance"]["sightings"]
    assert store.article(10**9) is None
    seed = next(a for a in store.iter_articles() if a["url"] is None or not a["url"].startswith("http"))
    text = store.page_text(seed["page_id"])
    assert text is not None
    start, end = seed["spans"]["paragraphs"][0]
    assert text[start:end] == seed["paragraphs"][0], "spans point into the stored original text"


def test_reingest_is_idempotent(store: Store) -> None:
    first = ingest_paths(SAMPLE, store, load_settings())
    before = (store.counts(), _listing(store))
    again = ingest_paths(SAMPLE, store, load_settings())
    assert again.pages == 0 and again.articles == 0
    assert again.duplicates == first.articles
    assert (store.counts(), _listing(store)) == before
    a = store.article(store.articles(limit=1)[0].id)
    assert a is not None and len(a["provenance"]["sightings"]) == 2


def test_rejections_recorded_once_per_input_and_reason(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_bytes(b'[{"title": "x", "content": ')
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    for _ in range(2):
        report = ingest_paths([str(bad), str(empty)], store, load_settings())
        assert report.rejections >= 2
    rows = store.rejections()
    assert len(rows) >= 2
    assert all(r["times"] == 2 for r in rows)
    assert len({(r["uri"], r["reason"]) for r in rows}) == len(rows)
    assert store.counts()["rejections"] == len(rows)
    assert store.rejections(limit=1) == rows[:1]


def test_nul_in_text_is_stored(store: Store, tmp_path: Path) -> None:
    page = tmp_path / "nul.txt"
    page.write_text("عنوان الخبر\n\nقال المتحدث الرسمي\x00 إن الاجتماع عقد في الرياض أمس.\n", encoding="utf-8")
    report = ingest_paths([str(page)], store, load_settings())
    assert report.pages + report.rejections == 1
    if report.pages:
        a = next(store.iter_articles())
        text = store.page_text(a["page_id"])
        assert text is not None and len(text) == len(page.read_text(encoding="utf-8"))


def test_schema_version_and_reopen(backend: str) -> None:
    s = open_store(backend)
    ingest_paths(SAMPLE[:1], s, load_settings())
    n = s.counts()
    s.close()
    again = open_store(backend)  # migrations are not re-run on an up-to-date store
    assert again.counts() == n
    if is_postgres_url(backend):
        from marsad.store.postgres import PostgresStore
        from marsad.store.schema import SCHEMA_VERSION

        assert isinstance(again, PostgresStore)
        assert again.schema_version() == SCHEMA_VERSION
        # SaudiNewsNet's first day is July 2015; the seed page has no date and goes to its ingest month.
        assert "articles_y2015m07" in again.partition_names()
    again.close()


def test_dedup_and_stories_state(store: Store) -> None:
    ingest_paths([PAIRS], store, load_settings())
    pairs = store.duplicate_pairs()
    assert any(k == "near" for _, _, k, _ in pairs)
    groups = duplicate_groups(store)
    assert groups and all(len(g["members"]) >= 2 for g in groups)
    stories = store.stories()
    members = [a["id"] for st in stories for a in st["articles"]]
    assert len(members) == len(set(members)) == store.counts()["articles"]
    ids = [r.id for r in store.articles()]
    assert store.ids_without_fingerprint() == [] and store.ids_without_story() == []
    assert set(store.signatures(ids)) == set(ids)
    assert set(store.story_of(ids)) == set(ids)


def _pair_urls(store: Store) -> set[tuple[frozenset[str | None], str]]:
    rows = store.article_rows([x for p in store.duplicate_pairs() for x in p[:2]])
    return {(frozenset((rows[a].url, rows[b].url)), k) for a, b, k, _ in store.duplicate_pairs()}


def _story_urls(store: Store) -> set[frozenset[str | None]]:
    return {frozenset(a["url"] for a in st["articles"]) for st in store.stories()}


def test_backends_agree_on_real_data(pg: pg_server.LocalServer, tmp_path: Path) -> None:
    lite_url, post_url = str(tmp_path / "m.db"), pg.create_database("agree")
    # Each backend is filled by its own fresh `marsad ingest` process: entity linking keeps
    # in-process evidence between pages, so two ingests in one process need not annotate alike.
    for url in (lite_url, post_url):
        for paths in ([*SAMPLE, PAIRS], [PAIRS]):
            done = run_cli("ingest", *paths, env={"MARSAD_DB": url})
            assert done.returncode == 0, done.stderr[-2000:]
    lite, post = open_store(lite_url), open_store(post_url)
    try:
        assert _listing(lite) == _listing(post)
        assert lite.counts() == post.counts()
        assert lite.sources() == post.sources()
        for a, b in zip(lite.iter_articles(), post.iter_articles(), strict=True):
            assert _comparable(a) == _comparable(b)
        assert _pair_urls(lite) == _pair_urls(post)
        assert _story_urls(lite) == _story_urls(post)
        assert [(g["kind"], len(g["members"])) for g in duplicate_groups(lite)] == [
            (g["kind"], len(g["members"])) for g in duplicate_groups(post)
        ]
    finally:
        lite.close()
        post.close()


def test_backends_agree_on_entities(pg: pg_server.LocalServer, tmp_path: Path) -> None:
    lite_url, post_url = str(tmp_path / "m.db"), pg.create_database("agree_entities")
    for url in (lite_url, post_url):
        done = run_cli("ingest", *SAMPLE, PAIRS, env={"MARSAD_DB": url})
        assert done.returncode == 0, done.stderr[-2000:]
    lite, post = open_store(lite_url), open_store(post_url)
    try:
        assert [a.get("entities") for a in lite.iter_articles()] == [a.get("entities") for a in post.iter_articles()]
        assert lite.entities() == post.entities()
        ids = [r.id for r in lite.articles()]
        assert lite.article_entities(ids) == post.article_entities(ids)
        assert lite.entity_count() == post.entity_count() > 0
        for e in lite.entities(limit=5):
            assert lite.entity(e["id"]) == post.entity(e["id"])
            assert lite.entity_article_ids([e["id"]]) == post.entity_article_ids([e["id"]])
            for form in e["forms"]:
                assert resolve_entity(lite, form) == resolve_entity(post, form)
        assert lite.entity_counts(ids, 20) == post.entity_counts(ids, 20)
        assert [s["entities"] for s in lite.stories()] == [s["entities"] for s in post.stories()]
    finally:
        lite.close()
        post.close()

"""The Store methods the API, web UI, search, watcher and stories use, on both backends (SQLite, PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from marsad.entities.linking import resolve_entity
from marsad.pipeline import ingest_paths
from marsad.settings import load_settings
from marsad.store import Store, open_store
from tests.conftest import DATA

SAMPLE = [str(DATA / "saudinewsnet-sample.json"), str(DATA / "seed-kim-putin.txt")]
PAIRS = DATA / "pairs" / "near-duplicates-articles.json"


@pytest.fixture(scope="module")
def filled(module_backend: str) -> Iterator[Store]:
    """The SaudiNewsNet sample and the seed page (entities, dedup and stories on), read-only for this module."""
    s = open_store(module_backend)
    ingest_paths(SAMPLE, s, load_settings())
    yield s
    s.close()


def test_article_entities_are_the_stored_mentions(filled: Store) -> None:
    ids = [r.id for r in filled.articles()]
    got = filled.article_entities(ids)
    expected = {
        int(a["id"]): sorted({m["id"] for m in a.get("entities", [])}) for a in filled.iter_articles() if a.get("entities")
    }
    assert got == expected and got
    assert filled.article_entities([]) == {} and filled.article_entities([10**9]) == {}
    # The seed page's two fused articles both name North Korea under one store id.
    korea = resolve_entity(filled, "كوريا الشمالية")
    assert len(korea) == 1 and sum(korea[0] in v for v in got.values()) >= 2


def test_entity_listing_counts_and_resolution(filled: Store) -> None:
    listed = filled.entities()
    assert filled.entity_count() == len(listed) > 0
    assert filled.entity_count("LOC") == len(filled.entities("LOC"))
    top = listed[0]
    assert filled.entity_article_count(top["id"]) == top["article_count"] == len(filled.entity_article_ids([top["id"]]))
    assert resolve_entity(filled, top["id"]) == [top["id"]]
    for form in top["forms"]:
        assert top["id"] in resolve_entity(filled, form)
    assert resolve_entity(filled, "") == [] and resolve_entity(filled, "zzzz-no-such-name") == []
    forms = filled.entity_forms([top["id"]])
    assert forms[0] == top["name"] and set(top["forms"]) <= set(forms)
    ids = [r.id for r in filled.articles()]
    counts = filled.entity_counts(ids, 5)
    assert len(counts) == 5
    assert [c["article_count"] for c in counts] == sorted((c["article_count"] for c in counts), reverse=True)
    by_id = {e["id"]: e for e in listed}
    assert all(by_id[c["id"]]["article_count"] == c["article_count"] for c in counts)


def test_listing_reads(filled: Store) -> None:
    rows = filled.articles()
    assert filled.max_article_id() == max(r.id for r in rows)
    assert filled.count_articles() == len(rows) == filled.counts()["articles"]
    assert filled.count_articles(after_id=rows[9].id) == len(rows) - 10
    source = rows[0].source
    assert filled.count_articles(source=source) == sum(r.source == source for r in rows)
    after = filled.articles_after(rows[4].id, 3)
    assert [a["id"] for a in after] == [r.id for r in rows[5:8]]
    assert set(after[0]) == {"id", "url", "source", "title", "date", "day", "text"}
    recent = filled.recent_articles(10)
    keys = [((a["date"] or ""), a["id"]) for a in filled.recent_articles(100)]
    assert keys == sorted(keys, reverse=True)
    assert [a["id"] for a in recent] == [k[1] for k in keys[:10]]
    assert [a["id"] for a in filled.recent_articles(5, 5)] == [k[1] for k in keys[5:10]]
    assert all(set(a) == {"id", "url", "source", "title", "date", "day", "tags"} for a in recent)


def test_story_and_duplicate_reads(filled: Store) -> None:
    stories = [s for s in filled.stories() if s["size"] > 0]
    assert filled.story_count() == len(stories) > 0
    page = filled.story_page(100)
    assert sorted(s["id"] for s in page) == sorted(s["id"] for s in stories)
    days = [(s["last_seen"] or "")[:10] for s in page]
    assert days == sorted(days, reverse=True)
    rows = filled.story_rows([s["id"] for s in page[:3]])
    assert set(rows) == {s["id"] for s in page[:3]}
    sources = filled.story_sources([s["id"] for s in stories])
    for st in stories:
        assert sources[st["id"]] == sorted({a["source"] or "" for a in st["articles"]})
    pairs = filled.duplicate_pairs()
    assert filled.duplicate_count() == len(pairs)
    assert filled.duplicate_page(2, 1) == pairs[1:3]


def test_feed_watch_state(store: Store) -> None:
    url = "https://example.org/feed.xml"
    assert store.feed_validators(url) == (None, None)
    store.save_feed_state(url, '"abc"', "Tue, 24 Nov 2026 06:00:00 GMT", 200, None)
    assert store.feed_validators(url) == ('"abc"', "Tue, 24 Nov 2026 06:00:00 GMT")
    store.save_feed_state(url, None, None, 500, "boom")
    assert store.feed_validators(url) == (None, None)
    assert not store.entry_seen(url, "e1")
    store.mark_entry_seen(url, "e1")
    store.mark_entry_seen(url, "e1")  # idempotent
    assert store.entry_seen(url, "e1") and not store.entry_seen(url, "e2")


def test_lsh_candidates_and_duplicate_kind_precedence(store: Store, tmp_path: Path) -> None:
    records = json.loads(PAIRS.read_text(encoding="utf-8"))[:3]
    path = tmp_path / "three.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    report = ingest_paths([str(path)], store, load_settings({"dedup_on_ingest": False, "entities_on_ingest": False}))
    a, b, c = report.article_ids
    store.begin()
    store.add_fingerprint(a, "h1", b"\0" * 8, 10, [10, -20, 2**62])
    store.add_fingerprint(b, "h1", b"\0" * 8, 10, [11, -20])
    store.add_fingerprint(c, "h3", b"\0" * 8, 10, [99])
    store.commit()
    assert sorted(store.lsh_candidates([-20])) == [a, b]
    assert store.lsh_candidates([2**62]) == [a]
    assert store.same_content("h1") == [a, b]
    store.add_duplicate(b, a, "paraphrase", 0.6)
    store.add_duplicate(a, b, "near", 0.8)
    store.add_duplicate(a, b, "paraphrase", 0.9)  # a weaker kind never replaces a stronger one
    assert store.duplicate_pairs() == [(a, b, "near", 0.8)]
    store.add_duplicate(a, b, "exact", 1.0)
    assert store.duplicate_pairs([b]) == [(a, b, "exact", 1.0)]
    assert store.duplicate_count() == 1

"""Search over real data: variant spellings, stems and broken plurals, syntax, facets, hostile input, catch-up."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsad.search import SearchEngine, open_search, parse_query
from marsad.search.analysis import broken_plurals, iter_terms, term_of
from marsad.search.engine import index_meta, index_path_for
from marsad.search.tantivy_backend import TantivyBackend
from marsad.store import Store, open_store
from marsad.text import stem
from tests.api.live import build_store
from tests.conftest import DATA


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("search"))


@pytest.fixture(scope="module")
def engine(db: Path) -> Iterator[SearchEngine]:
    store = open_store(str(db))
    eng = open_search(store, str(db))
    eng.catch_up()
    yield eng
    eng.close()
    store.close()


def _titles(engine: SearchEngine, q: str) -> set[str]:
    return {h["title"] for h in engine.search(q, limit=100).hits}


def _hit_words(engine: SearchEngine, q: str) -> set[str]:
    words: set[str] = set()
    for h in engine.search(q, limit=100).hits:
        words |= {s["text"] for s in h["snippet"]["segments"] if s["hit"]}
        words |= {s["text"] for s in h["title_segments"] if s["hit"]}
    return words


def test_index_holds_every_stored_article(engine: SearchEngine) -> None:
    assert engine.backend.count() == engine.store.counts()["articles"] == 36
    assert engine.pending() == 0


@pytest.mark.parametrize("query", ["بيونغ يانغ", "بيونج يانج", "پيونگ يانگ", '"بيونغ يانغ"'])
def test_every_spelling_of_pyongyang_finds_all_three(engine: SearchEngine, query: str) -> None:
    conn = engine.store.conn  # type: ignore[attr-defined]
    expected = {
        spelling: {int(r[0]) for r in conn.execute("SELECT id FROM articles WHERE text LIKE ?", (f"%{spelling}%",))}
        for spelling in ("بيونغ يانغ", "بيونج يانج", "پيونگ يانگ")
    }
    assert all(expected.values())  # each spelling really occurs in the fixtures
    found = {h["id"] for h in engine.search(query, limit=100).hits}
    for spelling, ids in expected.items():
        assert ids <= found, spelling
    # The highlights are the original words of each page, whatever spelling the query used.
    assert {"پيونگ", "يانگ"} <= _hit_words(engine, query)


def test_broken_plural_finds_singular(engine: SearchEngine) -> None:
    words = _hit_words(engine, "الصواريخ")
    assert "صاروخ" in words  # the variant page says only صاروخ
    assert {"الصواريخ", "والصواريخ"} & words
    singular = _hit_words(engine, "صاروخ")
    assert "الصواريخ" in singular or "والصواريخ" in singular


def test_stems_match_inflected_and_cliticized_forms(engine: SearchEngine) -> None:
    # "والأسلحة" in the text, "سلاح" in the query: clitic + article + broken plural.
    assert engine.search("سلاح").total >= 2
    assert engine.search("أسلحة").total == engine.search("سلاح").total


def test_plural_map_entries_really_differ_in_stem() -> None:
    mapping = broken_plurals()
    assert len(mapping) > 80
    assert all(p != s for p, s in mapping.items())
    assert term_of("الصواريخ") == term_of("صاروخ") == stem("صاروخ")


def test_phrase_is_stricter_than_words(engine: SearchEngine) -> None:
    words = engine.search("كوريا الشمالية").total
    phrase = engine.search('"كوريا الشمالية"').total
    reversed_phrase = engine.search('"الشمالية كوريا"').total
    assert words >= phrase >= 1
    assert reversed_phrase < phrase


def test_or_and_exclusion(engine: SearchEngine) -> None:
    iran = engine.search("إيران").total
    korea = engine.search("كوريا").total
    either = engine.search("إيران OR كوريا").total
    assert either >= max(iran, korea)
    assert either <= iran + korea
    without = engine.search("كوريا -بوتين")
    assert without.total < korea
    for h in without.hits:
        assert "بوتين" not in (engine.store.article(h["id"]) or {}).get("text", "")


def test_filters_source_and_date(engine: SearchEngine) -> None:
    res = engine.search("source:sabq", limit=100)
    assert res.total == 3 and {h["source"] for h in res.hits} == {"sabq"}
    dated = engine.search("date:2015-07-21..2015-07-25 السعودية")
    assert dated.total >= 1 and all(h["date"].startswith("2015-07-2") for h in dated.hits)
    assert engine.search("date:2016-01-01.. السعودية").total == 0
    assert engine.search("date:..2015-07-20 السعودية").total == 0


def test_entity_filter_matches_name_in_any_spelling(engine: SearchEngine) -> None:
    res = engine.search('entity:"كيم جونغ أون"')
    assert res.total >= 1
    assert any("كيم" in {s["text"] for s in h["snippet"]["segments"] if s["hit"]} for h in res.hits)


def test_facets(engine: SearchEngine) -> None:
    res = engine.search("السعودية")
    sources = {f["value"]: f["count"] for f in res.facets["sources"]}
    assert sum(sources.values()) == res.total
    assert res.facets["days"] and res.facets["days"][0]["value"] == "2015-07-21"


def test_title_boost_puts_headline_match_first(engine: SearchEngine) -> None:
    hits = engine.search("كوريا").hits
    assert "كوريا" in hits[0]["title"]


def test_recent_sort_orders_by_date(engine: SearchEngine) -> None:
    hits = engine.search("في", sort="recent", limit=50).hits
    dates = [h["date"][:10] for h in hits if h["date"]]
    assert dates == sorted(dates, reverse=True)


def test_highlights_point_at_original_text(engine: SearchEngine) -> None:
    for h in engine.search("پيونگ يانگ").hits:
        body = (engine.store.article(h["id"]) or {})["text"]
        for s, e in h["snippet"]["highlights"]:
            assert next(t.fold for t in iter_terms(body[s:e])) in {"بيونج", "يانج", "وبيونج"}


HOSTILE = [
    "",
    " ",
    '"',
    '""',
    '"unterminated phrase',
    "OR",
    "OR OR OR",
    "-",
    "--",
    "- -x",
    "source:",
    "date:",
    "date:..",
    "date:2015-13-45",
    "date:2015-07-21..nonsense",
    "story:99999999999999999999999",
    "story:-1",
    "entity:",
    "(((( ]]]] \\\\ * ? ~ ^ : {}",
    "title:foo AND NOT bar",
    "\x00\x01\x02",
    "\u202e\u200f\u200d\ufeff",
    "🙂🙂🙂",
    "a" * 100_000,
    "كوريا " * 5000,
    '"' + "كوريا " * 200 + '"',
    "' OR 1=1 --",
    "<script>alert(1)</script>",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_raise(engine: SearchEngine, query: str) -> None:
    res = engine.search(query)
    json.dumps(res.to_dict())
    assert res.total >= 0
    assert all(isinstance(e, str) for e in res.errors)


def test_bad_input_is_reported() -> None:
    assert parse_query("date:2015-13-45").errors
    assert parse_query("a" * 5000).errors
    assert not parse_query("كوريا").errors


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list('ab كوريا"-:.OR()ـًپگ\u200f0-9date:source:story:')), max_size=80))
def test_fuzzed_queries_never_raise(engine: SearchEngine, query: str) -> None:
    res = engine.search(query, limit=5)
    assert res.total >= 0


def _fresh(tmp_path: Path) -> tuple[Store, Path]:
    db = build_store(tmp_path)
    return open_store(str(db)), db


def test_catch_up_from_watermark_after_a_crash(tmp_path: Path) -> None:
    store, db = _fresh(tmp_path)
    try:
        eng = open_search(store, str(db))
        # Index only the first 10 articles, as if the process died after its first batch.
        assert eng.catch_up(batch=10) == 36
        eng.backend.clear()
        conn = store.conn  # type: ignore[attr-defined]
        first_ids = [r[0] for r in conn.execute("SELECT id FROM articles ORDER BY id LIMIT 10")]
        from marsad.search import IndexDoc

        eng.backend.add([IndexDoc(i, "", "", "", "", "") for i in first_ids])
        eng.backend.close()
        assert eng.backend.watermark() == first_ids[-1]
        eng.close()
        # A new process opens the index and catches up only what is missing.
        again = open_search(store, str(db))
        assert again.pending() == 26
        assert again.catch_up() == 26
        assert again.backend.count() == 36 and again.pending() == 0
        assert again.catch_up() == 0
        again.close()
    finally:
        store.close()


def test_index_of_another_version_is_rebuilt(tmp_path: Path) -> None:
    store, db = _fresh(tmp_path)
    try:
        eng = open_search(store, str(db))
        eng.catch_up()
        eng.close()
        path = index_path_for(str(db))
        assert path is not None
        (path / "marsad-search.json").write_text(json.dumps({**index_meta(), "analysis": -1}), encoding="utf-8")
        backend = TantivyBackend(path, index_meta())
        assert backend.count() == 0  # stale analysis: dropped
        eng2 = SearchEngine(store, backend)
        assert eng2.catch_up() == 36
        assert eng2.search("پيونگ يانگ").total >= 3
        eng2.close()
    finally:
        store.close()


def test_cli_search_json(db: Path) -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", "from marsad.cli import main; main()", "search", "بيونغ يانغ", "--db", str(db), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["total"] >= 3


def test_entity_facet_from_stored_mentions(tmp_path: Path) -> None:
    from marsad.pipeline import ingest_paths
    from marsad.search.engine import open_search
    from marsad.settings import load_settings
    from marsad.store import open_store

    db = tmp_path / "facet.db"
    store = open_store(str(db))
    ingest_paths([str(DATA / "seed-kim-putin.txt")], store, load_settings())
    engine = open_search(store, str(db))
    try:
        engine.catch_up()
        result = engine.search("بوتين")
        names = {f["title"] for f in result.facets.get("entities", [])}
        assert "كوريا الشمالية" in names and any("بوتين" in n for n in names)
    finally:
        engine.close()
        store.close()

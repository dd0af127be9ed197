"""Online story clustering on real SaudiNewsNet articles, scored on hand-labelled pairs (on both store backends)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from marsad.dedup.fingerprint import fingerprint
from marsad.dedup.near import dedup_articles
from marsad.derive import catch_up
from marsad.pipeline import ingest_paths
from marsad.settings import load_settings
from marsad.store import Store, open_store
from marsad.stories.cluster import cluster_articles, refresh_story
from marsad.stories.related import related_articles
from tests.conftest import run_cli

PAIRS = Path(__file__).resolve().parents[1] / "data" / "pairs"


def _labels() -> list[dict[str, Any]]:
    return [json.loads(x) for x in (PAIRS / "stories.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def labelled(module_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The 524 articles of the labelled pairs in a store of each backend, ingested in two halves (the
    stage runs per batch)."""
    folder = tmp_path_factory.mktemp("stories")
    records = json.loads((PAIRS / "stories-articles.json").read_text(encoding="utf-8"))
    half = len(records) // 2
    s = open_store(module_backend)
    for n, part in enumerate((records[:half], records[half:])):
        path = folder / f"part{n}.json"
        path.write_text(json.dumps(part, ensure_ascii=False), encoding="utf-8")
        ingest_paths([str(path)], s, load_settings({"ingest_batch_size": 200}))
    yield s
    s.close()


def test_every_article_in_exactly_one_story(labelled: Store) -> None:
    store = labelled
    ids = [r.id for r in store.articles()]
    assert len(ids) == 524
    stories = store.stories()
    members = [a["id"] for st in stories for a in st["articles"]]
    assert sorted(members) == ids
    assert any(len(st["articles"]) == 1 for st in stories)
    assert any(len(st["articles"]) >= 3 for st in stories)
    for st in stories:
        assert st["title"] in {a["title"] for a in st["articles"]}
        assert st["first_seen"] <= st["last_seen"]


def test_pairwise_precision_and_recall_on_labels(labelled: Store) -> None:
    store = labelled
    by_url = {r.url: r.id for r in store.articles()}
    labels = _labels()
    story = store.story_of(list(by_url.values()))
    pred = [story[by_url[p["url1"]]] == story[by_url[p["url2"]]] for p in labels]
    gold = [bool(p["same_story"]) for p in labels]
    tp = sum(a and b for a, b in zip(pred, gold, strict=True))
    precision = tp / max(1, sum(pred))
    recall = tp / sum(gold)
    # Measured here 0.85 / 0.79 with IDF from only these 524 articles (bench/stories.py on the
    # full corpus reports the corpus-scale figures); the bounds leave room for encoder noise.
    assert precision >= 0.8, precision
    assert recall >= 0.6, recall


def test_template_pairs_of_different_days_stay_apart(labelled: Store) -> None:
    """A daily weather bulletin under one headline must not chain day to day into one story."""
    store = labelled
    by_url = {r.url: r.id for r in store.articles()}
    story = store.story_of(list(by_url.values()))
    weather = [p for p in _labels() if "weather bulletin" in p["note"]]
    assert len(weather) == 3
    for p in weather:
        assert story[by_url[p["url1"]]] != story[by_url[p["url2"]]], p["title1"]


def test_related_one_representative_per_other_story(labelled: Store) -> None:
    store = labelled
    aid = store.articles(limit=1, offset=100)[0].id
    own = store.story_of([aid])[aid]
    rel = related_articles(store, aid, k=8)
    assert 1 <= len(rel) <= 8
    stories = [r["story"] for r in rel]
    assert own not in stories and len(set(stories)) == len(stories)
    assert [r["score"] for r in rel] == sorted((r["score"] for r in rel), reverse=True)


def test_merge_step_joins_two_stories_of_one_event(store: Store, tmp_path: Path) -> None:
    records = json.loads((PAIRS / "near-duplicates-articles.json").read_text(encoding="utf-8"))
    wire = next(r for r in records if "الروبل" in r["title"])
    copies = [{**wire, "url": f"http://example.org/{i}", "source": f"outlet{i}"} for i in range(3)]
    path = tmp_path / "c.json"
    path.write_text(json.dumps(copies[:2], ensure_ascii=False), encoding="utf-8")
    s = store
    ingest_paths([str(path)], s, load_settings())
    assert len(s.stories()) == 1
    # Split the two copies into separate stories (as if an earlier run had missed the link)...
    s.begin()
    first = s.story_of([1])[1]
    sid = s.new_story()
    s.assign_story(2, sid, s.article_texts([2])[0]["date"], 1.0)
    refresh_story(s, first)
    refresh_story(s, sid)
    s.commit()
    assert len(s.stories()) == 2
    # ...then a third copy matches both strongly: the stories are merged into one.
    path.write_text(json.dumps(copies[2:], ensure_ascii=False), encoding="utf-8")
    ingest_paths([str(path)], s, load_settings({"dedup_on_ingest": False}))
    s.begin()
    dedup_articles(s, [3])
    report = cluster_articles(s, [3])
    s.commit()
    assert report.merged == 1
    assert [sorted(a["id"] for a in st["articles"]) for st in s.stories()] == [[1, 2, 3]]
    assert fingerprint(None, wire["content"]).shingles > 0


def test_catch_up_and_cli_stories_json(backend: str, data_dir: Path) -> None:
    db = backend
    s = open_store(db)
    ingest_paths(
        [str(data_dir / "saudinewsnet-sample.json")], s, load_settings({"dedup_on_ingest": False})
    )
    waiting = s.ids_without_story()
    assert waiting
    s.close()
    # Read verbs never write: listing stories, duplicates and related derives nothing.
    for verb in (["stories", "--json"], ["duplicates", "--json"], ["related", "1", "--json"]):
        assert run_cli(*verb, "--db", db).returncode == 0
    s = open_store(db)
    assert s.ids_without_story() == waiting and s.story_count() == 0
    s.close()
    assert run_cli("repair", "--db", db).returncode == 0
    out = run_cli("stories", "--json", "--limit", "100", env={"MARSAD_DB": db})
    assert out.returncode == 0, out.stderr
    stories = json.loads(out.stdout)
    assert all(set(st) >= {"id", "title", "first_seen", "last_seen", "sources", "articles"} for st in stories)
    assert sum(len(st["articles"]) for st in stories) == 33
    assert all(set(a) == {"id", "url", "source", "title", "date", "first_report"} for st in stories for a in st["articles"])
    assert all(sum(a["first_report"] for a in st["articles"]) <= 1 for st in stories)
    out = run_cli("stories", "--json", "--since", "2100-01-01", "--db", db)
    assert out.returncode == 0 and json.loads(out.stdout) == []
    out = run_cli("duplicates", "--json", "--db", db)
    assert out.returncode == 0 and isinstance(json.loads(out.stdout), list)
    out = run_cli("related", "1", "--json", "--db", db)
    assert out.returncode == 0 and all(r["id"] != 1 for r in json.loads(out.stdout))
    out = run_cli("related", "999", "--db", db)
    assert out.returncode == 2
    s = open_store(db)
    assert not s.ids_without_story() and catch_up(s).articles == 0
    s.close()

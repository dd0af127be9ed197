"""The entity signal of story clustering and related articles, on real pages (both store backends)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from marsad.pipeline import ingest_paths
from marsad.settings import load_settings
from marsad.store import Store, open_store
from marsad.stories.cluster import load_members
from marsad.stories.features import ENTITY_PREFIX, entity_overlap, spelled_in, split_terms
from marsad.stories.idf import Idf
from marsad.stories.related import related_articles, shared_evidence

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def seeded(module_backend: str) -> Iterator[Store]:
    """The seed page (two articles on Kim and Putin) beside 95 real SaudiNewsNet articles."""
    s = open_store(module_backend)
    paths = [str(DATA / "seed-kim-putin.txt"), str(DATA / "pairs" / "near-duplicates-articles.json")]
    ingest_paths(paths, s, load_settings())
    yield s
    s.close()


def test_entities_are_stored_with_the_story_terms(seeded: Store) -> None:
    ids = [r.id for r in seeded.articles()]
    ents = seeded.article_entities(ids)
    terms = seeded.article_terms(ids)
    assert sum(1 for i in ids if ents.get(i)) > len(ids) // 2
    for i in ids:
        stored = split_terms(terms.get(i, []))
        assert stored.entities == set(ents.get(i, [])), i
        assert stored.title_entities <= stored.entities, i


def test_headline_entities_include_those_the_headline_spells(seeded: Store) -> None:
    """An entity of the article whose spelling the headline writes is a headline entity, tagged there or not."""
    ids = [r.id for r in seeded.articles()]
    forms = seeded.mention_forms(ids)
    ents = seeded.article_entities(ids)
    terms = seeded.article_terms(ids)
    titles = {r.id: r.title for r in seeded.articles()}
    spelled = 0
    for i in ids:
        # Spellings by name: an entity named on the article only by a holder title alone
        # (خادم الحرمين) is one of its entities but has no spelling of its own there.
        assert {e for e, _ in forms.get(i, ())} <= set(ents.get(i, [])), i
        named = spelled_in(titles[i], forms.get(i, ()))
        spelled += bool(named)
        assert named <= split_terms(terms.get(i, [])).title_entities, i
    assert spelled > len(ids) // 4


def test_a_name_written_in_the_headline_is_found_with_its_clitics() -> None:
    """alriyadh, SaudiNewsNet 2015-07-22 (the gold congratulation cables), verbatim headline: the tagger
    found السيسي in the body only."""
    title = "خادم الحرمين يهنئ السيسي بذكرى اليوم الوطني لبلاده"
    forms = [("sisi", "عبدالفتاح السيسي"), ("sisi", "السيسي"), ("egypt", "مصر"), ("day", "اليوم الوطني"), ("x", "لل")]
    assert spelled_in(title, forms) == {"sisi", "day"}
    assert spelled_in("تفجير سروج يهدد بإقفال «بوابة الجهاد»", [("s", "سروج"), ("d", "داعش")]) == {"s"}
    assert spelled_in(None, forms) == set()


def test_entity_overlap_is_higher_for_labelled_same_story_pairs(seeded: Store) -> None:
    """Labelled same-story pairs (wire copies across outlets) share far more entities than other pairs."""
    by_url = {r.url: r.id for r in seeded.articles()}
    labels = [json.loads(x) for x in (DATA / "pairs" / "near-duplicates.jsonl").read_text(encoding="utf-8").splitlines()]
    pairs = [(by_url[p["url1"]], by_url[p["url2"]], bool(p["same_story"])) for p in labels
             if p["url1"] in by_url and p["url2"] in by_url]
    ents = {i: set(v) for i, v in seeded.article_entities(list(by_url.values())).items()}
    n = len(by_url)
    keys = sorted({ENTITY_PREFIX + e for v in ents.values() for e in v})
    idf = {t: math.log((n + 1) / (d + 1)) + 1.0 for t, d in seeded.term_df(keys).items()}
    same = [entity_overlap(ents.get(a, set()), ents.get(b, set()), idf) for a, b, y in pairs if y]
    labelled = {(min(a, b), max(a, b)) for a, b, _ in pairs}
    ids = sorted(by_url.values())
    # Pairs nobody labelled are, among these 95 articles from 12 days, nearly all different stories.
    unlabelled = [(a, b) for k, a in enumerate(ids) for b in ids[k + 1 :] if (a, b) not in labelled]
    other = [entity_overlap(ents.get(a, set()), ents.get(b, set()), idf) for a, b in unlabelled]
    assert len(same) >= 30, len(same)
    assert sum(same) / len(same) > 3 * sum(other) / len(other)


def test_related_articles_always_share_evidence(seeded: Store) -> None:
    """Related articles share an entity or rare terms with the article, never only a common word."""
    ids = [r.id for r in seeded.articles()]
    idf = Idf(seeded)
    offered = 0
    for aid in ids[:40]:
        related = related_articles(seeded, aid, k=5)
        offered += len(related)
        feats = load_members(seeded, [aid, *(r["id"] for r in related)])
        me = feats[aid]
        for r in related:
            other = feats[r["id"]]
            weights = idf.of(me.terms | other.terms | {ENTITY_PREFIX + e for e in me.entities | other.entities})
            assert shared_evidence(me, other, weights, idf.unseen), (aid, r)
    assert offered > 0

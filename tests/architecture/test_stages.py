"""The stage contract: each named stage changes only the fields it declares, and reads only what is there before it."""

from __future__ import annotations

import copy
import dataclasses

from marsad.derive import DERIVED_STAGES
from marsad.extract.plaintext import parse_text
from marsad.models import Article
from marsad.pipeline import PAGE_STAGES
from marsad.settings import Settings

ARTICLE_FIELDS = {f.name for f in dataclasses.fields(Article)} | {"text"}
EXTRACTED = ARTICLE_FIELDS - {a for s in PAGE_STAGES for a in s.adds}


def _snapshot(articles: list[Article]) -> list[dict[str, object]]:
    return [{f.name: copy.deepcopy(getattr(a, f.name)) for f in dataclasses.fields(Article)} for a in articles]


def test_page_stages_add_only_what_they_declare(seed_text: str) -> None:
    page = parse_text(seed_text, "seed")
    assert all(stage.enabled(Settings()) for stage in PAGE_STAGES)
    for stage in PAGE_STAGES:
        before = _snapshot(page.articles)
        stage.run(page)
        after = _snapshot(page.articles)
        changed = {k for b, a in zip(before, after, strict=True) for k in b if b[k] != a[k]}
        assert changed <= set(stage.adds), f"{stage.name} changed {changed - set(stage.adds)} it does not declare"
        assert changed, f"{stage.name} added nothing on the seed page"


def test_stages_read_only_what_earlier_stages_provide() -> None:
    available = set(EXTRACTED)
    for stage in PAGE_STAGES:
        assert set(stage.reads) <= available, f"{stage.name} reads {set(stage.reads) - available} before it exists"
        assert set(stage.adds) <= ARTICLE_FIELDS
        available |= set(stage.adds)
    stored = {"articles.title", "articles.text", "articles.day", "mentions"}
    for derived in DERIVED_STAGES:
        assert set(derived.reads) <= stored, f"{derived.name} reads {set(derived.reads) - stored} before it exists"
        stored |= set(derived.adds)


def test_disabled_stages_do_not_run(seed_text: str) -> None:
    from marsad.pipeline import enrich

    page = enrich(parse_text(seed_text, "seed"), Settings(entities_on_ingest=False))
    assert all(a.entities is None and a.keywords is None for a in page.articles)
    assert "entities" not in page.articles[0].to_dict()

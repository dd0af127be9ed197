"""Gate: extraction F1 on the gold-annotated fixture pages must stay above a pinned floor."""

from __future__ import annotations

import json

from marsad.extract import extract
from marsad.extract.html import SnippetScore, score_snippets
from marsad.models import Page, RawDocument
from tests.conftest import DATA

#: Pinned floor. Measured when pinned: F1 1.00 over 33 must + 37 must-not snippets (bench/extract.py).
#: A drop of one snippet on one page costs ~0.015; the floor allows one such slip, not two.
F1_FLOOR = 0.98


def article_text(page: Page) -> str:
    """Return everything Marsad calls article content: titles, headings and paragraphs."""
    parts: list[str] = []
    for a in page.articles:
        parts.extend(f.text for f in (a.title, *a.headings, *a.paragraphs) if f is not None)
    return "\n".join(parts)


def test_extraction_f1_above_floor() -> None:
    gold = json.loads((DATA / "html" / "gold.json").read_text(encoding="utf-8"))
    total = SnippetScore(0, 0, 0, 0)
    for name, g in gold.items():
        if name.startswith("_"):
            continue
        result = extract(RawDocument((DATA / "html" / name).read_bytes(), name))
        assert isinstance(result, Page) is g["article"], (name, result)
        if isinstance(result, Page):
            total += score_snippets(article_text(result), g["with"], g["without"])
    assert total.tp + total.fn >= 30  # the gate measures something
    assert total.f1 >= F1_FLOOR, total


def test_scoring_can_fail() -> None:
    s = score_snippets("نص فيه كلمة", ["كلمة", "غائبة"], ["فيه"])
    assert (s.tp, s.fn, s.fp, s.tn) == (1, 1, 1, 0)
    assert s.f1 < 0.6

"""The page rules on another aggregator layout, built from real SaudiNewsNet articles.

The layout (labels, bullets, separators) is assembled here; every headline and paragraph is real
text from tests/data/saudinewsnet-sample.json. Nothing in the rules knows this page.
"""

from __future__ import annotations

import json

import pytest

from marsad.extract.plaintext import parse_text
from marsad.models import Page
from tests.conftest import DATA


def _articles() -> list[dict[str, str]]:
    records = json.loads((DATA / "saudinewsnet-sample.json").read_text(encoding="utf-8"))
    long = [r for r in records if r["content"].count("\n") >= 3 and 40 < len(r["title"]) < 120]
    return long


@pytest.fixture(scope="module")
def built() -> tuple[str, list[dict[str, str]]]:
    a, b, c, d = _articles()[:4]
    text = "\n".join(
        [
            a["title"],
            "",
            a["content"].strip(),
            "",
            "المصادر: واس",
            "الوسوم: السعودية، الرياض، مجلس الوزراء",
            "",
            f"اقرأ أيضا: {b['title']}",
            "حمل تطبيق الصحيفة لمتابعة آخر الأخبار",
            "شارك فيسبوك تويتر واتساب",
            "",
            b["content"].strip(),
            "",
            "أخبار ذات صلة",
            f"- {c['title']}",
            f"- {d['title']}٣٢١",
        ]
    )
    return text, [a, b, c, d]


@pytest.fixture(scope="module")
def page(built: tuple[str, list[dict[str, str]]]) -> Page:
    return parse_text(built[0], "built")


def test_articles_and_titles(page: Page, built: tuple[str, list[dict[str, str]]]) -> None:
    a, b, _, _ = built[1]
    assert len(page.articles) == 2
    first, second = page.articles
    assert first.title is not None and first.title.text == " ".join(a["title"].split())
    assert second.title is not None and second.title.text == " ".join(b["title"].split())
    assert first.source is not None and first.source.text == "واس"
    assert [t.text for t in first.tags] == ["السعودية", "الرياض", "مجلس الوزراء"]


def test_furniture(page: Page, built: tuple[str, list[dict[str, str]]]) -> None:
    _, _, c, d = built[1]
    kinds = [bp.kind for bp in page.boilerplate]
    assert "promo" in kinds and "share" in kinds and "related_label" in kinds
    assert [r.text for r in page.related] == [" ".join(c["title"].split()), " ".join(d["title"].split())]
    assert any(bp.kind == "glued_count" and bp.text == "٣٢١" for bp in page.boilerplate)
    for art in page.articles:
        for p in art.paragraphs:
            assert "حمل تطبيق" not in p.text and "فيسبوك" not in p.text


def test_unrelated_read_also_is_not_a_title(built: tuple[str, list[dict[str, str]]]) -> None:
    a, b, c, _ = built[1]
    text = f"{a['content'].strip()}\n\nاقرأ أيضا: {c['title']}\n\n{b['content'].strip()}\n"
    page = parse_text(text, "mismatch")
    assert len(page.articles) == 2
    assert page.articles[1].title is None
    assert [f.text for f in page.read_also] == [" ".join(c["title"].split())]


@pytest.mark.parametrize("content", [
    # Two records of 3alyoum, SaudiNewsNet 2015-07-24 (the start of their content, verbatim).
    " Next Previous \xa0\nعين اليوم – باكستان\nتواصل الفيضانات الناجمة عن الأمطار الموسمية في باكستان حصد الخسائر"
    " البشرية والمادية.\n",
    " Next Previous حامد القرشي – عين اليوم\nأبدع المغردون الليلة في تطبيق “سناب شات” في بث صور ومقاطع للمسجد الحرام"
    " وساحاته.\n",
])
def test_pager_buttons_glued_to_a_line_are_not_text(content: str) -> None:
    """A crawl's slider buttons (Next Previous) before a line are furniture; the rest of the line stays."""
    page = parse_text(content, "3alyoum")
    fields = [f for a in page.articles for f in (a.title, *a.headings, *a.paragraphs) if f]
    assert fields and not [f for f in fields if "Next" in f.text or "Previous" in f.text]
    assert any("عين اليوم" in f.text for f in fields)
    for f in fields:
        assert f.span is not None and " ".join(content[f.span.start : f.span.end].split()) == " ".join(f.text.split())


def test_pager_buttons_alone_are_furniture_and_english_prose_stays() -> None:
    """A line of buttons only is recorded as furniture; "Next week …" is a sentence, not a button."""
    page = parse_text("Next\u2009Previous\nتواصل الفيضانات في باكستان.\nNext week the ministry will report.\n", "x")
    texts = [f.text for a in page.articles for f in (a.title, *a.headings, *a.paragraphs) if f]
    assert "Next week the ministry will report." in texts and not any("Previous" in t for t in texts)
    assert [(b.kind, b.text) for b in page.boilerplate] == [("share", "Next\u2009Previous")]

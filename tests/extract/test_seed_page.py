"""The seed aggregator page understood end to end (the foundation issue's pinned structure)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marsad.extract.plaintext import clean_related_headline, parse_text
from marsad.models import Page
from marsad.text import normalize_text
from tests.conftest import DATA, run_cli

READ_ALSO = "اتهامات وتحالفات.. كوريا الشمالية تتهم الولايات المتحدة بالتخطيط لهجوم نووي مع كوريا الجنوبية"
HEADINGS_1 = [
    "قلق أمريكي من لقاء كيم جونج أون وبوتين",
    "تبادل التكنولوجيا العسكرية على جدول كيم جونج أون وبوتين",
    "آثار الاجتماع بين كيم جونج أون وبوتين",
    "تعزيز علاقات موسكو وبيونج يانج",
    "قمة كيم جونج أون وبوتين جبل جليدي",
]
HEADINGS_2 = ["زيادة التعاون العسكري", "تصعيد التوترات", "التجارب النووية", "عصر جديد من التحالفات الاستراتيجية؟"]


@pytest.fixture(scope="module")
def page(seed_text: str) -> Page:
    return parse_text(seed_text, "seed")


def test_two_articles_split(page: Page) -> None:
    assert len(page.articles) == 2
    first, second = page.articles
    assert first.paragraphs[0].text.startswith("أثار اللقاء بين الزعيم الكوري الشمالي")
    assert first.paragraphs[-1].text.startswith("ويُنظَر إلى قمة كيم جونج أون وبوتين")
    assert len(first.paragraphs) == 7
    assert second.paragraphs[0].text.startswith("فى عرض مهم للولاء")
    assert second.paragraphs[-1].text.startswith("ومع تعمق هذه الشراكة")
    assert len(second.paragraphs) == 14
    # Nothing of the end-matter leaked into a body.
    for a in page.articles:
        for p in a.paragraphs:
            assert "المصدر" not in p.text and "كلمات دلالية" not in p.text and "تطبيق" not in p.text


def test_fields_of_first_article(page: Page) -> None:
    first = page.articles[0]
    assert first.title is None  # the page gives the first article no headline
    assert first.source is not None and first.source.text == "الوطن"
    assert [t.text for t in first.tags] == ["روسيا", "كوريا الشمالية", "كيم", "بوتين", "بيونج يانج"]
    assert [h.text for h in first.headings] == HEADINGS_1


def test_read_also_becomes_title_of_second_article(page: Page) -> None:
    assert [f.text for f in page.read_also] == [READ_ALSO]
    second = page.articles[1]
    assert second.title is not None and second.title.text == READ_ALSO
    assert second.source is None and second.tags == []
    # A heading sitting directly above its paragraph (no blank line) is still a heading.
    assert [h.text for h in second.headings] == HEADINGS_2


def test_related_list_and_groups(page: Page) -> None:
    titles = [r.text for r in page.related]
    assert len(titles) == 10
    assert titles[0].startswith("كوريا الجنوبية: التحالف مع واشنطن")
    assert titles[-1] == "مجموعة السبع ودول أخرى تدين تعاون كوريا الشمالية مع روسيا"
    g = [r.group for r in page.related]
    assert g[1] == g[2], "items 2 and 3 tell one story"
    assert g[7] == g[8], "items 8 and 9 tell one story"
    for i in (0, 5, 6, 9):
        assert [j for j in range(10) if g[j] == g[i]] == [i], f"item {i + 1} must stand alone"


def test_boilerplate(page: Page) -> None:
    kinds = {b.kind: b.text for b in page.boilerplate}
    assert kinds["promo"] == "تابع أحدث الأخبار عبر تطبيق"
    assert kinds["read_also_label"] == "إقرأ أيضاً:"
    assert kinds["related_label"] == "مقالات مشابهة"


def test_every_span_points_back(page: Page, seed_text: str) -> None:
    for f in page.iter_fields():
        assert f.span is not None
        original = f.span.slice(seed_text)
        assert " ".join(normalize_text(original).split()) == normalize_text(f.text)
    for r in page.related:
        assert r.span.slice(seed_text) == r.text
    for b in page.boilerplate:
        assert b.span.slice(seed_text) == b.text


def test_glued_view_count_is_cleaned(seed_text: str) -> None:
    page = parse_text(seed_text + "17474", "seed+count")
    assert page.related[-1].text == "مجموعة السبع ودول أخرى تدين تعاون كوريا الشمالية مع روسيا"
    assert any(b.kind == "glued_count" and b.text == "17474" for b in page.boilerplate)
    assert clean_related_headline("حصاد عام 2015") == ("حصاد عام 2015", "")


def test_cli_parse_json_pins_structure(tmp_path: Path) -> None:
    proc = run_cli("parse", str(DATA / "seed-kim-putin.txt"), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    arts = data["articles"]
    assert [a["title"] for a in arts] == [None, READ_ALSO]
    assert arts[0]["source"] == "الوطن"
    assert arts[0]["tags"] == ["روسيا", "كوريا الشمالية", "كيم", "بوتين", "بيونج يانج"]
    assert arts[0]["headings"] == HEADINGS_1 and arts[1]["headings"] == HEADINGS_2
    assert [len(a["paragraphs"]) for a in arts] == [7, 14]
    assert arts[1]["text"] == "\n\n".join(arts[1]["paragraphs"])
    assert set(arts[0]["spans"]) >= {"title", "source", "tags", "headings", "paragraphs"}
    assert data["read_also"] == [READ_ALSO]
    assert [r["title"] for r in data["related"]][5] == READ_ALSO
    groups = [r["group"] for r in data["related"]]
    assert groups[1] == groups[2] and groups[7] == groups[8]
    assert len({groups[0], groups[5], groups[6], groups[9], groups[1], groups[7]}) == 6
    assert {b["kind"] for b in data["boilerplate"]} >= {"promo", "read_also_label", "related_label"}

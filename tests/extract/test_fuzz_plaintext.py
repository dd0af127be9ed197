"""Property-based fuzzing of the page rules: any text gives a consistent page, never an exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsad.extract.plaintext import _SPACE, clean_related_headline, parse_text, split_lines
from marsad.extract.tags import split_tags
from marsad.text import normalize_text
from tests.conftest import DATA

SEED_LINES = (DATA / "seed-kim-putin.txt").read_text(encoding="utf-8").splitlines()
FURNITURE = [
    "المصدر: ",
    "كلمات دلالية: ",
    "إقرأ أيضاً:",
    "مقالات مشابهة",
    "تابع أحدث الأخبار عبر تطبيق",
    "  • ",
    "- ",
    "شارك",
    "",
    "\r",
    "\u200f",
    "\u00a0",
]
# Lines are real seed lines, furniture labels, and arbitrary text, in any order.
LINE = st.one_of(st.sampled_from(SEED_LINES), st.sampled_from(FURNITURE), st.text(max_size=40))
PAGE = st.lists(LINE, max_size=40).map("\n".join)


@given(PAGE)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_page_parses_consistently(text: str) -> None:
    page = parse_text(text, "fuzz")
    for f in page.iter_fields():
        assert f.span is not None
        assert 0 <= f.span.start <= f.span.end <= len(text)
        assert " ".join(normalize_text(f.span.slice(text)).split()) == normalize_text(f.text)
    for b in page.boilerplate:
        assert b.span.slice(text) == b.text
    for r in page.related:
        assert r.group >= 1
    for a in page.articles:
        assert a.paragraphs, "an article always has a body"


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_lines_cover_the_text(text: str) -> None:
    for line in split_lines(text):
        assert text[line.start : line.end] == line.text


@given(st.text(max_size=80), st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_tag_splitter_total(value: str, context: str) -> None:
    page_text = context + "\n" + value
    tags = split_tags(value, len(context) + 1, page_text)
    for t in tags:
        assert t.span is not None and t.text.strip()
        assert normalize_text(t.text) == " ".join(normalize_text(t.span.slice(page_text)).split())


@given(st.text(max_size=60))
def test_related_cleaner_only_cuts_the_end(text: str) -> None:
    title, junk = clean_related_headline(text)
    assert title + junk == text.rstrip(_SPACE)
    assert junk == "" or junk.isdigit()

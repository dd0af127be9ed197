"""HTML extraction on real Arabic news pages: text, metadata, spans, encodings, bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from marsad.extract import extract
from marsad.extract.decode import decode, meta_charset
from marsad.models import Page, RawDocument, Rejection
from tests.conftest import DATA

HTML = DATA / "html"
GOLD: dict[str, Any] = {k: v for k, v in json.loads((HTML / "gold.json").read_text(encoding="utf-8")).items() if not k.startswith("_")}
ARTICLES = sorted(name for name, g in GOLD.items() if g["article"])


def _page(name: str, data: bytes | None = None) -> Page:
    raw = RawDocument(data if data is not None else (HTML / name).read_bytes(), str(HTML / name))
    result = extract(raw)
    assert isinstance(result, Page), result
    return result


@pytest.fixture(scope="module")
def pages() -> dict[str, Page]:
    return {name: _page(name) for name in ARTICLES}


@pytest.mark.parametrize("name", ARTICLES)
def test_article_pages_have_title_date_language_and_true_spans(pages: dict[str, Page], name: str) -> None:
    page = pages[name]
    gold = GOLD[name]
    assert page.kind == "html"
    assert page.extractor in ("trafilatura", "fallback")
    assert page.articles, name
    first = page.articles[0]
    assert first.title is not None and first.title.text == gold["title"]
    if "date" in gold:
        assert first.date_utc is not None and first.date_utc.date().isoformat() == gold["date"]
        assert first.date is not None and first.date.text  # the original string is kept
    assert first.language == "ar"  # beirutobserver-1 declares en-US over Arabic text
    assert first.source is not None and first.source.text
    for f in page.iter_fields():
        if f.span is not None:
            assert " ".join(f.span.slice(page.text).split()) == " ".join(f.text.split()) or f.text in " ".join(
                f.span.slice(page.text).split()
            ), (name, f)


def test_title_found_in_text_gets_its_span(pages: dict[str, Page]) -> None:
    page = pages["assabah-1.html"]
    title = page.articles[0].title
    assert title is not None and title.span is not None
    assert title.span.slice(page.text) == title.text
    # ...and is not also counted as a body paragraph.
    assert all(p.span != title.span for p in page.articles[0].paragraphs)


def test_site_name_is_cut_from_title_and_dateline_in_text_is_used(pages: dict[str, Page]) -> None:
    page = pages["almadenahnews-1.html"]
    a = page.articles[0]
    assert a.title is not None and "المدينة نيوز" not in a.title.text
    # The page text says "تم نشره الجمعة 24 نيسان / أبريل 2020 09:22 مساءً": span, original and time kept.
    assert a.date is not None and a.date.span is not None
    assert "نيسان / أبريل 2020" in a.date.span.slice(page.text)
    assert a.date_utc is not None and (a.date_utc.hour, a.date_utc.minute) == (21, 22)


def test_meta_keywords_become_tags_and_canonical_url(pages: dict[str, Page]) -> None:
    a = pages["youm7-1.html"].articles[0]
    assert "الخزانات الجوفية" in [t.text for t in a.tags]
    assert a.url is not None and a.url.startswith("https://www.youm7.com/story/2020/8/24/")


def test_directory_page_in_windows_1256_is_no_article() -> None:
    data = (HTML / "arabicmedia-1.html").read_bytes()
    text, enc = decode(data)
    assert enc == "cp1256" and "الجرائد" in text
    result = extract(RawDocument(data, "arabicmedia-1.html"))
    assert isinstance(result, Rejection) and result.reason == "no_article"


def _strip_meta_charset(html: str) -> str:
    return re.sub(r"<meta[^>]*charset[^>]*>", "", html, flags=re.IGNORECASE)


def test_undeclared_windows_1256_page_is_detected(pages: dict[str, Page]) -> None:
    html = _strip_meta_charset((HTML / "beirutobserver-1.html").read_text(encoding="utf-8"))
    data = html.encode("cp1256", errors="ignore")
    assert meta_charset(data) is None
    page = _page("beirutobserver-1.html", data)
    assert page.encoding == "cp1256"
    assert page.articles[0].title == pages["beirutobserver-1.html"].articles[0].title


def test_declared_iso_8859_6_is_honoured() -> None:
    body = "".join(f"<p>{p}</p>" for p in _paragraphs("cnnarabic-1.html"))
    html = f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-6"></head><body><article>{body}</article></body></html>'
    data = html.encode("iso-8859-6", errors="ignore")
    page = _page("x.html", data)
    assert page.encoding == "iso8859-6"
    assert "فصائل مسلحة" in page.text


def test_http_charset_wins_over_guessing() -> None:
    body = "".join(f"<p>{p}</p>" for p in _paragraphs("cnnarabic-1.html"))
    data = f"<html><body>{body}</body></html>".encode("cp1256", errors="ignore")
    raw = RawDocument(data, "http://example.test/a", content_type="text/html; charset=windows-1256", charset="windows-1256")
    page = extract(raw)
    assert isinstance(page, Page) and page.encoding == "cp1256"


def test_mojibake_is_repaired() -> None:
    body = "".join(f"<p>{p}</p>" for p in _paragraphs("cnnarabic-1.html"))
    html = f"<html><body><article>{body}</article></body></html>"
    garbled = html.encode("utf-8").decode("cp1256").encode("utf-8")  # UTF-8 read as windows-1256, saved as UTF-8
    page = _page("m.html", garbled)
    assert page.encoding == "utf-8+repaired-from-cp1256"
    assert "فصائل مسلحة" in page.text


def _paragraphs(name: str) -> list[str]:
    return [p.text for p in _page_cached(name).articles[0].paragraphs]


_CACHE: dict[str, Page] = {}


def _page_cached(name: str) -> Page:
    if name not in _CACHE:
        _CACHE[name] = _page(name)
    return _CACHE[name]


def test_page_rules_run_on_extracted_text() -> None:
    paras = _paragraphs("cnnarabic-1.html")
    html = (
        "<html><head><title>معارضون يسيطرون على مخازن للصواريخ بريف دمشق</title></head><body><article>"
        + "".join(f"<p>{p}</p>" for p in paras[:3])
        + "<p>اقرأ أيضا:</p><p>الأمير الوليد يلغي إيقاف مقدم برامج بعد مقابلة جرئية</p>"
        + "<p>تابعونا على تويتر</p>"
        + "</article></body></html>"
    )
    page = _page("r.html", html.encode("utf-8"))
    assert [f.text for f in page.read_also] == ["الأمير الوليد يلغي إيقاف مقدم برامج بعد مقابلة جرئية"]
    assert any(b.kind == "promo" for b in page.boilerplate)
    assert "تابعونا" not in page.articles[0].text


def test_fallback_when_trafilatura_returns_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *a, **k: None)
    page = _page("cnnarabic-1.html")
    assert page.extractor == "fallback"
    assert "فصائل مسلحة" in page.articles[0].text


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20,
        b"<html><body>" + b"<div>" * 50_000 + "نص".encode() + b"</div>" * 10 + b"</body></html>",
        b"<html><head><title>x</title></head><body><p>",
        (HTML / "youm7-1.html").read_bytes()[:1500],
        b"<html>\xff\xfe\xfa garbage \x00\x00 </html>",
        b"   ",
    ],
)
def test_bad_html_is_a_rejection_never_an_exception(data: bytes) -> None:
    result = extract(RawDocument(data, "bad.html"))
    assert isinstance(result, Rejection), result


def test_parse_json_for_html_has_the_text_page_structure(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    html = run_cli("parse", str(HTML / "youm7-1.html"), "--json")
    assert html.returncode == 0, html.stderr
    text = run_cli("parse", str(DATA / "seed-kim-putin.txt"), "--json")
    h, t = json.loads(html.stdout), json.loads(text.stdout)
    assert set(h) == set(t)
    assert set(h["articles"][0]) == set(t["articles"][0])
    assert h["extractor"] == "trafilatura" and h["articles"][0]["date"].startswith("2020-08-24")

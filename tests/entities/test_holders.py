"""Holder titles written alone name the page's holder of the office (issue 14), on real SaudiNewsNet articles.

The articles (tests/data/entities/holders.json, verbatim shared-day records; sources in
tests/data/SOURCES.md) write خادم الحرمين، ولي العهد and ولي ولي العهد alone in the headline beside a
body that names the holder; one names King Fahd with the King's title and a Kuwaiti crown prince.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from marsad.entities.canonical import annotate
from marsad.entities.holders import offices
from marsad.entities.quotes import extract_quotes
from marsad.models import Article, Field, Span
from marsad.pipeline import ingest_paths
from marsad.settings import load_settings
from marsad.store import SQLiteStore

DATA = Path(__file__).resolve().parents[1] / "data" / "entities" / "holders.json"
COLOMBIA = "http://www.alriyadh.com/1066269"
KUWAIT = "http://www.al-jazirah.com/2015/20150802/fe7.htm"
#: Names no deputy crown prince: ولي ولي العهد يأمر بتأمين طائرات شحن … (ingested last).
UNNAMED = "http://sabq.org/66Cgde"
#: A prince who is the King's adviser; the King's ambassador (الرئيس المالديفي يستقبل الأمير منصور بن متعب).
ADVISER = "http://www.alyaum.com/article/4080484"
#: شاهد.. لقاء محمد بن سلمان بالرئيس بوتين …: "ولي ولي العهد وزير الدفاع الأمير محمد بن سلمان", then
#: "بدوره قال ولي ولي العهد إن …".
PUTIN = "http://www.3alyoum.com/news/pol/a/"


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """URL → the article's person mentions in text order (text, title, entity id and name)."""
    tmp = tmp_path_factory.mktemp("holders")
    with SQLiteStore(tmp / "store.db") as store:
        report = ingest_paths([str(DATA)], store, load_settings().replace(dedup_on_ingest=False))
        assert report.articles == 7
        out: dict[str, list[dict[str, Any]]] = {}
        for r in store.rows("SELECT a.url, a.title AS headline, m.text, m.title, m.start, e.id, e.name FROM mentions m"
                            " JOIN entities e ON e.id = m.entity_id JOIN articles a ON a.id = m.article_id"
                            " WHERE e.type = 'PER' ORDER BY a.url, m.start"):
            out.setdefault(r["url"], []).append(r)
        yield out


def _named(mentions: list[dict[str, Any]], start: str) -> str:
    """Return the entity id of the first mention whose text starts with ``start`` and is not a title alone."""
    return next(m["id"] for m in mentions if m["text"].startswith(start) and m["text"] != m["title"])


def test_headline_titles_name_the_holders(stored: dict[str, list[dict[str, Any]]]) -> None:
    """خادم الحرمين وولي العهد يهنئان …: the King and the crown prince, two people, both named in the body."""
    ms = stored[COLOMBIA]
    head = [m for m in ms if m["start"] < len(ms[0]["headline"])]
    assert [m["text"] for m in head] == ["خادم الحرمين", "ولي العهد"]
    king, crown_prince = _named(ms, "سلمان بن عبدالعزيز"), _named(ms, "محمد بن نايف")
    assert king != crown_prince
    assert [m["id"] for m in head] == [king, crown_prince]
    # سمو ولي العهد in the body is him too; the holder title is an attribute, not his name.
    assert sum(m["id"] == crown_prince and m["text"] == "ولي العهد" for m in ms) == 2
    assert all(not m["name"].startswith(("خادم", "ولي")) for m in ms)


def test_family_name_is_not_cut_off(stored: dict[str, list[dict[str, Any]]]) -> None:
    """The tagger cut محمد بن نايف بن عبدالعزيز آل | سعود; آل never ends a name, so it is one mention."""
    texts = [m["text"] for m in stored[COLOMBIA]]
    assert "محمد بن نايف بن عبدالعزيز آل سعود" in texts
    assert "سعود" not in texts


@pytest.mark.parametrize("url", ["http://www.alriyadh.com/1066029",
                                 "http://www.okaz.com.sa/new/Issues/20150720/Con20150720784533.htm"])
def test_deputy_is_not_the_crown_prince(stored: dict[str, list[dict[str, Any]]], url: str) -> None:
    """ولي ولي العهد (named after محمد بن سلمان) is read whole, never as ولي العهد."""
    ms = stored[url]
    deputy = _named(ms, "محمد بن سلمان بن عبدالعزيز")
    holders = [m for m in ms if m["text"] == m["title"]]
    assert holders and {m["id"] for m in holders} == {deputy}
    assert {m["text"] for m in holders} == {"ولي ولي العهد"}
    assert ms[0]["text"] == "ولي ولي العهد" and ms[0]["start"] == 0  # the headline's subject


def test_title_of_a_past_holder_and_another_country(stored: dict[str, list[dict[str, Any]]]) -> None:
    """A page about King Fahd: his title alone is him; ولي العهد الكويتي is not a Saudi holder."""
    ms = stored[KUWAIT]
    fahd = _named(ms, "فهد بن عبدالعزيز")
    holders = [m for m in ms if m["text"] == m["title"]]
    assert [m["text"] for m in holders] == ["خادم الحرمين الشريفين"]
    assert holders[0]["id"] == fahd
    assert "ولي العهد" not in {m["text"] for m in ms}


def test_two_holders_on_a_page_name_nobody() -> None:
    """The same page naming two kings with the title (Salman, then Fahd): the title alone names neither."""
    records = {r["url"]: r for r in json.loads(DATA.read_text(encoding="utf-8"))}
    head = "خادم الحرمين الشريفين يستذكر"
    body = records[COLOMBIA]["content"].strip() + "\n" + records[KUWAIT]["content"].strip()
    page = head + "\n" + body
    art = Article(title=Field(head, Span(0, len(head))), paragraphs=[Field(body, Span(len(head) + 1, len(page)))])
    annotate(page, [art])
    names = {m.text: m.name for m in art.entities if m.text != m.title}
    assert any(t.startswith("سلمان بن عبدالعزيز") for t in names) and any(t.startswith("فهد بن عبدالعزيز") for t in names)
    assert not [m for m in art.entities if m.start < len(head)]


def test_title_alone_on_a_page_without_its_holder_names_nobody(stored: dict[str, list[dict[str, Any]]]) -> None:
    """ولي ولي العهد يأمر …: the page names no deputy crown prince, so the title is no one's mention
    (a store-wide holder is not guessed: on the dev days 13 people had been written with the King's
    title, the late King Abdullah among them)."""
    assert not [m for m in stored.get(UNNAMED, []) if m["text"] == m["title"]]


def test_adviser_and_ambassador_of_the_king_are_not_the_king(stored: dict[str, list[dict[str, Any]]]) -> None:
    """مستشار خادم الحرمين الشريفين and سفير خادم الحرمين الشريفين: the King's title as another's genitive."""
    ms = stored[ADVISER]
    king = _named(ms, "سلمان بن عبدالعزيز")
    mansour = _named(ms, "منصور بن متعب")
    assert king != mansour
    assert not [m for m in ms if m["text"] == m["title"]]
    assert {m["id"] for m in ms if m["text"].startswith("سلمان")} == {king}


def test_a_holder_quoted_by_his_title_is_the_speaker() -> None:
    """قال ولي ولي العهد إن …: the statement is his, named earlier past an office (وزير الدفاع الأمير …)."""
    record = next(r for r in json.loads(DATA.read_text(encoding="utf-8")) if r["url"].startswith(PUTIN))
    head, body = record["title"], record["content"]
    page = head + "\n" + body
    art = Article(title=Field(head, Span(0, len(head))), paragraphs=[Field(body, Span(len(head) + 1, len(page)))])
    annotate(page, [art])
    deputy = next(m.id for m in art.entities if m.text == "محمد بن سلمان")
    quotes = [q for q in extract_quotes(page, art.entities) if q.speaker == "ولي ولي العهد"]
    assert len(quotes) == 1 and quotes[0].entity == deputy
    assert quotes[0].content.startswith("بلاده")
    # العاهل السعودي (its nisba inside the title) is the King the page names.
    king = next(m.id for m in art.entities if m.text.startswith("سلمان بن عبد"))
    assert [m.id for m in art.entities if m.text == "العاهل السعودي"] == [king]


@pytest.mark.parametrize(("title", "want"), [
    ("خادم الحرمين الشريفين الملك", {"king"}),
    ("ولي ولي العهد", {"deputy-crown-prince"}),
    ("صاحب السمو الملكي الأمير", set()),
    ("ولي العهد نائب رئيس مجلس الوزراء", {"crown-prince"}),
])
def test_offices_read_whole_titles(title: str, want: set[str]) -> None:
    """The office a mention's titles hold, longest title first."""
    assert offices(title) == want

"""Feeds (RSS 2.0, Atom), WARC crawls and a mixed folder through ingest: every article stored once.

The fixture feeds are envelopes made for these tests around real article content (SaudiNewsNet
records and the youm7 pages in tests/data/html); see tests/data/feeds/SOURCES.md.
"""

from __future__ import annotations

import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from marsad.extract import extract
from marsad.ingest.files import iter_file
from marsad.ingest.warc import iter_warc
from marsad.models import Page, RawDocument, Rejection
from marsad.pipeline import ingest_paths
from marsad.settings import Settings
from marsad.store import open_store
from tests.conftest import DATA

FEEDS = DATA / "feeds"
HTML = DATA / "html"


def test_rss2_entries_become_record_articles() -> None:
    docs = list(iter_file(FEEDS / "aawsat-rss2.xml", Settings()))
    assert len(docs) == 3 and all(isinstance(d, RawDocument) and d.record for d in docs)
    pages = [extract(d) for d in docs if isinstance(d, RawDocument)]
    assert all(isinstance(p, Page) for p in pages)
    a = pages[0].articles[0]  # type: ignore[union-attr]
    sample = json.loads((DATA / "saudinewsnet-sample.json").read_text(encoding="utf-8"))[0]
    assert a.title_text == sample["title"]
    assert a.url == sample["url"]
    assert a.source_name == "الشرق الأوسط"
    assert a.date_utc == datetime(2015, 7, 21, 2, 51, 32, tzinfo=UTC)
    assert a.text.startswith("حدد رئيس الوزراء البريطاني ديفيد كاميرون")


def test_atom_entries_keep_zone_and_summary() -> None:
    docs = [d for d in iter_file(FEEDS / "youm7-atom.xml", Settings()) if isinstance(d, RawDocument)]
    assert len(docs) == 3
    page = extract(docs[0])
    assert isinstance(page, Page)
    a = page.articles[0]
    assert a.date_utc == datetime(2020, 8, 24, 8, 0, tzinfo=UTC)  # 10:00+02:00
    assert "للخزانات الجوفية" in a.text and "<p>" not in a.text


def test_xml_that_is_not_a_feed_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "x.xml"
    bad.write_bytes(b"<?xml version='1.0'?><notes><n>1</n></notes>")
    assert [type(d) for d in iter_file(bad, Settings())] == [Rejection]


def _warc(path: Path) -> None:
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)

        def response(url: str, body: bytes, ctype: str, status: str = "200 OK") -> None:
            headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))

        response("https://www.youm7.com/a", (HTML / "youm7-1.html").read_bytes(), "text/html; charset=utf-8")
        response("https://www.youm7.com/logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png")
        response("https://www.youm7.com/missing", b"<html>not found</html>", "text/html", "404 Not Found")
        writer.write_record(writer.create_warc_record("https://www.youm7.com/a", "request", payload=io.BytesIO(b"GET /a HTTP/1.1\r\n\r\n")))
        response("https://www.alyaum.com/b", (HTML / "alyaum-1.html").read_bytes(), "text/html")


def test_warc_yields_only_html_200_responses(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc.gz"
    _warc(path)
    with path.open("rb") as fh:
        docs = list(iter_warc(fh, str(path), 10_000_000))
    assert [d.uri for d in docs] == ["https://www.youm7.com/a", "https://www.alyaum.com/b"]
    assert isinstance(docs[0], RawDocument) and docs[0].charset == "utf-8"
    with path.open("rb") as fh:
        small = list(iter_warc(fh, str(path), 1000))
    assert all(isinstance(d, Rejection) and d.reason == "too_large" for d in small)


def test_broken_warc_is_a_rejection(tmp_path: Path) -> None:
    path = tmp_path / "broken.warc.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage" * 10)
    out = list(iter_file(path, Settings()))
    assert out and all(isinstance(d, Rejection) for d in out)


def test_mixed_folder_is_ingested_once(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("cnnarabic-1.html", "beirutobserver-1.html", "arabicmedia-1.html"):
        shutil.copy(HTML / name, folder / name)
    shutil.copy(FEEDS / "aawsat-rss2.xml", folder / "aawsat.xml")
    shutil.copy(FEEDS / "youm7-atom.xml", folder / "youm7.xml")
    _warc(folder / "crawl.warc.gz")
    shutil.copy(DATA / "seed-kim-putin.txt", folder / "seed.txt")
    sample = json.loads((DATA / "saudinewsnet-sample.json").read_text(encoding="utf-8"))[3:6]
    (folder / "records.json").write_text(json.dumps(sample, ensure_ascii=False), encoding="utf-8")
    store = open_store(str(tmp_path / "m.db"))
    try:
        first = ingest_paths([str(folder)], store, Settings())
        second = ingest_paths([str(folder)], store, Settings())
        urls = [r.url for r in store.articles()]
    finally:
        store.close()
    # 2 html articles + 3 rss + 3 atom + 2 warc + 2 (seed: two fused articles) + 3 records
    assert first.articles == 15, first.to_dict()
    assert first.rejection_reasons == {"no_article": 1}
    assert second.articles == 0 and second.duplicates == first.articles
    assert "https://www.alyaum.com/articles/6291787/القارات-السبع/طهران-تدفن-زادة-وتتهم-المعارضة-الإيرانية-باغتياله" in urls
    assert sample[0]["url"] in urls

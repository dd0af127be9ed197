"""Dates of any year or none never stop a run (issue 18, defects 1, 2 and 12).

Every case goes through the real CLI into a fresh SQLite store; after it, the read verbs that
failed on every call (``stories``, ``duplicates``, ``related``) must answer.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import DATA, run_cli

#: The record dates of defect 2, each with what must be stored: (date column, day, problem).
ODD_DATES: dict[str, tuple[str | None, str | None, str | None]] = {
    "": (None, None, None),  # undated
    "0001-01-01": (None, None, "out_of_range"),
    "9999-12-31T23:59:59-05:00": (None, None, "out_of_range"),
    "2015-02-30": (None, None, "unparseable"),
    "2015-07-21T25:00": (None, None, "unparseable"),
    "yesterday": (None, None, "unparseable"),
    "2020-12-25T01:59:50+02:00": ("2020-12-24T23:59:50+00:00", "2020-12-25", None),  # defect 12
}


def _read_verbs_work(db: Path) -> None:
    for verb in ("stories", "duplicates"):
        proc = run_cli(verb, "--db", str(db), "--json")
        assert proc.returncode == 0, (verb, proc.stderr)
    first = sqlite3.connect(db).execute("SELECT min(id) FROM articles").fetchone()[0]
    proc = run_cli("related", str(first), "--db", str(db), "--json")
    assert proc.returncode == 0, proc.stderr


def test_seed_page_then_a_2015_day_in_one_store(tmp_path: Path) -> None:
    """Defect 1: an undated 2020s page, then SaudiNewsNet 2015 articles: the day gap overflowed the pair score."""
    db = tmp_path / "m.db"
    for path in (DATA / "seed-kim-putin.txt", DATA / "saudinewsnet-sample.json"):
        proc = run_cli("ingest", str(path), "--db", str(db))
        assert proc.returncode == 0, proc.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 35
    assert conn.execute("SELECT count(*) FROM story_articles").fetchone()[0] == 35  # every article has a story
    _read_verbs_work(db)


def test_odd_record_dates_are_stored_without_a_bad_value(tmp_path: Path) -> None:
    """Defects 2 and 12: each odd date is kept as written, never as a sortable value; the good record keeps its instant and day."""
    sample = json.loads((DATA / "saudinewsnet-sample.json").read_text(encoding="utf-8"))
    records = []
    for i, value in enumerate(ODD_DATES):
        rec = {k: v for k, v in sample[i].items() if k != "date_extracted"}
        rec["url"] = f"http://example.com/odd/{i}"
        if value:
            rec["date"] = value
        records.append(rec)
    good = [{**r, "url": f"http://example.com/good/{i}"} for i, r in enumerate(sample[10:14])]  # 2015-07-21
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(records + good, ensure_ascii=False), encoding="utf-8")
    db = tmp_path / "m.db"
    proc = run_cli("ingest", str(path), "--db", str(db), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["articles"] == len(records) + len(good)
    conn = sqlite3.connect(db)
    for i, (value, (date, day, problem)) in enumerate(ODD_DATES.items()):
        row = conn.execute("SELECT date, day, date_original, data FROM articles WHERE url=?", (f"http://example.com/odd/{i}",)).fetchone()
        assert (row[0], row[1]) == (date, day), value
        assert row[2] == (value or None)
        assert json.loads(row[3])["date_problem"] == problem, value
    # Newest first: the real dates lead, the odd ones never sort above them.
    listing = json.loads(run_cli("articles", "--db", str(db), "--json").stdout)
    assert listing
    _read_verbs_work(db)
    proc = run_cli("search", "صحة OR المملكة", "--db", str(db), "--sort", "recent", "--json")
    assert proc.returncode == 0, proc.stderr
    dates = [h["date"] for h in json.loads(proc.stdout)["hits"] if h["date"]]
    assert dates == sorted(dates, reverse=True) and all(d[:4] in ("2015", "2020") for d in dates)


def test_html_publication_time_keeps_its_offset_and_local_day(tmp_path: Path) -> None:
    """Defect 12: 01:59 at +02:00 on 25 December is the 25th for the outlet, not 24 December at midnight."""
    page = tmp_path / "dated.html"
    body = (DATA / "html").glob("*.html")
    assert any(body)
    page.write_text(
        '<!doctype html><html lang="ar"><head><meta charset="utf-8"><title>خبر الليلة</title>'
        '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2020-12-25T01:59:50+02:00"}</script>'
        "</head><body><article><h1>خبر الليلة</h1><p>قالت وزارة الصحة في بيان صدر بعد منتصف الليل إن عدد الحالات"
        " الجديدة تراجع خلال الأسبوع الماضي مقارنة بالأسبوع الذي سبقه في جميع المحافظات.</p><p>وأضافت الوزارة أن"
        " حملة التطعيم ستبدأ الشهر المقبل في المستشفيات الحكومية والخاصة بعد وصول الشحنات الأولى من اللقاح.</p>"
        "</article></body></html>",
        encoding="utf-8",
    )
    parsed = json.loads(run_cli("parse", str(page), "--json").stdout)["articles"][0]
    assert (parsed["date"], parsed["day"]) == ("2020-12-25T01:59:50+02:00", "2020-12-25")
    db = tmp_path / "m.db"
    assert run_cli("ingest", str(page), "--db", str(db)).returncode == 0
    row = sqlite3.connect(db).execute("SELECT date, day FROM articles").fetchone()
    assert row == ("2020-12-24T23:59:50+00:00", "2020-12-25")
    hits = json.loads(run_cli("search", "الصحة", "--db", str(db), "--json").stdout)
    assert [f["value"] for f in hits["facets"]["days"]] == ["2020-12-25"]


class _FeedHandler(BaseHTTPRequestHandler):
    feed = b""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body, status = (self.feed, 200) if self.path == "/feed.xml" else (b"", 404)
        self.send_response(status)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def feed_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FeedHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_watch_survives_a_year_one_pubdate(tmp_path: Path, feed_site: str) -> None:
    """Defect 2 through a feed: ``watch --once`` exits 0 and marks the entries seen."""
    items = "".join(
        f"<item><title>خبر رقم {i} عن المملكة</title><link>http://example.com/feed/{i}</link>"
        f"<description>قالت وكالة الأنباء إن الاجتماع الذي عقد اليوم بحث التعاون بين البلدين في مجالات عدة رقم {i}.</description>"
        f"<pubDate>{date}</pubDate></item>"
        for i, date in enumerate(("Mon, 01 Jan 0001 00:00:00 +0000", "Tue, 21 Jul 2015 10:00:00 +0300"))
    )
    _FeedHandler.feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    toml = tmp_path / "FEEDS.toml"
    toml.write_text(f'[[feed]]\nurl = "{feed_site}/feed.xml"\nfetch_pages = false\n', encoding="utf-8")
    db = tmp_path / "m.db"
    env = {"MARSAD_FETCH_ALLOW_NETWORKS": "127.0.0.1/32"}
    first = run_cli("watch", str(toml), "--once", "--db", str(db), "--json", env=env)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout.splitlines()[-1])["articles"] == 2
    again = run_cli("watch", str(toml), "--once", "--db", str(db), "--json", env=env)
    assert json.loads(again.stdout.splitlines()[-1])["new_entries"] == 0
    rows = dict(sqlite3.connect(db).execute("SELECT url, day FROM articles").fetchall())
    assert rows == {"http://example.com/feed/0": None, "http://example.com/feed/1": "2015-07-21"}
    shutil.rmtree(tmp_path / "m.db.search", ignore_errors=True)

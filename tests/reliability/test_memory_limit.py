"""Bounded memory by construction (issue 18, defects 4 and 5): each hostile input of the issue is
ingested by the real CLI, every stage on, in a process whose address space is capped at 1 GB.

Before the fixes these took 1 GB (40 KB of nesting), 20 GB (200 KB of nesting, killed by the
kernel), 4.5 GB (a record whose title is 200,000 words) and 4.7 GB (a 2.5 MB text page).
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

#: The address-space cap of every run (what the issue asks for).
LIMIT_BYTES = 1 << 30


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))


def _nested(depth: int) -> Callable[[Path, list[dict[str, str]]], None]:
    def make(p: Path, _: list[dict[str, str]]) -> None:
        p.write_bytes(b'[{"title": "t", "content": "c", "x": ' + b"[" * depth + b"]" * depth + b"}]")
    return make


def _long_title(p: Path, records: list[dict[str, str]]) -> None:
    words = [w for w in " ".join(r["title"] for r in records).split() if len(w) <= 5]  # short words: 200,000 in 1.9 MB
    title = " ".join(words[i % len(words)] for i in range(200_000))
    rec = {"title": title, "content": records[0]["content"], "url": "http://example.com/long-title", "source": "x"}
    p.write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    assert 1_500_000 < p.stat().st_size < 2 * 1024 * 1024  # under max_record_bytes: it is read, not refused


def _text_page(p: Path, records: list[dict[str, str]]) -> None:
    text = "\n\n".join(f"{r['title']}\n{r['content']}" for r in records)
    while len(text.encode()) < 2_500_000:
        text += "\n\n" + text
    p.write_bytes(text.encode()[:2_500_000].decode("utf-8", "ignore").encode())


def _text_page_10mb(p: Path, records: list[dict[str, str]]) -> None:
    _text_page(p, records)
    data = p.read_bytes()
    p.write_bytes((data * (10_000_000 // len(data) + 1))[:10_000_000].decode("utf-8", "ignore").encode())


def _html_page_10mb(p: Path, records: list[dict[str, str]]) -> None:
    body = "".join(f"<article><h2>{r['title']}</h2>" + "".join(f"<p>{x}</p>" for x in r["content"].split("\n") if x.strip())
                   + "</article>" for r in records)
    head = "<!doctype html><html lang=ar dir=rtl><head><meta charset=utf-8><title>صفحة</title></head><body>"
    while len(body.encode()) < 10_000_000:
        body += body
    p.write_bytes((head + body).encode()[:10_000_000].decode("utf-8", "ignore").encode() + b"</body></html>")


def _million_items(p: Path, _: list[dict[str, str]]) -> None:
    p.write_bytes(b"[" + b",".join([b"1"] * 1_000_000) + b"]")


CASES: dict[str, tuple[str, Callable[[Path, list[dict[str, str]]], None], int]] = {
    # name: (file name, maker, articles stored)
    "nested-40kb": ("n.json", _nested(20_000), 0),
    "nested-200kb": ("n.json", _nested(100_000), 0),
    "title-200k-words": ("t.json", _long_title, 1),
    "text-page-2.5mb": ("page.txt", _text_page, 1),
    "text-page-10mb": ("page.txt", _text_page_10mb, 1),
    "html-page-10mb": ("page.html", _html_page_10mb, 1),
    "array-1m-items": ("a.json", _million_items, 0),
}


@pytest.fixture(scope="module")
def records(shared_dir: Path) -> list[dict[str, str]]:
    with zipfile.ZipFile(shared_dir / "corpora" / "saudinewsnet" / "2015-07-25.zip") as zf:
        return list(json.loads(zf.read("2015-07-25.json"))[:300])


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_input_under_1gb_address_space(case: str, tmp_path: Path, records: list[dict[str, str]]) -> None:
    name, make, stored = CASES[case]
    make(tmp_path / name, records)
    db = tmp_path / "m.db"
    proc = subprocess.run([sys.executable, "-m", "marsad", "ingest", str(tmp_path / name), "--db", str(db), "--json"],
                          capture_output=True, text=True, timeout=600, preexec_fn=_limit,
                          env={k: v for k, v in os.environ.items() if k != "MARSAD_DB"})
    assert proc.returncode in (0, 1), proc.stderr  # 1: nothing in the file was an article; never 70
    report = json.loads(proc.stdout)
    assert report["articles"] == stored
    conn = sqlite3.connect(db)
    if stored == 0:
        assert conn.execute("SELECT count(*) FROM rejections").fetchone()[0] == 1  # one grouped row
    else:
        title = conn.execute("SELECT title FROM articles").fetchone()[0]
        assert title is None or len(title) <= 300

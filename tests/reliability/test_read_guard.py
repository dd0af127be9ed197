"""Reading is inside the per-document guard (issue 18, defect 3): a file that breaks while it is read
becomes a recorded rejection, and every good record of the same run is stored.

Each bad file sits in a folder beside a valid 40-record SaudiNewsNet file (real articles of
2015-07-21); the folder is ingested with the real CLI and the test checks the 40 articles, the
rejection row and the exit status.
"""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from marsad.ingest.files import iter_file, iter_payload
from marsad.ingest.records import MAX_JSON_DEPTH, iter_records
from marsad.models import RawDocument, Rejection
from marsad.settings import Settings
from tests.conftest import run_cli

GOOD_RECORDS = 40


@pytest.fixture(scope="module")
def good_records(shared_dir: Path) -> list[dict[str, str]]:
    """The first 40 real records of SaudiNewsNet 2015-07-21."""
    with zipfile.ZipFile(shared_dir / "corpora" / "saudinewsnet" / "2015-07-21.zip") as zf:
        return list(json.loads(zf.read("2015-07-21.json"))[:GOOD_RECORDS])


def _lone_surrogate(p: Path) -> None:
    # A JSON string with a lone low-surrogate escape: valid JSON, not encodable as UTF-8.
    p.write_bytes(b'[{"title": "x", "content": "\\udc00 \xd9\x86\xd8\xb5 \xd9\x86\xd8\xb5"}]')


def _deep(p: Path) -> None:
    p.write_bytes(b'[{"title": "t", "content": "c", "x": ' + b"[" * 1000 + b"]" * 1000 + b"}]")


def _big_line(p: Path) -> None:
    p.write_bytes(b'{"title": "t", "content": "' + "كلمة ".encode() * 250_000 + b'"}')


def _dos_date_zero(p: Path) -> None:
    info = zipfile.ZipInfo("bad.json", date_time=(1980, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(p.with_suffix(".zip"), "w") as zf:
        zf.writestr(info, json.dumps([{"title": "عنوان", "content": "نص الخبر " * 20, "url": "http://x/zip"}]))
    # Patch the member's DOS date to 0 (month 0) in both headers, as some zip writers leave it.
    data = bytearray(p.with_suffix(".zip").read_bytes())
    for sig, offset in ((b"PK\x03\x04", 10), (b"PK\x01\x02", 12)):
        at = data.find(sig)
        data[at + offset : at + offset + 4] = b"\x00\x00\x00\x00"
    p.with_suffix(".zip").write_bytes(bytes(data))


#: Each bad file, how it is made, and the rejection reason it must leave ("" = read, nothing rejected).
BAD_FILES: dict[str, tuple[Callable[[Path], None], str]] = {
    "lone-surrogate.json": (_lone_surrogate, ""),
    "nested-1000.json": (_deep, "too_deep"),
    "one-line-over-2mb.json": (_big_line, "too_large"),
    "dos-date-zero": (_dos_date_zero, ""),
}


def test_bad_files_beside_a_good_file_keep_every_good_record(tmp_path: Path, good_records: list[dict[str, str]]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.json").write_text(json.dumps(good_records, ensure_ascii=False), encoding="utf-8")
    for name, (make, _) in BAD_FILES.items():
        make(folder / name)
    db = tmp_path / "m.db"
    proc = run_cli("ingest", str(folder), "--db", str(db), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    conn = sqlite3.connect(db)
    urls = {r[0] for r in conn.execute("SELECT url FROM articles")}
    assert {r["url"] for r in good_records} <= urls
    assert "http://x/zip" in urls  # the zip member with DOS date 0 is read
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == GOOD_RECORDS + 2  # + the surrogate record
    rows = dict(conn.execute("SELECT uri, reason FROM rejections").fetchall())
    expected = {str(folder / name): reason for name, (_, reason) in BAD_FILES.items() if reason}
    assert rows == expected
    assert report["rejection_reasons"] == {"too_deep": 1, "too_large": 1}


def test_batch_engine_keeps_the_good_records_beside_bad_files(tmp_path: Path, good_records: list[dict[str, str]]) -> None:
    """``marsad batch`` reads through the same guard: the bad files are rejections, the 40 records are output."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.json").write_text(json.dumps(good_records, ensure_ascii=False), encoding="utf-8")
    for name, (make, _) in BAD_FILES.items():
        make(folder / name)
    proc = run_cli("batch", str(folder), "--out", str(tmp_path / "out"), "--engine", "local", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["articles"] == GOOD_RECORDS + 2
    assert result["rejections"] == 2


def test_lone_surrogate_record_is_stored_with_a_replacement_character(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(b'[{"title": "a", "content": "\\udc00 good"}, {"title": "b", "content": "ok \\ud83d\\ude00"}]')
    docs = list(iter_file(path, Settings()))
    assert [type(d) for d in docs] == [RawDocument, RawDocument]
    assert docs[0].record is not None and docs[0].record["content"] == "\ufffd good"
    assert docs[1].record is not None and docs[1].record["content"] == "ok \U0001f600"  # a valid pair stays


def test_depth_cap_rejects_one_record_and_reads_on() -> None:
    deep = b"[" * (MAX_JSON_DEPTH + 5) + b"]" * (MAX_JSON_DEPTH + 5)
    data = b'[{"title": "a", "content": "x"}, {"deep": ' + deep + b'}, {"title": "c", "content": "y"}]'
    docs = list(iter_records(io.BytesIO(data), "mem", datetime.now(UTC), Settings()))
    assert [type(d).__name__ for d in docs] == ["RawDocument", "Rejection", "RawDocument"]
    assert isinstance(docs[1], Rejection) and docs[1].reason == "too_deep" and docs[1].item == "#1"


def test_jsonl_with_broken_first_line_keeps_its_good_lines() -> None:
    lines = [b'{"title": "broken", "content": ', *[json.dumps({"title": f"t{i}", "content": "x"}).encode() for i in range(5)]]
    docs = list(iter_records(io.BytesIO(b"\n".join(lines)), "f.jsonl", datetime.now(UTC), Settings()))
    assert [d.reason for d in docs if isinstance(d, Rejection)] == ["invalid_json"]
    assert sum(isinstance(d, RawDocument) for d in docs) == 5


def test_zip_member_with_dos_date_zero(tmp_path: Path) -> None:
    _dos_date_zero(tmp_path / "z")
    docs = list(iter_file(tmp_path / "z.zip", Settings()))
    assert len(docs) == 1 and isinstance(docs[0], RawDocument)
    assert docs[0].fetched_at.year >= 2000  # the archive's own time stands in for the invalid date


def test_payload_errors_are_rejections() -> None:
    deep = b"[" * 100_000
    docs = list(iter_payload(deep, "posted", datetime.now(UTC), "application/json"))
    assert docs and all(isinstance(d, Rejection) for d in docs)


def test_million_item_array_is_one_rejection_row(tmp_path: Path) -> None:
    path = tmp_path / "many.json"
    path.write_bytes(b"[" + b",".join([b"1"] * 1_000_000) + b"]")
    db = tmp_path / "m.db"
    proc = run_cli("ingest", str(path), "--db", str(db), "--json")
    assert proc.returncode == 1  # nothing was read as an article
    assert json.loads(proc.stdout)["rejections"] == 1_000_000
    rows = sqlite3.connect(db).execute("SELECT reason, times FROM rejections").fetchall()
    assert rows == [("invalid_record", 1_000_000)]
    assert db.stat().st_size < 5 * 1024 * 1024

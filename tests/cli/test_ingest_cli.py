"""The ingest/articles/show/rejections verbs through the real CLI on real data, good and bad."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from tests.conftest import DATA, run_cli, run_cli_process


def _count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])


def _assert_clean_error(proc: object) -> None:
    stderr = getattr(proc, "stderr", "")
    assert "Traceback" not in stderr, stderr
    assert "internal error" not in stderr, stderr


def test_ingest_twice_stores_once(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    sample = DATA / "saudinewsnet-sample.json"
    records = json.loads(sample.read_text(encoding="utf-8"))
    # One real process end to end (entry point, exit code, stdout); the other verbs run in-process.
    first = run_cli_process("ingest", str(sample), "--db", str(db), "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["articles"] == len(records) - report["rejections"] > 0
    second = run_cli("ingest", str(sample), "--db", str(db), "--json")
    assert json.loads(second.stdout)["articles"] == 0
    assert json.loads(second.stdout)["duplicates"] == report["articles"]
    # The same records inside a zip and as JSON Lines are still the same articles.
    zpath = tmp_path / "sample.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(sample, "day.json")
    jsonl = tmp_path / "sample.jsonl"
    jsonl.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    third = run_cli("ingest", str(zpath), str(jsonl), "--db", str(db), "--json")
    assert json.loads(third.stdout)["articles"] == 0
    assert _count(db) == report["articles"]

    listing = run_cli("articles", "--db", str(db), "--json")
    rows = json.loads(listing.stdout)
    assert len(rows) == report["articles"]
    assert set(rows[0]) == {"id", "url", "source", "title", "date"}
    by_url = {r["url"]: r for r in records}
    assert rows[0]["title"] == " ".join(by_url[rows[0]["url"]]["title"].split())
    limited = json.loads(run_cli("articles", "--db", str(db), "--json", "--limit", "3").stdout)
    assert [r["id"] for r in limited] == [r["id"] for r in rows[:3]]

    shown = run_cli("show", str(rows[0]["id"]), "--db", str(db), "--json")
    art = json.loads(shown.stdout)
    assert art["provenance"]["page_kind"] == "record"
    assert len(art["provenance"]["sightings"]) >= 2  # seen as JSON, then in the zip / JSONL


def test_real_day_twice(tmp_path: Path, shared_dir: Path) -> None:
    day = shared_dir / "corpora" / "saudinewsnet" / "2015-08-04.zip"
    db = tmp_path / "day.db"
    # Idempotency is the point here; the language stages are tested elsewhere and cost ~1 min a day.
    fast = {"MARSAD_ENTITIES_ON_INGEST": "0", "MARSAD_DEDUP_ON_INGEST": "0"}
    first = json.loads(run_cli("ingest", str(day), "--db", str(db), "--json", env=fast).stdout)
    second = json.loads(run_cli("ingest", str(day), "--db", str(db), "--json", env=fast).stdout)
    assert first["articles"] > 1000
    assert second["articles"] == 0
    assert second["duplicates"] == first["articles"] + first["duplicates"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT url || source || title) FROM articles").fetchone()[0] == first["articles"]


def test_seed_page_ingest_and_show(tmp_path: Path) -> None:
    db = tmp_path / "seed.db"
    proc = run_cli("ingest", str(DATA / "seed-kim-putin.txt"), "--db", str(db), "--json")
    assert json.loads(proc.stdout)["articles"] == 2
    rows = json.loads(run_cli("articles", "--db", str(db), "--json").stdout)
    assert rows[0]["source"] == "الوطن"
    art = json.loads(run_cli("show", str(rows[1]["id"]), "--db", str(db), "--json").stdout)
    assert art["title"].startswith("اتهامات وتحالفات")
    missing = run_cli("show", "999", "--db", str(db))
    assert missing.returncode != 0 and "no article with id 999" in missing.stderr
    _assert_clean_error(missing)


@pytest.fixture()
def stored_db(tmp_path: Path) -> Path:
    db = tmp_path / "keep.db"
    proc = run_cli("ingest", str(DATA / "saudinewsnet-sample.json"), "--db", str(db))
    assert proc.returncode == 0
    return db


def _bad_inputs(tmp_path: Path) -> dict[str, Path]:
    files = {
        "empty": tmp_path / "empty.txt",
        "binary": tmp_path / "image.txt",
        "invalid_json": tmp_path / "broken.json",
        "too_large": tmp_path / "huge.txt",
    }
    files["empty"].write_bytes(b"")
    files["binary"].write_bytes(bytes(range(256)) * 64)
    files["invalid_json"].write_text('[{"title": "x", "content": "نص"}, {"title": ', encoding="utf-8")
    with files["too_large"].open("wb") as fh:
        line = ("كلمة " * 200 + "\n").encode("utf-8")
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            fh.write(line)
    return files


def test_bad_inputs_rejected_cleanly(tmp_path: Path, stored_db: Path) -> None:
    before = _count(stored_db)
    for reason, path in _bad_inputs(tmp_path).items():
        proc = run_cli("ingest", str(path), "--db", str(stored_db))
        _assert_clean_error(proc)
        if reason == "invalid_json":
            # The record before the break is read; the break itself is a recorded rejection.
            assert "rejections: 1" in proc.stdout
        else:
            assert proc.returncode != 0, (reason, proc.stdout)
        assert f"rejected ({reason})" in proc.stderr, (reason, proc.stderr)
        parse = run_cli("parse", str(path))
        _assert_clean_error(parse)
        assert parse.returncode != 0 and parse.stderr.count("\n") == 1, parse.stderr
    rej = json.loads(run_cli("rejections", "--db", str(stored_db), "--json").stdout)
    assert {r["reason"] for r in rej} >= {"empty", "binary", "invalid_json", "too_large"}
    assert _count(stored_db) >= before
    with sqlite3.connect(stored_db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_windows_1256_page_is_read(tmp_path: Path, seed_text: str) -> None:
    path = tmp_path / "cp1256.txt"
    # The seed page re-encoded the way older Arabic sites serve it (characters cp1256 lacks dropped).
    path.write_bytes(seed_text.encode("cp1256", errors="ignore"))
    proc = run_cli("parse", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["encoding"] == "cp1256"
    assert data["articles"][0]["source"] == "الوطن"
    assert len(data["articles"]) == 2


def test_missing_path_and_bad_store(tmp_path: Path) -> None:
    proc = run_cli("ingest", str(tmp_path / "nope"), "--db", str(tmp_path / "x.db"))
    assert proc.returncode == 2 and "no such file" in proc.stderr
    _assert_clean_error(proc)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    proc = run_cli("articles", "--db", str(garbage))
    assert proc.returncode == 3 and proc.stderr.startswith("marsad: error: cannot open store")
    _assert_clean_error(proc)


def test_html_entities_in_records_are_decoded(tmp_path: Path) -> None:
    sample = DATA.parents[1] / "samples" / "saudinewsnet-2015-07-21-sample.jsonl"
    records = [json.loads(line) for line in sample.read_text(encoding="utf-8").splitlines()]
    escaped = [r for r in records if "&quot;" in r["title"]]
    assert escaped, "the demo sample holds sabq titles with HTML entities"
    path = tmp_path / "one.json"
    path.write_text(json.dumps(escaped[:1], ensure_ascii=False), encoding="utf-8")
    data = json.loads(run_cli("parse", str(path), "--json").stdout)
    title = data["articles"][0]["title"]
    assert "&quot;" not in title and '"' in title

"""Crash safety: SIGKILL an ingest mid-way, then the store opens clean and a re-run completes it once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

#: How long to wait for the first committed batch before giving up (a loaded 2-core CI machine).
FIRST_BATCH_TIMEOUT_S = 120


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # not created yet


def _ingest(db: Path, src: Path) -> subprocess.Popen[bytes]:
    # Entities off: this test is about the store surviving a kill, and tagging a day costs ~1 min.
    env = {**os.environ, "MARSAD_INGEST_BATCH_SIZE": "100", "MARSAD_ENTITIES_ON_INGEST": "0"}
    return subprocess.Popen(
        [sys.executable, "-m", "marsad", "ingest", str(src), "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )


def test_kill_then_resume(tmp_path: Path, shared_dir: Path) -> None:
    src = shared_dir / "corpora" / "saudinewsnet" / "2015-07-23.zip"
    db = tmp_path / "crash.db"
    proc = _ingest(db, src)
    deadline = time.monotonic() + FIRST_BATCH_TIMEOUT_S
    while _count(db) < 200 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if proc.poll() is not None:
        pytest.fail("ingest finished before it could be killed; use a bigger input")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        committed = conn.execute("SELECT count(*), count(DISTINCT content_key) FROM articles").fetchone()
    assert committed[0] == committed[1] > 0

    rerun = _ingest(db, src)
    _, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err.decode()

    clean = tmp_path / "clean.db"
    once = _ingest(clean, src)
    once.communicate(timeout=600)
    with sqlite3.connect(db) as a, sqlite3.connect(clean) as b:
        keys_a = {r[0] for r in a.execute("SELECT content_key FROM articles")}
        keys_b = {r[0] for r in b.execute("SELECT content_key FROM articles")}
        assert a.execute("SELECT count(*) FROM articles").fetchone()[0] == len(keys_a)
    assert keys_a == keys_b

"""Crash safety on PostgreSQL: SIGKILL an ingest mid-way, the store holds committed articles once, a re-run completes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from marsad.store import open_store, pg_server

#: How long to wait for the first committed batch (2 loaded cores).
FIRST_BATCH_TIMEOUT_S = 180


def _count(url: str) -> tuple[int, int]:
    store = open_store(url)
    try:
        n = store.counts()["articles"]
        keys = {(r.url, r.source, r.title) for r in store.articles()}
    finally:
        store.close()
    return n, len(keys)


def _ingest(url: str, src: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MARSAD_DB": url, "MARSAD_INGEST_BATCH_SIZE": "100", "MARSAD_ENTITIES_ON_INGEST": "0"}
    return subprocess.Popen([sys.executable, "-m", "marsad", "ingest", str(src)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_kill_then_resume_postgres(pg: pg_server.LocalServer, shared_dir: Path) -> None:
    src = shared_dir / "corpora" / "saudinewsnet" / "2015-07-23.zip"
    url = pg.create_database("killresume")
    open_store(url).close()
    proc = _ingest(url, src)
    deadline = time.monotonic() + FIRST_BATCH_TIMEOUT_S
    while _count(url)[0] < 200 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    if proc.poll() is not None:
        pytest.fail("ingest finished before it could be killed; use a bigger input")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    committed, distinct = _count(url)
    assert committed == distinct > 0
    rerun = _ingest(url, src)
    _, err = rerun.communicate(timeout=900)
    assert rerun.returncode == 0, err.decode()[-2000:]
    clean = pg.create_database("killresume_clean")
    once = _ingest(clean, src)
    once.communicate(timeout=900)
    assert _count(url) == _count(clean)

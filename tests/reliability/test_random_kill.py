"""Derived data catches up (issue 18, defect 10): ingest is killed with SIGKILL at random points (one
seed per run), re-run, and afterwards every stored article has its fingerprint, embedding, terms
and story, and the search index holds every article.

Before the fix, a kill between a batch's commit and its dedup + stories stage left those articles
without derived data for ever: the re-run counted them as "duplicates skipped".
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from marsad.search import open_search
from marsad.store import open_store

#: Records ingested per run: enough batches of 20 that a kill lands mid-run (a run takes ~10 s here).
RECORDS = 160
SEEDS = (1, 2, 3)


def _ingest(db: Path, src: Path) -> subprocess.Popen[bytes]:
    # Entities off: the derived data in question (fingerprints, embeddings, stories) does not need them.
    env = {**os.environ, "MARSAD_INGEST_BATCH_SIZE": "20", "MARSAD_ENTITIES_ON_INGEST": "0"}
    return subprocess.Popen([sys.executable, "-m", "marsad", "ingest", str(src), "--db", str(db)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)


def _missing(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    out = {}
    for table in ("fingerprints", "embeddings", "article_terms", "story_articles"):
        out[table] = conn.execute(
            f"SELECT count(*) FROM articles a LEFT JOIN {table} t ON t.article_id = a.id WHERE t.article_id IS NULL"
        ).fetchone()[0]
    return out


@pytest.fixture(scope="module")
def source(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    with zipfile.ZipFile(shared_dir / "corpora" / "saudinewsnet" / "2015-07-24.zip") as zf:
        records = json.loads(zf.read("2015-07-24.json"))[:RECORDS]
    path = tmp_path_factory.mktemp("kill") / "day.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("seed", SEEDS)
def test_random_kill_then_rerun_derives_everything(seed: int, source: Path, tmp_path: Path) -> None:
    db = tmp_path / "kill.db"
    rng = random.Random(seed)
    proc = _ingest(db, source)
    # Wait for the first commit, then kill after a random further delay (inside the run).
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if sqlite3.connect(db).execute("SELECT count(*) FROM articles").fetchone()[0] > 0:
                break
        except sqlite3.OperationalError:
            pass
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 4.0))
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    rerun = _ingest(db, source)
    _, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err.decode()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == RECORDS
    assert _missing(db) == {"fingerprints": 0, "embeddings": 0, "article_terms": 0, "story_articles": 0}
    store = open_store(str(db))
    engine = open_search(store, str(db))
    try:
        engine.catch_up()
        assert engine.backend.count() == RECORDS
    finally:
        engine.close()
        store.close()

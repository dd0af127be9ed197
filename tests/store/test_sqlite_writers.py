"""Two processes ingesting overlapping real input into one SQLite file at once: both finish, nothing twice."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from marsad.pipeline import ingest_paths
from marsad.settings import load_settings
from marsad.store import open_store

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE = str(DATA / "saudinewsnet-sample.json")
SEED = str(DATA / "seed-kim-putin.txt")
PAIRS = str(DATA / "pairs" / "near-duplicates-articles.json")


def test_two_sqlite_writers(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    open_store(str(db)).close()
    # Small batches: many short write transactions that interleave with the other writer's parsing.
    env = {**os.environ, "MARSAD_DB": str(db), "MARSAD_INGEST_BATCH_SIZE": "10"}
    jobs = [[SAMPLE, PAIRS], [PAIRS, SEED]]
    procs = [
        subprocess.Popen([sys.executable, "-m", "marsad", "ingest", "--json", *paths], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for paths in jobs
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-3000:]
        assert "locked" not in err

    ref = open_store(str(tmp_path / "ref.db"))
    ingest_paths([SAMPLE, PAIRS, SEED], ref, load_settings())
    store = open_store(str(db))
    try:
        assert store.counts()["articles"] == ref.counts()["articles"]
        assert store.rejections() == []
    finally:
        store.close()
        ref.close()
    conn = sqlite3.connect(db)
    n, keys = conn.execute("SELECT count(*), count(DISTINCT content_key) FROM articles").fetchone()
    assert n == keys
    # Every article went through the dedup + stories stage exactly once.
    assert conn.execute("SELECT count(*) FROM story_articles").fetchone()[0] == n

"""Stores of the gold days for the story benches and the pair-model fit (shared helpers, not a bench).

A *base* store holds one split's days ingested with every per-document stage (extraction,
entities) and no derived data; it is built once and cached in the work folder. A *derived* copy
adds what clustering reads (fingerprints, embeddings, terms and their document frequencies)
without clustering, so pair features of any two articles can be computed.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from marsad.dedup.near import dedup_articles
from marsad.pipeline import ingest_paths
from marsad.settings import load_settings
from marsad.store import SQLiteStore

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "saudinewsnet"
GOLD = ROOT / "tests" / "data" / "stories"
SPLITS = {
    "dev": ("2015-07-21", "2015-07-22", "2015-07-23", "2015-07-24", "2015-07-25", "2015-07-26", "2015-07-27"),
    "heldout": ("2015-07-31", "2015-08-01", "2015-08-02", "2015-08-03", "2015-08-04"),
}
#: Folds of whole days for ``--cv``: each split cut into two runs of consecutive days, so that no
#: fold's pairs share an article with the pairs its model was fitted on (pairs spanning two folds
#: are left out of the fitting of both).
CV_FOLDS = (
    ("2015-07-21", "2015-07-22", "2015-07-23"),
    ("2015-07-24", "2015-07-25", "2015-07-26", "2015-07-27"),
    ("2015-07-31", "2015-08-01", "2015-08-02"),
    ("2015-08-03", "2015-08-04"),
)
#: Articles per batch when deriving or clustering, as an ingest batch.
BATCH = 500


def base_store(split: str, work: Path, corpus: Path = CORPUS) -> Path:
    """Return the cached base store of a split, ingesting its days first if needed."""
    path = work / f"{split}-base.db"
    if path.exists():
        return path
    tmp = work / f"{split}-base.partial.db"
    store = SQLiteStore(tmp)
    try:
        ingest_paths([str(corpus / f"{d}.zip") for d in SPLITS[split]], store, load_settings({"dedup_on_ingest": False}))
    finally:
        store.close()
    tmp.rename(path)
    return path


def copy_store(src: Path, dst: Path) -> Path:
    """Copy a closed SQLite store (checkpointing its WAL first) and return the copy's path."""
    with sqlite3.connect(src) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("", "-wal", "-shm"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
    shutil.copyfile(src, dst)
    return dst


def article_ids(store: SQLiteStore) -> list[int]:
    """Return every article id in ingest order."""
    return [r.id for r in store.articles()]


def run_batches(store: SQLiteStore, ids: Sequence[int], step: Callable[[SQLiteStore, list[int]], object]) -> list[float]:
    """Run ``step`` over ``ids`` in committed batches; return seconds per batch."""
    times = []
    for start in range(0, len(ids), BATCH):
        batch = list(ids[start : start + BATCH])
        t = time.perf_counter()
        store.begin()
        step(store, batch)
        store.commit()
        times.append(time.perf_counter() - t)
    return times


def derived_store(split: str, work: Path) -> Path:
    """Return a cached copy of the split's base store with fingerprints, embeddings and terms."""
    from marsad.stories.cluster import derive_features

    path = work / f"{split}-derived.db"
    if path.exists():
        return path
    tmp = copy_store(base_store(split, work), work / f"{split}-derived.partial.db")
    store = SQLiteStore(tmp)
    try:
        ids = article_ids(store)
        run_batches(store, ids, dedup_articles)
        run_batches(store, ids, derive_features)
    finally:
        store.close()
    tmp.rename(path)
    return path


def url_ids(store: SQLiteStore) -> dict[str, int]:
    """Return article id by URL."""
    return {r.url: r.id for r in store.articles() if r.url}

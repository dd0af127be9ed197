"""Two processes ingesting overlapping real input into one PostgreSQL store at once: no duplicates, nothing lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from marsad.pipeline import ingest_paths
from marsad.settings import load_settings
from marsad.store import open_store, pg_server
from marsad.store.postgres import PostgresStore

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE = str(DATA / "saudinewsnet-sample.json")
SEED = str(DATA / "seed-kim-putin.txt")
PAIRS = str(DATA / "pairs" / "near-duplicates-articles.json")
STORIES = str(DATA / "pairs" / "stories-articles.json")
#: Small ingest batches so the two writers' transactions interleave many times on this small input.
BATCH = "7"


def test_two_writers_no_duplicates(pg: pg_server.LocalServer, tmp_path: Path) -> None:
    url = pg.create_database("concurrent")
    open_store(url).close()  # migrate once so both writers race on data, not on schema
    env = {**os.environ, "MARSAD_DB": url, "MARSAD_INGEST_BATCH_SIZE": BATCH}
    # Overlapping inputs in the same relative order (one process has extra files on both ends).
    jobs = [[SAMPLE, PAIRS, STORIES, SEED], [PAIRS, STORIES]]
    procs = [
        subprocess.Popen([sys.executable, "-m", "marsad", "ingest", "--json", *paths], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for paths in jobs
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-3000:]

    # The reference: the same inputs ingested once, by one writer, into SQLite.
    ref = open_store(str(tmp_path / "ref.db"))
    ingest_paths([SAMPLE, PAIRS, STORIES, SEED], ref, load_settings())
    store = open_store(url)
    assert isinstance(store, PostgresStore)
    try:
        assert store.counts() == ref.counts()
        assert sorted((r.url or "", r.title or "") for r in store.articles()) == sorted(
            (r.url or "", r.title or "") for r in ref.articles()
        )
        row = store.pg.execute(
            "SELECT count(*) AS n, count(DISTINCT content_key) AS k, count(DISTINCT (url, source, title, text)) AS c"
            " FROM articles"
        ).fetchone()
        assert row is not None and row["n"] == row["k"] == row["c"]
        # Every page the second writer met first or second is stored once and seen twice (one sighting each).
        seen = store.pg.execute("SELECT count(*) AS n FROM sightings").fetchone()
        pages = store.counts()["pages"]
        assert seen is not None and seen["n"] > pages
        # Each article went through the dedup and stories stage exactly once (in whichever writer stored it).
        assert store.ids_without_fingerprint() == [] and store.ids_without_story() == []
        members = [a["id"] for st in store.stories() for a in st["articles"]]
        assert len(members) == len(set(members)) == store.counts()["articles"]
    finally:
        store.close()
        ref.close()

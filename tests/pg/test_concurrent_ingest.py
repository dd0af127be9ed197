"""Two processes ingesting overlapping real input into one PostgreSQL store at once: no duplicates, nothing lost."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from marsad.extract import extract
from marsad.models import Page, RawDocument
from marsad.pipeline import ingest_paths
from marsad.settings import load_settings
from marsad.store import AddResult, open_store, pg_server
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
        row = store.fetch(
            "SELECT count(*) AS n, count(DISTINCT content_key) AS k, count(DISTINCT (url, source, title, text)) AS c"
            " FROM articles"
        )[0]
        assert row["n"] == row["k"] == row["c"]
        # Every page the second writer met first or second is stored once and seen twice (one sighting each).
        seen = store.fetch("SELECT count(*) AS n FROM sightings")[0]
        pages = store.counts()["pages"]
        assert seen["n"] > pages
        # Each article went through the dedup and stories stage exactly once (in whichever writer stored it).
        assert store.ids_without_fingerprint() == [] and store.ids_without_story() == []
        members = [a["id"] for st in store.stories() for a in st["articles"]]
        assert len(members) == len(set(members)) == store.counts()["articles"]
    finally:
        store.close()
        ref.close()


def _page(title: str, body: str, variant: str) -> Page:
    """A one-article page; pages of different ``variant`` have different bytes but the same article."""
    raw = RawDocument(f"{title}\n\n{body}\n{variant}".encode(), f"mem://{title}/{len(variant)}", content_type="text/plain")
    page = extract(raw, load_settings())
    assert isinstance(page, Page) and len(page.articles) == 1
    return page


def test_deadlocked_page_is_retried(pg: pg_server.LocalServer) -> None:
    """Two writers that store the same two articles in opposite orders deadlock on the uncommitted content
    keys; PostgreSQL aborts one page, which the store retries (after committing its batch so far): both
    batches finish and each article is stored once."""
    url = pg.create_database("deadlock")
    first = PostgresStore(url)
    second = PostgresStore(url)
    body = "قال المتحدث الرسمي إن الاجتماع عقد في الرياض أمس وبحث المستجدات في المنطقة."
    p1, p1_copy = _page("الخبر الأول", body, ""), _page("الخبر الأول", body, "\n")
    p2, p2_copy = _page("الخبر الثاني", body + " وأضاف", ""), _page("الخبر الثاني", body + " وأضاف", "\n")
    assert p1.sha256 != p1_copy.sha256 and p1.articles[0].content_key() == p1_copy.articles[0].content_key()
    try:
        first.begin()
        second.begin()
        assert first.add_page(p1).article_ids and second.add_page(p2).article_ids
        # first now waits for second's uncommitted key of article 2, and second for first's of article 1.
        results: dict[str, AddResult | BaseException] = {}

        def run(name: str, store: PostgresStore, page: Page) -> None:
            try:
                results[name] = store.add_page(page)
                store.commit()  # the end of each writer's batch (the retried page then waits for it)
            except BaseException as exc:  # reported by the assertions below
                results[name] = exc

        threads = [
            threading.Thread(target=run, args=("first", first, p2_copy), daemon=True),
            threading.Thread(target=run, args=("second", second, p1_copy), daemon=True),
        ]
        threads[0].start()
        time.sleep(0.3)  # let the first wait on the lock before the second closes the cycle
        threads[1].start()
        for t in threads:
            t.join(timeout=60)
        assert len(results) == 2 and not any(isinstance(r, BaseException) for r in results.values()), results
        added = [r for r in results.values() if isinstance(r, AddResult)]
        assert sum(r.duplicates for r in added) == 2  # each copy's article was already stored
        assert first.counts() == {"pages": 4, "articles": 2, "rejections": 0}
        row = first.fetch("SELECT count(DISTINCT content_key) AS k FROM articles")[0]
        assert row["k"] == 2
    finally:
        first.close()
        second.close()


def test_run_transaction_retries_a_deadlock(pg: pg_server.LocalServer) -> None:
    """``run_transaction`` runs a unit of work again when PostgreSQL reports a deadlock (40P01)."""
    from marsad.store import run_transaction

    url = pg.create_database("retry_tx")
    store = PostgresStore(url)
    calls: list[int] = []

    def work() -> int:
        calls.append(1)
        store.set_meta("k", str(len(calls)))
        if len(calls) == 1:
            store.run("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40P01', MESSAGE = 'simulated deadlock'; END $$")
        return len(calls)

    try:
        assert run_transaction(store, work) == 2
        assert store.get_meta("k") == "2" and not store.in_transaction
    finally:
        store.close()

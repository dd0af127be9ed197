"""Lost or missing data (issue 18, defects 9-11): stores that keep nothing are refused, a store that
fails mid-run stops with its real cause, and a connection to a listener that is not PostgreSQL
gives up instead of hanging."""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from marsad.errors import StoreError
from marsad.pipeline import ingest_paths
from marsad.settings import load_settings
from marsad.store import open_store
from tests.conftest import DATA, run_cli


@pytest.mark.parametrize("db", ["", ":memory:", "file::memory:?cache=shared"])
def test_store_that_keeps_nothing_is_refused(db: str, tmp_path: Path) -> None:
    """Defect 9: ``--db ""`` and ``--db :memory:`` used to report 40 articles and keep none."""
    proc = run_cli("ingest", str(DATA / "saudinewsnet-sample.json"), "--db", db, cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    assert "keeps nothing" in proc.stderr or "is empty" in proc.stderr
    assert "articles:" not in proc.stdout
    assert list(tmp_path.iterdir()) == []


def test_empty_db_from_the_environment_is_refused(tmp_path: Path) -> None:
    proc = run_cli("ingest", str(DATA / "saudinewsnet-sample.json"), env={"MARSAD_DB": ""}, cwd=tmp_path)
    assert proc.returncode == 3 and "is empty" in proc.stderr


def test_full_store_stops_the_run_with_its_cause_and_keeps_earlier_batches(tmp_path: Path) -> None:
    """Defect 10: a full disk stops the run with the real cause; earlier batches stay, no page lands outside a batch."""
    db = tmp_path / "full.db"
    settings = load_settings({"db": str(db), "ingest_batch_size": 10, "entities_on_ingest": False,
                              "dedup_on_ingest": False})
    store = open_store(str(db))
    assert hasattr(store, "conn")
    ingest_paths([str(DATA / "saudinewsnet-sample.json")], store, settings.replace(ingest_batch_size=10))
    store.close()
    committed = sqlite3.connect(db).execute("SELECT count(*) FROM articles").fetchone()[0]
    assert committed == 33
    # A second file into a store that cannot grow: SQLite's page cap stands in for a full disk.
    sample = json.loads((DATA / "saudinewsnet-sample.json").read_text(encoding="utf-8"))
    records = [{**r, "url": f"{r['url']}?copy={i}", "content": r["content"] + f" نسخة {i}" * 200}
               for i, r in enumerate(sample * 3)]
    src = tmp_path / "more.json"
    src.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    store = open_store(str(db))
    pages = store.dbapi.execute("PRAGMA page_count").fetchone()[0]  # type: ignore[attr-defined]
    store.dbapi.execute(f"PRAGMA max_page_count={pages + 40}")  # type: ignore[attr-defined]
    with pytest.raises(StoreError, match="full"):
        ingest_paths([str(src)], store, settings)
    store.close()
    conn = sqlite3.connect(db)
    after = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert after >= committed and (after - committed) % 10 == 0  # whole batches only
    assert conn.execute("SELECT count(*) FROM rejections WHERE reason='store_error'").fetchone()[0] == 0
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A TCP listener that accepts connections and never says a word (not PostgreSQL)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    threading.Thread(target=accept, daemon=True).start()
    yield int(sock.getsockname()[1])
    stop.set()
    for c in held:
        c.close()
    sock.close()


def test_postgres_url_to_a_silent_listener_times_out(silent_listener: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Defect 11: it used to hang for 130 s."""
    pytest.importorskip("psycopg")
    import marsad.store.engines as engines

    monkeypatch.setattr(engines, "CONNECT_TIMEOUT", 2)
    started = time.monotonic()
    with pytest.raises(StoreError, match="cannot open store"):
        open_store(f"postgresql://marsad@127.0.0.1:{silent_listener}/marsad")
    assert time.monotonic() - started < 10

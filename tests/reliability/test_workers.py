"""Ingest across worker processes (issue 16): the same store as one process, in input order, and a
worker that dies costs only its document (a recorded rejection)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from marsad.models import Page, RawDocument, Rejection
from marsad.pipeline import POOL_FROM_DOCUMENTS, ingest_paths, process, understand
from marsad.settings import Settings, load_settings
from marsad.store import SQLiteStore

CASES = Path(__file__).resolve().parents[1] / "data" / "entities" / "cases.json"


def _stored(db: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with SQLiteStore(db) as store:
        arts = [tuple(r.values()) for r in store.rows("SELECT id, content_key, title, text FROM articles ORDER BY id")]
        ments = [tuple(r.values()) for r in store.rows(
            'SELECT article_id, start, "end", text, title, entity_id FROM mentions ORDER BY article_id, start')]
    return arts, ments


def test_two_workers_store_what_one_process_stores(tmp_path: Path) -> None:
    """The entity cases' real articles ingested by two workers: the same articles, ids, mentions and entities."""
    src = tmp_path / "articles.json"
    articles = json.loads(CASES.read_text(encoding="utf-8"))["articles"]
    src.write_text(json.dumps(articles, ensure_ascii=False), encoding="utf-8")
    results = []
    for workers in (1, 2):
        db = tmp_path / f"w{workers}.db"
        with SQLiteStore(db) as store:
            report = ingest_paths([str(src)], store, load_settings().replace(ingest_workers=workers, dedup_on_ingest=False))
        assert report.articles == len(articles)
        # the stage breakdown covers the per-document stages wherever they ran, and the writer's
        assert {"extract", "entities", "keywords", "link", "store"} <= set(report.seconds)
        assert all(v > 0 for v in report.seconds.values())
        assert report.to_dict()["seconds"].keys() == report.seconds.keys()
        results.append(_stored(db))
    assert results[0] == results[1] and len(results[0][1]) > 200


def die_on_poison(item: RawDocument | Rejection, settings: Settings) -> Page | Rejection:
    """Understand a document, or kill the worker process on the one named ``poison``."""
    if isinstance(item, RawDocument) and item.uri == "poison":
        os._exit(1)
    return process(item, settings)


def test_a_dying_worker_costs_one_document(tmp_path: Path) -> None:
    """The documents before and after the one that killed its worker are understood; it is rejected."""
    text = "الرياض - واس\nأعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في مدينة الرياض بسعة مئتي سرير.\n".encode()
    n = POOL_FROM_DOCUMENTS  # a run long enough to start the workers
    items: list[RawDocument | Rejection] = [RawDocument(data=text, uri=f"doc{i}") for i in range(n)]
    items.insert(2, RawDocument(data=text, uri="poison"))
    items.insert(4, Rejection("bad.bin", "binary", "not text"))
    settings = load_settings().replace(ingest_workers=2)
    out = list(understand(items, settings, die_on_poison))
    uris = [r.source if isinstance(r, Rejection) else r.uri for r in out]
    assert uris == ["doc0", "doc1", "poison", "doc2", "bad.bin", *(f"doc{i}" for i in range(3, n))]
    kinds = [r.reason if isinstance(r, Rejection) else "page" for r in out]
    assert kinds == ["page", "page", "worker_died", "page", "binary", *(["page"] * (n - 3))]


def where(item: RawDocument | Rejection, settings: Settings) -> Page | Rejection:
    """Return a rejection that names the process the item was understood in."""
    return Rejection(item.uri if isinstance(item, RawDocument) else item.source, "pid", str(os.getpid()))


def test_workers_start_only_for_a_run_of_many_documents() -> None:
    """A short run stays in this process (no worker start-up for one page); a long one uses the workers,
    and the default setting (0) means one worker per core."""
    assert load_settings(environ={}).ingest_workers == 0  # the suite itself runs with MARSAD_INGEST_WORKERS=1
    settings = load_settings().replace(ingest_workers=2)
    for n, here in ((POOL_FROM_DOCUMENTS - 1, True), (POOL_FROM_DOCUMENTS * 3, False)):
        items: list[RawDocument | Rejection] = [RawDocument(data=b"x", uri=f"doc{i}") for i in range(n)]
        out = list(understand(items, settings, where))
        assert [r.source for r in out if isinstance(r, Rejection)] == [f"doc{i}" for i in range(n)]
        pids = {r.detail for r in out if isinstance(r, Rejection)}
        assert (pids == {str(os.getpid())}) is here, pids

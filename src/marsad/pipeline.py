"""The ingest pipeline: sources → raw documents → pages (or rejections) → store, in committed batches."""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Any

from marsad.derive import catch_up, run_stage
from marsad.entities.linking import link_page
from marsad.errors import StoreError
from marsad.extract import extract
from marsad.ingest.files import iter_documents
from marsad.memory import bound_allocator
from marsad.models import Page, RawDocument, Rejection
from marsad.settings import Settings
from marsad.store.base import Store

log = logging.getLogger(__name__)


@dataclass(slots=True)
class IngestReport:
    """Counts of what one ingest run did."""

    documents: int = 0
    pages: int = 0
    articles: int = 0
    duplicates: int = 0
    rejections: int = 0
    rejection_reasons: dict[str, int] = field(default_factory=dict)
    article_ids: list[int] = field(default_factory=list)
    #: Seconds spent per stage, summed over the run: the per-document stages (in whichever process
    #: ran them), then the writer's linking, store writes and derived stages.
    seconds: dict[str, float] = field(default_factory=dict)

    def timed(self, stage: str, seconds: float) -> None:
        """Add ``seconds`` to a stage's total."""
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    @property
    def read_anything(self) -> bool:
        """Return True if at least one document was understood (new or already stored)."""
        return self.pages > 0 or self.duplicates > 0

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "documents": self.documents,
            "pages": self.pages,
            "articles": self.articles,
            "duplicates": self.duplicates,
            "rejections": self.rejections,
            "rejection_reasons": self.rejection_reasons,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


@dataclass(frozen=True, slots=True)
class PageStage:
    """One named language stage run on an extracted page: the fields it reads and the fields it adds."""

    name: str
    reads: tuple[str, ...]
    adds: tuple[str, ...]
    run: Callable[[Page], None]
    #: Whether the settings turn the stage on.
    enabled: Callable[[Settings], bool]


def _entities(page: Page) -> None:
    from marsad.entities.canonical import annotate

    annotate(page.text, page.articles)


def _keywords(page: Page) -> None:
    from marsad.entities.keywords import add_keywords

    for article in page.articles:
        add_keywords(page.text, article)


def _entities_on(settings: Settings) -> bool:
    return settings.entities_on_ingest


#: The per-page stages after extraction, in order (keywords link tags to the entities found first).
#: Field names are ``Article`` attributes; tests check that each stage changes only what it adds.
PAGE_STAGES: tuple[PageStage, ...] = (
    PageStage("entities", reads=("text", "title", "headings", "paragraphs"),
              adds=("entities", "entities_truncated"), run=_entities, enabled=_entities_on),
    PageStage("keywords", reads=("text", "title", "headings", "paragraphs", "tags", "entities"),
              adds=("keywords",), run=_keywords, enabled=_entities_on),
)


def enrich(page: Page, settings: Settings) -> Page:
    """Run the enabled page stages in order; a failing stage leaves the page storable, with the reason."""
    for stage in PAGE_STAGES:
        if not stage.enabled(settings):
            continue
        start = time.perf_counter()
        try:
            stage.run(page)
            page.seconds[stage.name] = time.perf_counter() - start
        except Exception as exc:  # the page is still worth storing without its entities
            log.warning("stage %s failed on %s: %s: %s", stage.name, page.uri, type(exc).__name__, exc)
            for article in page.articles:
                article.entities = []
                article.entities_error = f"{stage.name}: {type(exc).__name__}: {exc}"
            break
    return page


def process(raw: RawDocument | Rejection, settings: Settings) -> Page | Rejection:
    """Run the per-document stages; any unexpected failure becomes a recorded rejection."""
    if isinstance(raw, Rejection):
        return raw
    try:
        start = time.perf_counter()
        result = extract(raw, settings)
        if isinstance(result, Rejection):
            return result
        result.seconds["extract"] = time.perf_counter() - start
        return enrich(result, settings)
    except Exception as exc:  # one bad document must never stop a crawl-sized run
        log.warning("internal error on %s: %s: %s", raw.uri, type(exc).__name__, exc)
        return Rejection(raw.uri, "internal_error", f"{type(exc).__name__}: {exc}")


# -- understanding across worker processes ------------------------------------------------------
# The store keeps one writer (the ingesting process); parsing and tagging are the CPU work and run
# in ``settings.ingest_workers`` processes. Results come back in input order, so a run stores the
# same pages with the same ids whatever the number of workers. A worker that dies (a document
# that exhausts memory, a crash in a C extension) costs that document a recorded rejection.

#: Documents in flight per worker: enough to keep a worker busy while the writer stores earlier
#: ones, few enough that memory stays bounded (each is at most ``max_document_bytes``).
IN_FLIGHT_PER_WORKER = 8
#: Documents a run must hold before worker processes start; a shorter run is understood in this
#: process. Each worker loads the models before its first document (about a second of CPU), more
#: than a few pages cost here (~40 ms each on SaudiNewsNet articles), and a one-page parse or a
#: hostile single document should not start processes at all.
POOL_FROM_DOCUMENTS = 16

Item = RawDocument | Rejection
Result = Page | Rejection


class _Pool:
    """A process pool that can be replaced when one of its workers dies."""

    def __init__(self, workers: int, run: Callable[[Item, Settings], Result], settings: Settings) -> None:
        self.workers, self.run, self.settings = workers, run, settings
        # forkserver: a worker starts from a clean process, never a fork of a threaded server or
        # of a process holding a store connection.
        self.context = multiprocessing.get_context("forkserver")
        self.pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=self.context, initializer=bound_allocator)

    def submit(self, item: Item) -> Future[Result]:
        """Start understanding one item."""
        return self.pool.submit(self.run, item, self.settings)

    def restart(self) -> None:
        """Replace a broken pool."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = self._new()

    def close(self) -> None:
        """Stop the workers."""
        self.pool.shutdown(wait=True, cancel_futures=True)


def _uri(item: Item) -> str:
    return item.source if isinstance(item, Rejection) else item.uri


def _collect(pool: _Pool, item: Item, future: Future[Result], pending: deque[tuple[Item, Future[Result]]]) -> Result:
    """Return one item's result; when its worker died, retry it alone in a new pool (it may have
    been another document that killed the worker), then restart the items still in flight."""
    try:
        return future.result()
    except BrokenProcessPool:
        pass
    except Exception as exc:  # a result that could not travel back (pickling): that document only
        return Rejection(_uri(item), "internal_error", f"{type(exc).__name__}: {exc}")
    pool.restart()
    try:
        result = pool.submit(item).result()
    except BrokenProcessPool:
        log.warning("a worker died on %s; recorded as a rejection", _uri(item))
        result = Rejection(_uri(item), "worker_died",
                           "the worker process died on this document (out of memory or a crash)")
        pool.restart()
    for i, (other, _) in enumerate(pending):
        if not isinstance(other, Rejection):
            pending[i] = (other, pool.submit(other))
    return result


def understand(items: Iterable[Item], settings: Settings, run: Callable[[Item, Settings], Result]) -> Iterator[Result]:
    """Yield ``run(item, settings)`` for each item in order: in this process, or across
    ``settings.ingest_workers`` worker processes when that is more than one and the run has at
    least ``POOL_FROM_DOCUMENTS`` items."""
    workers = settings.ingest_workers or os.cpu_count() or 1
    rest = iter(items)
    head = list(islice(rest, POOL_FROM_DOCUMENTS)) if workers > 1 else []
    if workers <= 1 or len(head) < POOL_FROM_DOCUMENTS:
        for item in chain(head, rest):
            yield run(item, settings)
        return
    pool = _Pool(workers, run, settings)
    pending: deque[tuple[Item, Future[Result]]] = deque()
    try:
        for item in chain(head, rest):
            if isinstance(item, Rejection):  # already a result: no trip to a worker
                done: Future[Result] = Future()
                done.set_result(item)
                pending.append((item, done))
            else:
                pending.append((item, pool.submit(item)))
            if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                first, future = pending.popleft()
                yield _collect(pool, first, future, pending)
        while pending:
            first, future = pending.popleft()
            yield _collect(pool, first, future, pending)
    finally:
        pool.close()


def ingest_documents(
    items: Iterable[RawDocument | Rejection],
    store: Store,
    settings: Settings,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Store every document of ``items``; commits every ``ingest_batch_size`` documents.

    Each batch is understood first (extraction, entities: the CPU work) and then written in one
    short transaction, so the store's write lock is held only for the writes: other processes
    ingesting into the same SQLite file wait for milliseconds, not for a whole batch's parsing.
    The incremental dedup + stories stage then runs on the batch's new articles. Articles that an
    earlier, interrupted run stored without their derived data are caught up first.

    A page the store refuses is a recorded rejection and the batch goes on; a failure of the
    store itself (disk full, connection lost) is a ``StoreError`` that stops the run with its
    cause, keeping every batch committed before it.
    """
    report = IngestReport()
    batch = settings.ingest_batch_size
    derive = settings.dedup_on_ingest
    pending: list[Page | Rejection] = []
    if derive:
        catch_up(store)

    def flush() -> None:
        batch_ids: list[int] = []
        # Rejections of one source and reason are written as one row with a count.
        rejected: dict[tuple[str, str], tuple[Rejection, int]] = {}

        def reject(rejection: Rejection) -> None:
            key = (rejection.source, rejection.reason)
            rejected[key] = (rejection, rejected.get(key, (rejection, 0))[1] + 1)
            report.rejections += 1
            report.rejection_reasons[rejection.reason] = report.rejection_reasons.get(rejection.reason, 0) + 1

        store.begin()
        try:
            for result in pending:
                if isinstance(result, Rejection):
                    reject(result)
                    continue
                for stage, seconds in result.seconds.items():
                    report.timed(stage, seconds)
                try:
                    start = time.perf_counter()
                    link_page(store, result)  # the page's entities get the store's ids
                    linked = time.perf_counter()
                    added = store.add_page(result)
                    report.timed("link", linked - start)
                    report.timed("store", time.perf_counter() - linked)
                except StoreError:
                    raise
                except Exception as exc:  # the page is rolled back; the run and its batch go on
                    reject(Rejection(result.uri, "store_error", f"{type(exc).__name__}: {exc}"))
                    continue
                report.pages += int(added.new_page)
                report.articles += len(added.article_ids)
                report.duplicates += added.duplicates
                report.article_ids.extend(added.article_ids)
                batch_ids.extend(added.article_ids)
            for rejection, count in rejected.values():
                store.add_rejection(rejection, count)
            store.commit()
        except BaseException:
            # Keep every batch already committed; drop only the half-written one.
            store.rollback()
            raise
        pending.clear()
        log.info("committed a batch: %d new articles, %d rejections so far", len(batch_ids), report.rejections)
        if derive:
            for stage, seconds in run_stage(store, batch_ids).seconds.items():
                report.timed(stage, seconds)

    for result in understand(items, settings, process):
        report.documents += 1
        pending.append(result)
        if len(pending) >= batch:
            flush()
        if progress is not None:
            progress(1)
    flush()
    return report


def ingest_paths(
    paths: Iterable[str],
    store: Store,
    settings: Settings,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest files, folders, globs and zips into ``store``."""
    return ingest_documents(iter_documents(paths, settings), store, settings, progress)


@dataclass(slots=True)
class RepairReport:
    """What a repair brought up to date."""

    derived: int = 0
    indexed: int = 0

    def to_dict(self) -> dict[str, int]:
        """Return the JSON form."""
        return {"derived": self.derived, "indexed": self.indexed}


def repair(store: Store, db: str) -> RepairReport:
    """Bring derived data up to the stored articles after an interruption.

    Fingerprints, duplicate pairs, embeddings and stories of articles committed without them (a
    kill or a full disk between a batch's commit and its derive stage), then the search index.
    """
    from marsad.search import open_search

    report = RepairReport(derived=catch_up(store).articles)
    engine = open_search(store, db)
    try:
        report.indexed = engine.catch_up()
    finally:
        engine.close()
    return report

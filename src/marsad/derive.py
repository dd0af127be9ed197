"""Deriving what clustering and search need: the dedup + stories stage run after each committed ingest
batch, and the catch-up of a store whose derived data lags its articles (after an interruption)."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from marsad.dedup.near import DedupReport, dedup_articles
from marsad.ports import Store
from marsad.store.retry import run_transaction
from marsad.stories.cluster import StoryReport, cluster_articles

log = logging.getLogger(__name__)

#: Articles per transaction when catching a store up: the same size as an ingest batch, so a
#: crash loses at most one batch of derived rows (they are re-derived on the next run).
CATCH_UP_BATCH = 500


@dataclass(slots=True)
class StageReport:
    """Counts of one dedup + stories run."""

    articles: int = 0
    exact: int = 0
    near: int = 0
    stories: int = 0
    #: Seconds each derived stage took (the last attempt's, when a conflict made the stage run again).
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "articles": self.articles,
            "exact": self.exact,
            "near": self.near,
            "new_stories": self.stories,
        }


@dataclass(frozen=True, slots=True)
class DerivedStage:
    """One named stage run over a batch of stored articles: what it reads from the store and what it adds."""

    name: str
    reads: tuple[str, ...]
    adds: tuple[str, ...]
    #: Runs the stage on (articles to fingerprint, articles to cluster) and adds its counts to a report.
    run: Callable[[Store, Sequence[int], Sequence[int], StageReport], None]


def _dedup(store: Store, fp_ids: Sequence[int], ids: Sequence[int], report: StageReport) -> None:
    d: DedupReport = dedup_articles(store, fp_ids)
    report.articles += d.articles
    report.exact += d.exact
    report.near += d.near


def _stories(store: Store, fp_ids: Sequence[int], ids: Sequence[int], report: StageReport) -> None:
    s: StoryReport = cluster_articles(store, ids)
    report.stories += s.new_stories


#: The stages after the store, in order: stories read the duplicate pairs dedup adds.
DERIVED_STAGES: tuple[DerivedStage, ...] = (
    DerivedStage("dedup", reads=("articles.text",), adds=("fingerprints", "lsh_bands", "duplicates"), run=_dedup),
    DerivedStage(
        "stories",
        reads=("articles.title", "articles.text", "articles.day", "duplicates", "mentions"),
        adds=("embeddings", "stories", "story_articles"),
        run=_stories,
    ),
)


def _both(store: Store, fp_ids: Sequence[int], ids: Sequence[int]) -> StageReport:
    report = StageReport()
    for stage in DERIVED_STAGES:
        start = time.perf_counter()
        stage.run(store, fp_ids, ids, report)
        report.seconds[stage.name] = report.seconds.get(stage.name, 0.0) + time.perf_counter() - start
        log.debug("stage %s ran on %d articles", stage.name, len(ids))
    return report


def run_stage(store: Store, ids: Sequence[int], report: StageReport | None = None) -> StageReport:
    """Fingerprint, dedup and cluster the given new articles inside one transaction."""
    report = report or StageReport()
    if not ids:
        return report
    # Concurrent PostgreSQL writers can deadlock on shared LSH / story rows: the stage is re-run
    # from the start after such a conflict (its reads see the rolled-back state).
    got = run_transaction(store, functools.partial(_both, store, ids, ids))
    report.articles += got.articles
    report.exact += got.exact
    report.near += got.near
    report.stories += got.stories
    for stage, seconds in got.seconds.items():
        report.seconds[stage] = report.seconds.get(stage, 0.0) + seconds
    return report


def catch_up(store: Store, progress: Callable[[int], None] | None = None) -> StageReport:
    """Run the stage over every stored article that has not been through it yet."""
    report = StageReport()
    while True:
        ids = sorted(
            set(store.ids_without_fingerprint(CATCH_UP_BATCH)) | set(store.ids_without_story(CATCH_UP_BATCH))
        )
        if not ids:
            return report
        todo_fp = set(store.ids_without_fingerprint(CATCH_UP_BATCH))
        fp_ids = [i for i in ids if i in todo_fp]
        got = run_transaction(store, functools.partial(_both, store, fp_ids, ids))
        log.info("caught up %d articles without derived data", len(ids))
        report.articles += len(ids)
        report.exact += got.exact
        report.near += got.near
        report.stories += got.stories
        if progress is not None:
            progress(len(ids))

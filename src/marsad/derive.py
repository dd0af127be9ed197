"""Deriving what clustering and search need: the dedup + stories stage run after each committed ingest
batch, and the catch-up of a store whose derived data lags its articles (after an interruption)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from marsad.dedup.near import DedupReport, dedup_articles
from marsad.ports import Store
from marsad.store.retry import run_transaction
from marsad.stories.cluster import StoryReport, cluster_articles

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

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "articles": self.articles,
            "exact": self.exact,
            "near": self.near,
            "new_stories": self.stories,
        }


def _both(store: Store, fp_ids: Sequence[int], ids: Sequence[int]) -> tuple[DedupReport, StoryReport]:
    return dedup_articles(store, fp_ids), cluster_articles(store, ids)


def run_stage(store: Store, ids: Sequence[int], report: StageReport | None = None) -> StageReport:
    """Fingerprint, dedup and cluster the given new articles inside one transaction."""
    report = report or StageReport()
    if not ids:
        return report
    # Concurrent PostgreSQL writers can deadlock on shared LSH / story rows: the stage is re-run
    # from the start after such a conflict (its reads see the rolled-back state).
    d, s = run_transaction(store, functools.partial(_both, store, ids, ids))
    report.articles += d.articles
    report.exact += d.exact
    report.near += d.near
    report.stories += s.new_stories
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
        d, s = run_transaction(store, functools.partial(_both, store, fp_ids, ids))
        report.articles += len(ids)
        report.exact += d.exact
        report.near += d.near
        report.stories += s.new_stories
        if progress is not None:
            progress(len(ids))

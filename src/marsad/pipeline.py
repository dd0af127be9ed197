"""The ingest pipeline: sources → raw documents → pages (or rejections) → store, in committed batches."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from marsad.extract import extract
from marsad.ingest.files import iter_documents
from marsad.models import Page, RawDocument, Rejection
from marsad.store.base import Store
from marsad.stories.stage import run_stage


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
        }


def enrich(page: Page, settings: dict[str, Any]) -> Page:
    """Run the per-page language stages on an extracted page: entities, then keywords."""
    if bool(settings.get("entities_on_ingest", True)):
        from marsad.entities.canonical import annotate
        from marsad.entities.keywords import add_keywords

        try:
            annotate(page.text, page.articles)
            for article in page.articles:
                add_keywords(page.text, article)
        except Exception as exc:  # the page is still worth storing without its entities
            for article in page.articles:
                article.extras["entities"] = []
                article.extras["entities_error"] = f"{type(exc).__name__}: {exc}"
    return page


def process(raw: RawDocument | Rejection, settings: dict[str, Any]) -> Page | Rejection:
    """Run the per-document stages; any unexpected failure becomes a recorded rejection."""
    if isinstance(raw, Rejection):
        return raw
    try:
        result = extract(raw, settings)
        return result if isinstance(result, Rejection) else enrich(result, settings)
    except Exception as exc:  # one bad document must never stop a crawl-sized run
        return Rejection(raw.uri, "internal_error", f"{type(exc).__name__}: {exc}")


def ingest_documents(
    items: Iterable[RawDocument | Rejection],
    store: Store,
    settings: dict[str, Any],
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Store every document of ``items``; commits every ``ingest_batch_size`` documents."""
    report = IngestReport()
    batch = int(settings.get("ingest_batch_size", 500))
    # The incremental dedup + stories stage runs on each committed batch's new articles.
    # (Setting to add to settings.py: "dedup_on_ingest", default True.)
    derive = bool(settings.get("dedup_on_ingest", True))
    pending = 0
    batch_ids: list[int] = []
    store.begin()
    try:
        for item in items:
            report.documents += 1
            result = process(item, settings)
            if isinstance(result, Rejection):
                store.add_rejection(result)
                report.rejections += 1
                report.rejection_reasons[result.reason] = report.rejection_reasons.get(result.reason, 0) + 1
            else:
                try:
                    added = store.add_page(result)
                except Exception as exc:  # the page is rolled back; the run and its batch go on
                    failed = Rejection(result.uri, "store_error", f"{type(exc).__name__}: {exc}")
                    store.add_rejection(failed)
                    report.rejections += 1
                    report.rejection_reasons[failed.reason] = report.rejection_reasons.get(failed.reason, 0) + 1
                    continue
                report.pages += int(added.new_page)
                report.articles += len(added.article_ids)
                report.duplicates += added.duplicates
                report.article_ids.extend(added.article_ids)
                batch_ids.extend(added.article_ids)
            pending += 1
            if pending >= batch:
                store.commit()
                if derive:
                    run_stage(store, batch_ids)
                batch_ids = []
                store.begin()
                pending = 0
            if progress is not None:
                progress(1)
        store.commit()
        if derive:
            run_stage(store, batch_ids)
    except BaseException:
        # Keep every batch already committed; drop only the half-written one.
        store.rollback()
        raise
    return report


def ingest_paths(
    paths: Iterable[str],
    store: Store,
    settings: dict[str, Any],
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest files, folders, globs and zips into ``store``."""
    return ingest_documents(iter_documents(paths, settings), store, settings, progress)

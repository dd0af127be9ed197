"""The search-backend interface: what an index must do so that another engine (PostgreSQL) can plug in.

A backend stores pre-analysed documents (Marsad's own terms, never its own analysis) and answers a
:class:`~marsad.search.query.ParsedQuery` whose entity/story filters were already resolved to
article ids by the engine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from marsad.search.analysis import analyze
from marsad.search.query import ParsedQuery

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


def day_of(date: str | None) -> str:
    """Return the YYYY-MM-DD day of a stored date, or "" when it has none."""
    m = _DAY.match(date or "")
    return m.group() if m else ""


@dataclass(frozen=True, slots=True)
class IndexDoc:
    """One article, analysed: whitespace-joined terms and name keys of its title and body."""

    id: int
    title_terms: str
    body_terms: str
    folds: str
    source: str
    day: str  # YYYY-MM-DD or ""


def make_doc(article_id: int, source: str | None, title: str | None, date: str | None, text: str | None) -> IndexDoc:
    """Analyse one stored article into the document every backend indexes."""
    title_terms, title_folds = analyze(title or "")
    body_terms, body_folds = analyze(text or "")
    return IndexDoc(
        id=int(article_id),
        title_terms=title_terms,
        body_terms=body_terms,
        folds=f"{title_folds} {body_folds}",
        source=source or "",
        day=day_of(date),
    )


@dataclass(slots=True)
class BackendResult:
    """Hits (article id, score) in rank order, the total count and facet counts."""

    hits: list[tuple[int, float]]
    total: int
    sources: list[tuple[str, int]] = field(default_factory=list)
    days: list[tuple[str, int]] = field(default_factory=list)


class SearchBackend(Protocol):
    """What the search engine asks of an index."""

    def add(self, docs: Sequence[IndexDoc]) -> None:
        """Add documents (ids not yet indexed) and make them durable."""

    def watermark(self) -> int:
        """Return the highest article id indexed (0 when empty)."""

    def clear(self) -> None:
        """Remove every document (before a rebuild)."""

    def count(self) -> int:
        """Return the number of documents indexed."""

    def search(
        self,
        query: ParsedQuery,
        limit: int,
        offset: int,
        sort: str,
        only_ids: Sequence[int] | None,
        facets: bool,
    ) -> BackendResult:
        """Answer a parsed query; ``only_ids`` restricts hits (resolved entity/story filters)."""

    def close(self) -> None:
        """Release files and locks."""


@runtime_checkable
class GapFreeBackend(Protocol):
    """A backend kept in step by the store's own writes, caught up by what it lacks rather than by a watermark.

    With several writers, article ids commit out of order, so "everything above the highest id
    indexed" can skip an article committed late; such a backend is asked for the missing ids instead.
    """

    def missing(self, limit: int) -> list[int]:
        """Return up to ``limit`` ids of stored articles not indexed, ascending."""

    def count_missing(self) -> int:
        """Return how many stored articles are not indexed."""

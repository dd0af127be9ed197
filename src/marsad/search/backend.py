"""The search-backend interface: what an index must do so that another engine (PostgreSQL) can plug in.

A backend stores pre-analysed documents (Marsad's own terms, never its own analysis) and answers a
:class:`~marsad.search.query.ParsedQuery` whose entity/story filters were already resolved to
article ids by the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from marsad.search.query import ParsedQuery


@dataclass(frozen=True, slots=True)
class IndexDoc:
    """One article, analysed: whitespace-joined terms and name keys of its title and body."""

    id: int
    title_terms: str
    body_terms: str
    folds: str
    source: str
    day: str  # YYYY-MM-DD or ""


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

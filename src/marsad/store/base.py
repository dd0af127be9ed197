"""The store protocol every backend implements (SQLite now; PostgreSQL behind the same methods)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from marsad.models import Page, Rejection


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """The short listing form of a stored article."""

    id: int
    url: str | None
    source: str | None
    title: str | None
    date: str | None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form ``{"id", "url", "source", "title", "date"}``."""
        return {"id": self.id, "url": self.url, "source": self.source, "title": self.title, "date": self.date}


@dataclass(slots=True)
class AddResult:
    """What storing one page did."""

    page_id: int
    new_page: bool
    article_ids: list[int] = field(default_factory=list)
    duplicates: int = 0


class Store(Protocol):
    """What the rest of Marsad may ask of a store."""

    def begin(self) -> None:
        """Start a write transaction."""

    def commit(self) -> None:
        """Commit the current transaction."""

    def rollback(self) -> None:
        """Abandon the current transaction."""

    def add_page(self, page: Page, uri: str | None = None) -> AddResult:
        """Store a page and its articles once."""

    def add_rejection(self, rejection: Rejection) -> None:
        """Record a rejection."""

    def articles(self, limit: int | None = None, offset: int = 0, source: str | None = None) -> list[ArticleRow]:
        """List stored articles."""

    def iter_articles(self) -> Iterator[dict[str, Any]]:
        """Yield every stored article's full form."""

    def article(self, article_id: int) -> dict[str, Any] | None:
        """Return one article with provenance."""

    def page_text(self, page_id: int) -> str | None:
        """Return a page's original text."""

    def rejections(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Return recorded rejections."""

    def counts(self) -> dict[str, int]:
        """Return table counts."""

    def sources(self) -> list[tuple[str, int]]:
        """Return article counts per source."""

    def close(self) -> None:
        """Close the store."""

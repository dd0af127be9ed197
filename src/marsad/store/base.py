"""The store protocol every backend implements (SQLite now; PostgreSQL behind the same methods)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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

    # -- dedup and stories (the incremental stages' state) --------------------------------------

    def get_meta(self, key: str) -> str | None:
        """Return a meta value, or None."""

    def set_meta(self, key: str, value: str) -> None:
        """Set a meta value."""

    def article_texts(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        """Return id, url, source, title, date and text of the given articles."""

    def article_rows(self, ids: Sequence[int]) -> dict[int, ArticleRow]:
        """Return the listing form of the given articles, by id."""

    def ids_without_fingerprint(self, limit: int | None = None) -> list[int]:
        """Return ids of articles not yet fingerprinted."""

    def ids_without_story(self, limit: int | None = None) -> list[int]:
        """Return ids of articles not yet in a story."""

    def add_fingerprint(self, article_id: int, content_hash: str, signature: bytes, shingles: int, band_keys: Sequence[int]) -> None:
        """Store an article's fingerprint and LSH band keys."""

    def same_content(self, content_hash: str) -> list[int]:
        """Return ids of articles with this content hash."""

    def lsh_candidates(self, band_keys: Sequence[int]) -> list[int]:
        """Return ids of articles sharing an LSH band key."""

    def signatures(self, ids: Sequence[int]) -> dict[int, bytes]:
        """Return MinHash signatures by article id."""

    def add_duplicate(self, a: int, b: int, kind: str, score: float) -> None:
        """Record a duplicate pair."""

    def duplicate_pairs(self, ids: Sequence[int] | None = None) -> list[tuple[int, int, str, float]]:
        """Return duplicate pairs (all, or touching ``ids``)."""

    def put_embedding(self, article_id: int, vector: bytes) -> None:
        """Store an article's embedding."""

    def embeddings(self, ids: Sequence[int]) -> dict[int, bytes]:
        """Return embeddings by article id."""

    def add_terms(self, terms: Sequence[str]) -> None:
        """Count one more document for each term."""

    def put_terms(self, article_id: int, terms: Sequence[str]) -> None:
        """Store an article's content terms."""

    def article_terms(self, ids: Sequence[int]) -> dict[int, list[str]]:
        """Return stored content terms by article id."""

    def term_df(self, terms: Sequence[str]) -> dict[str, int]:
        """Return document frequencies of terms."""

    def new_story(self) -> int:
        """Create an empty story."""

    def assign_story(self, article_id: int, story_id: int, date: str | None, score: float) -> None:
        """Put an article in a story."""

    def window_articles(self, since: str) -> list[tuple[int, int]]:
        """Return (article id, story id) of story members dated at or after ``since``."""

    def story_members(self, story_id: int) -> list[int]:
        """Return a story's article ids."""

    def story_of(self, article_ids: Sequence[int]) -> dict[int, int]:
        """Return story ids of articles."""

    def move_story(self, source_id: int, target_id: int) -> None:
        """Merge one story into another."""

    def update_story(self, story_id: int, title: str | None, first_seen: str | None, last_seen: str | None, size: int) -> None:
        """Set a story's summary fields."""

    def stories(self, since: str | None = None) -> list[dict[str, Any]]:
        """Return stories with their articles."""

    def entities(self, type: str | None = None, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        """List entities with counts and surface forms."""

    def entity(self, entity_id: str) -> dict[str, Any] | None:
        """Return one entity with timeline, co-occurring entities and articles."""

    def close(self) -> None:
        """Close the store."""


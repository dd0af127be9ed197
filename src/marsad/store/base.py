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


#: Characters of a rejection's detail kept (an error message, not a copy of the input).
DETAIL_CHARS = 2000


def rejection_detail(rejection: Rejection) -> str:
    """Return the stored detail of a rejection: which item (the last one seen) and what was wrong."""
    text = f"{rejection.item}: {rejection.detail}" if rejection.item else rejection.detail
    return text[:DETAIL_CHARS]


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

    def add_rejection(self, rejection: Rejection, count: int = 1) -> None:
        """Record ``count`` rejections of one source for one reason (one row per source and reason)."""

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

    def article_entities(self, ids: Sequence[int]) -> dict[int, list[str]]:
        """Return the entity ids mentioned in each given article (distinct, sorted; articles without any left out)."""

    def entity_count(self, type: str | None = None) -> int:
        """Return how many entities (of a type) have at least one mention."""

    def entity_article_count(self, entity_id: str) -> int:
        """Return how many articles mention an entity."""

    def entity_counts(self, article_ids: Sequence[int], limit: int) -> list[dict[str, Any]]:
        """Return ``{"id", "type", "name", "articles", "mentions"}`` of entities in these articles, most articles first."""

    def resolve_entity(self, text: str) -> list[str]:
        """Return the ids of the entities ``text`` names: an entity id, or any name/surface form via the alias keys."""

    def entity_article_ids(self, entity_ids: Sequence[str]) -> list[int]:
        """Return the ids of articles mentioning any of the given entities, ascending."""

    def entity_forms(self, entity_ids: Sequence[str]) -> list[str]:
        """Return the names and surface forms of the given entities, most mentioned first."""

    # -- read side of the API, web UI and search index -------------------------------------------

    def max_article_id(self) -> int:
        """Return the highest stored article id (0 when empty)."""

    def count_articles(self, source: str | None = None, after_id: int = 0) -> int:
        """Return the number of stored articles (of one source; with an id above ``after_id``)."""

    def articles_after(self, after_id: int, limit: int) -> list[dict[str, Any]]:
        """Return ``{"id", "url", "source", "title", "date", "text"}`` of articles with id > ``after_id``, in id order."""

    def recent_articles(self, limit: int, offset: int = 0, source: str | None = None) -> list[dict[str, Any]]:
        """Return ``{"id", "url", "source", "title", "date", "tags"}``, newest first (by date, then id)."""

    def story_count(self, day: str | None = None) -> int:
        """Return the number of non-empty stories."""

    def story_page(self, limit: int, offset: int = 0, day: str | None = None, sort: str = "recent",
                   since: str | None = None) -> list[dict[str, Any]]:
        """Return non-empty stories ``{"id", "title", "first_seen", "last_seen", "size"}``, freshest day and biggest first."""

    def story_rows(self, story_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Return ``{"id", "title", "first_seen", "last_seen", "size"}`` of the given stories, by id."""

    def story_sources(self, story_ids: Sequence[int]) -> dict[int, list[str]]:
        """Return the distinct sources of each story's articles (sorted; ``""`` for none)."""

    def duplicate_count(self) -> int:
        """Return the number of recorded duplicate pairs."""

    def duplicate_page(self, limit: int, offset: int = 0) -> list[tuple[int, int, str, float]]:
        """Return a page of duplicate pairs ``(a, b, kind, score)`` ordered by (a, b)."""

    # -- feed watcher state ---------------------------------------------------------------------

    def feed_validators(self, url: str) -> tuple[str | None, str | None]:
        """Return the (ETag, Last-Modified) stored for a feed, (None, None) when unknown."""

    def save_feed_state(self, url: str, etag: str | None, last_modified: str | None, status: int | None, error: str | None) -> None:
        """Remember the outcome of polling a feed."""

    def entry_seen(self, feed_url: str, entry_id: str) -> bool:
        """Return True if this feed entry was handled before."""

    def mark_entry_seen(self, feed_url: str, entry_id: str) -> None:
        """Remember a feed entry as handled."""

    def close(self) -> None:
        """Close the store."""



#: Orders of a story list: freshest day first then biggest, or biggest first.
STORY_SORTS = ("recent", "size")
#: Stories with at least one article published on a day (``?``: the day).
DAY_COUNTS = (
    "SELECT s.story_id, count(*) AS n FROM story_articles s JOIN articles a ON a.id = s.article_id"
    " WHERE a.day = %s GROUP BY s.story_id"
)
STORY_DAY_COUNT = f"SELECT count(*) AS n FROM ({DAY_COUNTS.replace('%s', '?')}) d"


def story_page_sql(day: str | None, sort: str, collate: str = "", since: str | None = None) -> tuple[str, list[Any]]:
    """Return the SQL (``%s`` placeholders, then LIMIT and OFFSET) and arguments of a story list.

    One text for both stores: the dialects differ only in the collation PostgreSQL needs to order
    ISO dates byte-wise (``collate``). With ``day``, ``day_count`` is the stories' articles of that
    day; with ``since``, only stories last seen on or after it.
    """
    if sort not in STORY_SORTS:
        raise ValueError(f"sort must be one of {', '.join(STORY_SORTS)}")
    cols = "st.id, st.title, st.first_seen, st.last_seen, st.size"
    fresh = f"substr(coalesce(st.last_seen, ''), 1, 10){collate} DESC"
    where, args = ("st.size > 0 AND st.last_seen >= %s", [since]) if since else ("st.size > 0", [])
    if day:
        order = "d.n DESC, st.size DESC, st.id DESC" if sort == "size" else f"{fresh}, d.n DESC, st.id DESC"
        sql = f"SELECT {cols}, d.n AS day_count FROM stories st JOIN ({DAY_COUNTS}) d ON d.story_id = st.id"
        return f"{sql} WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s", [day, *args]
    order = "st.size DESC, st.id DESC" if sort == "size" else f"{fresh}, st.size DESC, st.id DESC"
    return f"SELECT {cols} FROM stories st WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s", args

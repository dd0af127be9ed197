"""The roles a store plays for the rest of Marsad (small protocols) and the row types they return.

They sit below every stage so that a stage (dedup, stories, entity linking, the feed watcher) can
ask for the store it needs without depending on the store package: the store implements these
structurally. A caller asks only for its role; ``Store`` is every role at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NotRequired, Protocol, TypedDict

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


class StoryRow(TypedDict):
    """The summary of a story: one news event and its developments (see docs/stories.md)."""

    id: int
    title: str | None
    first_seen: str | None
    last_seen: str | None
    size: int
    #: In a one-day listing: how many of the story's articles were published that day.
    day_count: NotRequired[int]


class EntityCount(TypedDict):
    """An entity counted over a set of articles (a story's, or a search's best matches)."""

    id: str
    type: str
    name: str
    article_count: int
    mentions: int


class EntitySummary(EntityCount):
    """An entity in the store-wide listing: its counts and its spellings with their mention counts."""

    forms: dict[str, int]


@dataclass(slots=True)
class AddResult:
    """What storing one page did."""

    page_id: int
    new_page: bool
    article_ids: list[int] = field(default_factory=list)
    duplicates: int = 0


class Lifecycle(Protocol):
    """Transactions, meta values and closing; a store is also a context manager."""

    def begin(self) -> None:
        """Start a write transaction."""

    def commit(self) -> None:
        """Commit the current transaction."""

    def rollback(self) -> None:
        """Abandon the current transaction."""

    def close(self) -> None:
        """Close the store."""

    def __enter__(self) -> Any:
        """Return the store itself."""

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        """Roll back on an exception, then close."""

    def get_meta(self, key: str) -> str | None:
        """Return a meta value (scheme versions and the like), or None."""

    def set_meta(self, key: str, value: str) -> None:
        """Set a meta value."""


class PageWriter(Protocol):
    """What ingest writes: pages with their articles and mentions, and rejections."""

    def add_page(self, page: Page, uri: str | None = None) -> AddResult:
        """Store a page and its articles once."""

    def add_rejection(self, rejection: Rejection, count: int = 1) -> None:
        """Record ``count`` rejections of one source for one reason (one row per source and reason)."""


class DerivedState(Protocol):
    """Fingerprints, duplicates, embeddings, terms and stories: recomputable from the articles."""

    def ids_without_fingerprint(self, limit: int | None = None) -> list[int]:
        """Return ids of articles not yet fingerprinted."""

    def ids_without_story(self, limit: int | None = None) -> list[int]:
        """Return ids of articles not yet in a story."""

    def add_fingerprint(self, article_id: int, content_hash: str, signature: bytes, shingles: int, band_keys: Sequence[int]) -> None:
        """Store an article's fingerprint and LSH band keys."""

    def same_content(self, content_hash: str) -> list[int]:
        """Return ids with this exact content hash."""

    def lsh_candidates(self, band_keys: Sequence[int]) -> list[int]:
        """Return ids sharing an LSH band key."""

    def signatures(self, ids: Sequence[int]) -> dict[int, bytes]:
        """Return MinHash signatures by id."""

    def add_duplicate(self, a: int, b: int, kind: str, score: float) -> None:
        """Record a duplicate pair."""

    def duplicate_pairs(self, ids: Sequence[int] | None = None) -> list[tuple[int, int, str, float]]:
        """Return duplicate pairs, all or those touching ``ids``."""

    def put_embedding(self, article_id: int, vector: bytes) -> None:
        """Store an article's embedding."""

    def embeddings(self, ids: Sequence[int]) -> dict[int, bytes]:
        """Return embeddings by id."""

    def add_terms(self, terms: Sequence[str]) -> None:
        """Count one more document for each term."""

    def put_terms(self, article_id: int, terms: Sequence[str]) -> None:
        """Store an article's story terms."""

    def article_terms(self, ids: Sequence[int]) -> dict[int, list[str]]:
        """Return story terms by id."""

    def term_df(self, terms: Sequence[str]) -> dict[str, int]:
        """Return document frequencies of terms."""

    def lock_stories(self) -> None:
        """Hold the story stage until this transaction ends (one writer re-clusters at a time)."""

    def new_story(self) -> int:
        """Create an empty story and return its id."""

    def assign_story(self, article_id: int, story_id: int, date: str | None, score: float) -> None:
        """Put an article in a story."""

    def window_articles(self, since: str) -> list[tuple[int, int]]:
        """Return (article, story) of story members dated at or after ``since``."""

    def add_story_edges(self, edges: Sequence[tuple[int, int, float]]) -> None:
        """Record the same-story probability of scored article pairs."""

    def story_edges(self, ids: Sequence[int]) -> list[tuple[int, int, float]]:
        """Return the recorded pair scores with both articles among ``ids``."""

    def drop_empty_story(self, story_id: int) -> bool:
        """Delete a story left without articles; return whether it was."""

    def story_members(self, story_id: int) -> list[int]:
        """Return a story's article ids."""

    def story_of(self, article_ids: Sequence[int]) -> dict[int, int]:
        """Return the story of each article that has one."""

    def move_story(self, source_id: int, target_id: int) -> None:
        """Merge one story into another."""

    def update_story(self, story_id: int, title: str | None, first_seen: str | None, last_seen: str | None, size: int) -> None:
        """Set a story's summary fields."""


class ReadModel(Protocol):
    """Everything the API, web UI, CLI, search index and stages read."""

    def articles(self, limit: int | None = None, offset: int = 0, source: str | None = None,
                 sort: str = "id") -> list[ArticleRow]:
        """Return stored articles in id, newest (``recent``) or oldest publication order."""

    def iter_articles(self) -> Iterator[dict[str, Any]]:
        """Yield every article's JSON form."""

    def article(self, article_id: int) -> dict[str, Any] | None:
        """Return one article with provenance."""

    def page_text(self, page_id: int) -> str | None:
        """Return a page's original text."""

    def rejections(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Return recorded rejections, newest first."""

    def counts(self) -> dict[str, int]:
        """Return row counts of the main tables."""

    def day_counts(self) -> dict[str, int]:
        """Return the number of stored articles published on each day."""

    def source_day_counts(self, days: Sequence[str]) -> dict[tuple[str, str], int]:
        """Return (source, day) → articles of that outlet that day."""

    def entity_day_counts(self, days: Sequence[str]) -> dict[tuple[str, str], int]:
        """Return (entity id, day) → articles of that day mentioning the entity."""

    def sources(self) -> list[tuple[str, int]]:
        """Return (source, article count) pairs."""

    def article_texts(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        """Return id, url, source, title, date, day and text of articles."""

    def article_rows(self, ids: Sequence[int]) -> dict[int, ArticleRow]:
        """Return the listing form of articles by id."""

    def article_ids_by_key(self, keys: Sequence[str]) -> dict[str, int]:
        """Return the article id of each stored content key."""

    def max_article_id(self) -> int:
        """Return the highest article id."""

    def count_articles(self, source: str | None = None, after_id: int = 0) -> int:
        """Return the number of articles."""

    def articles_after(self, after_id: int, limit: int) -> list[dict[str, Any]]:
        """Return articles above an id, in id order."""

    def recent_articles(self, limit: int, offset: int = 0, source: str | None = None) -> list[dict[str, Any]]:
        """Return the listing form, newest first."""

    def stories(self, since: str | None = None) -> list[dict[str, Any]]:
        """Return stories with their articles and top entities (a ``StoryRow`` with ``articles`` and ``entities``)."""

    def story_count(self, day: str | None = None) -> int:
        """Return the number of stories (of one day)."""

    def story_page(self, limit: int, offset: int = 0, day: str | None = None, sort: str = "recent",
                   since: str | None = None) -> list[StoryRow]:
        """Return a page of stories."""

    def story_rows(self, story_ids: Sequence[int]) -> dict[int, StoryRow]:
        """Return story summary rows by id."""

    def story_sources(self, story_ids: Sequence[int]) -> dict[int, list[str]]:
        """Return each story's sources."""

    def duplicate_count(self) -> int:
        """Return the number of duplicate pairs."""

    def duplicate_page(self, limit: int, offset: int = 0) -> list[tuple[int, int, str, float]]:
        """Return a page of duplicate pairs."""

    def entities(self, type: str | None = None, limit: int | None = None, offset: int = 0,
                 sort: str = "mentions") -> list[EntitySummary]:
        """Return entities with counts and surface forms, by mentions, articles or name."""

    def entity(self, entity_id: str) -> dict[str, Any] | None:
        """Return one entity with its timeline, co-occurring entities and articles."""

    def article_entities(self, ids: Sequence[int]) -> dict[int, list[str]]:
        """Return the entity ids each article mentions."""

    def headline_entities(self, ids: Sequence[int]) -> dict[int, set[str]]:
        """Return the ids of the entities mentioned inside each given article's headline."""

    def mention_forms(self, ids: Sequence[int]) -> dict[int, set[tuple[str, str]]]:
        """Return the (entity id, spelling) pairs of each given article's mentions."""

    def entity_count(self, type: str | None = None) -> int:
        """Return how many entities have mentions."""

    def entity_article_count(self, entity_id: str) -> int:
        """Return how many articles mention an entity."""

    def entity_counts(self, article_ids: Sequence[int], limit: int) -> list[EntityCount]:
        """Return the entities of a set of articles with counts."""

    def entity_article_ids(self, entity_ids: Sequence[str]) -> list[int]:
        """Return ids of articles mentioning any of the entities."""

    def entity_forms(self, entity_ids: Sequence[str]) -> list[str]:
        """Return names and surface forms of entities."""


class FeedState(Protocol):
    """What the feed watcher remembers between polling rounds."""

    def feed_validators(self, url: str) -> tuple[str | None, str | None]:
        """Return a feed's (ETag, Last-Modified)."""

    def save_feed_state(self, url: str, etag: str | None, last_modified: str | None, status: int | None, error: str | None) -> None:
        """Remember the outcome of polling a feed."""

    def entry_seen(self, feed_url: str, entry_id: str) -> bool:
        """Return True if an entry was handled before."""

    def mark_entry_seen(self, feed_url: str, entry_id: str) -> None:
        """Remember an entry as handled."""


class EntityDictionary(Protocol):
    """The store's entities and their alias keys, which ``marsad.entities.linking`` looks up and grows."""

    def entity_exists(self, entity_id: str) -> bool:
        """Return True if the dictionary holds this entity id."""

    def alias_entities(self, key: str, typ: str, kind: str) -> set[str]:
        """Return the ids registered under an alias key of a type and kind."""

    def add_entities(self, entities: dict[str, tuple[str, str]]) -> None:
        """Register entities (id → (type, name)) not yet in the dictionary."""

    def add_aliases(self, aliases: Iterable[tuple[str, str, str, str]]) -> None:
        """Register alias keys ``(key, type, kind, entity_id)``."""

    def entity_names(self, ids: Sequence[str]) -> dict[str, str]:
        """Return the display name of each entity id given."""

    def add_type_votes(self, votes: Iterable[tuple[str, str, int]]) -> None:
        """Add ``(entity_id, type, mentions)`` to the entities' type votes."""

    def type_votes(self, ids: Sequence[str]) -> dict[str, dict[str, int]]:
        """Return each entity's mentions by type, as voted so far."""

    def entity_types(self, ids: Sequence[str]) -> dict[str, str]:
        """Return each entity's current type."""

    def set_entity_types(self, types: dict[str, str]) -> None:
        """Give entities a new type."""


class Observatory(Protocol):
    """Saved-search alerts and the per-outlet counts the observatory reads."""

    def add_alert(self, name: str, query: str, rule: str, threshold: float, webhook: str | None,
                  since_day: str | None) -> int:
        """Save an alert and return its id."""

    def alerts(self) -> list[dict[str, Any]]:
        """Return every saved alert with its firings count and last fired day."""

    def alert_id(self, name_or_id: str) -> int | None:
        """Return the id of the alert with this name or id."""

    def remove_alert(self, alert_id: int) -> bool:
        """Delete an alert and its firings."""

    def record_alert_event(self, alert_id: int, day: str, count: int, expected: float | None,
                           score: float | None) -> bool:
        """Record a firing; False when the day had fired already."""

    def set_alert_delivery(self, alert_id: int, day: str, delivery: str) -> None:
        """Record how a firing was delivered."""

    def alert_events(self, alert_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Return the latest firings, newest day first."""

    def source_volumes(self) -> list[dict[str, Any]]:
        """Return per outlet its articles, active days, first and last day."""

    def source_firsts(self, min_outlets: int = 2) -> dict[str, tuple[int, int]]:
        """Return per outlet (multi-outlet stories covered, of them published first)."""

    def source_copies(self) -> dict[str, tuple[int, int]]:
        """Return per outlet (its copies of other outlets' articles, its articles copied)."""

    def source_entities(self, per_source: int, latest: int) -> dict[str, list[tuple[str, int]]]:
        """Return per outlet its most covered entities in its latest articles."""

    def story_source_counts(self, story_ids: Sequence[int], day: str | None = None) -> dict[tuple[int, str], tuple[int, bool]]:
        """Return (story, outlet) → (articles, published the first report)."""

    def story_day_counts(self, story_ids: Sequence[int], days: Sequence[str]) -> dict[tuple[int, str], int]:
        """Return (story, day) → the story's articles that day."""

    def article_keywords(self, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """Return the stored keyphrases of articles, by id."""

    def bucket_counts(self, by: str, ids: Sequence[int] | None = None) -> dict[tuple[str, str], int]:
        """Return (outlet, day or hour) → articles, of the store or of some articles."""


class Store(Lifecycle, PageWriter, EntityDictionary, DerivedState, ReadModel, FeedState, Observatory, Protocol):
    """A store in every role (what ``open_store`` returns)."""

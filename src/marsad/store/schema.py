"""The store's schema, written once for SQLite and PostgreSQL (SQLAlchemy Core metadata).

The two engines differ only where they truly do: PostgreSQL partitions ``articles`` by month (the
``postgresql_partition_by`` option, ignored by SQLite) and keeps its search index in the
``search_docs`` table (a ``tsvector`` with a GIN index); SQLite's search index is a tantivy folder
beside the file. Article ids come from ``article_keys`` on both, so every derived table refers to
one id column whatever the partitioning.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import TSVECTOR

#: Version of the unified schema (``marsad_schema`` table). Stores written before it (SQLite
#: ``user_version`` 1-6, PostgreSQL ``schema_version`` 1-7) are brought to version 1 on open.
SCHEMA_VERSION = 4

metadata = MetaData()

#: SQLite's INTEGER PRIMARY KEY is its rowid (auto-assigned); PostgreSQL needs BIGINT identity.
Id = BigInteger().with_variant(Integer(), "sqlite")

pages = Table(
    "pages", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("sha256", Text, nullable=False, unique=True),
    Column("uri", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("encoding", Text),
    Column("extractor", Text),
    Column("text", Text, nullable=False),
    Column("furniture", Text, nullable=False),
    Column("fetched_at", Text),
    Column("ingested_at", Text, nullable=False),
)
article_keys = Table(
    "article_keys", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("content_key", Text, nullable=False, unique=True),
    Column("month", Date, nullable=False),
)
articles = Table(
    "articles", metadata,
    Column("id", BigInteger, nullable=False),
    Column("month", Date, nullable=False),
    Column("content_key", Text, nullable=False),
    # No foreign key to pages: on PostgreSQL attaching a partition would then lock ``pages`` against
    # every open ingest; the page row is written first, in the same transaction, by add_page alone.
    Column("page_id", BigInteger, nullable=False),
    Column("position", Integer, nullable=False),
    Column("url", Text),
    Column("source", Text),
    Column("title", Text),
    Column("date", Text),  # the publication instant in UTC, ISO 8601: the sort key
    Column("day", Text),  # the source's own calendar day of publication
    Column("date_original", Text),
    Column("author", Text),
    Column("language", Text),
    Column("text", Text, nullable=False),
    Column("data", Text, nullable=False),
    Column("ingested_at", Text, nullable=False),
    PrimaryKeyConstraint("id", "month"),
    Index("articles_source", "source"),
    Index("articles_date", "date"),
    Index("articles_day", "day"),
    Index("articles_page", "page_id"),
    Index("articles_id", "id"),
    postgresql_partition_by="RANGE (month)",
)
sightings = Table(
    "sightings", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("page_id", BigInteger, ForeignKey("pages.id"), nullable=False),
    Column("uri", Text, nullable=False),
    Column("seen_at", Text, nullable=False),
    Index("sightings_page", "page_id"),
)
rejections = Table(
    "rejections", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("uri", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Column("at", Text, nullable=False),
    Column("times", Integer, nullable=False, server_default="1"),
    UniqueConstraint("uri", "reason"),
)
meta = Table(
    "meta", metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)
fingerprints = Table(
    "fingerprints", metadata,
    Column("article_id", BigInteger, ForeignKey("article_keys.id"), primary_key=True, autoincrement=False),
    Column("content_hash", Text, nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("shingles", Integer, nullable=False),
    Index("fingerprints_hash", "content_hash"),
)
lsh_bands = Table(
    "lsh_bands", metadata,
    Column("key", BigInteger, nullable=False),
    Column("article_id", BigInteger, nullable=False),
    Index("lsh_bands_key", "key"),
)
duplicates = Table(
    "duplicates", metadata,
    Column("a", BigInteger, nullable=False),
    Column("b", BigInteger, nullable=False),
    Column("kind", Text, nullable=False),
    Column("score", Float, nullable=False),
    PrimaryKeyConstraint("a", "b"),
    Index("duplicates_b", "b"),
)
embeddings = Table(
    "embeddings", metadata,
    Column("article_id", BigInteger, ForeignKey("article_keys.id"), primary_key=True, autoincrement=False),
    Column("vector", LargeBinary, nullable=False),
)
term_df = Table(
    "term_df", metadata,
    Column("term", Text, primary_key=True),
    Column("n", Integer, nullable=False),
)
stories = Table(
    "stories", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("title", Text),
    Column("first_seen", Text),
    Column("last_seen", Text),
    Column("size", Integer, nullable=False, server_default="0"),
    Index("stories_last", "last_seen"),
)
story_articles = Table(
    "story_articles", metadata,
    Column("article_id", BigInteger, ForeignKey("article_keys.id"), primary_key=True, autoincrement=False),
    Column("story_id", BigInteger, ForeignKey("stories.id"), nullable=False),
    Column("date", Text),
    Column("score", Float, nullable=False),
    Index("story_articles_story", "story_id"),
    Index("story_articles_date", "date"),
)
story_edges = Table(
    "story_edges", metadata,
    Column("a", BigInteger, ForeignKey("article_keys.id"), nullable=False),
    Column("b", BigInteger, ForeignKey("article_keys.id"), nullable=False),
    Column("p", Float, nullable=False),
    PrimaryKeyConstraint("a", "b"),
    Index("story_edges_b", "b"),
)
article_terms = Table(
    "article_terms", metadata,
    Column("article_id", BigInteger, ForeignKey("article_keys.id"), primary_key=True, autoincrement=False),
    Column("terms", Text, nullable=False),
)
entities = Table(
    "entities", metadata,
    Column("id", Text, primary_key=True),
    Column("type", Text, nullable=False),
    Column("name", Text, nullable=False),
)
entity_aliases = Table(
    "entity_aliases", metadata,
    Column("key", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("entity_id", Text, ForeignKey("entities.id"), nullable=False),
    PrimaryKeyConstraint("key", "type", "kind", "entity_id"),
)
#: How many mentions of each type an entity has had (version 2): its type is the vote's winner.
entity_type_votes = Table(
    "entity_type_votes", metadata,
    Column("entity_id", Text, ForeignKey("entities.id"), nullable=False),
    Column("type", Text, nullable=False),
    Column("n", BigInteger, nullable=False),
    PrimaryKeyConstraint("entity_id", "type"),
)
mentions = Table(
    "mentions", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("article_id", BigInteger, ForeignKey("article_keys.id"), nullable=False),
    Column("entity_id", Text, ForeignKey("entities.id"), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    # The titles written before a person's name (version 2).
    Column("title", Text),
    Index("mentions_entity", "entity_id", "article_id"),
    Index("mentions_article", "article_id"),
)
watch_feeds = Table(
    "watch_feeds", metadata,
    Column("url", Text, primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("checked_at", Text),
    Column("status", Integer),
    Column("error", Text),
)
watch_seen = Table(
    "watch_seen", metadata,
    Column("feed_url", Text, nullable=False),
    Column("entry_id", Text, nullable=False),
    Column("seen_at", Text, nullable=False),
    PrimaryKeyConstraint("feed_url", "entry_id"),
)
#: Saved searches that raise alerts (version 4): a threshold or a spike rule on the daily count of
#: a search's matches, checked after each ingest or watch round.
alerts = Table(
    "alerts", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False, unique=True),
    Column("query", Text, nullable=False),
    Column("rule", Text, nullable=False),
    Column("threshold", Float, nullable=False),
    Column("webhook", Text),
    Column("since_day", Text),
    Column("created_at", Text, nullable=False),
)
#: One row per alert and day it fired (so a day fires once), with how it was delivered.
alert_events = Table(
    "alert_events", metadata,
    Column("alert_id", BigInteger, ForeignKey("alerts.id"), nullable=False),
    Column("day", Text, nullable=False),
    Column("count", Integer, nullable=False),
    Column("expected", Float),
    Column("score", Float),
    Column("fired_at", Text, nullable=False),
    Column("delivery", Text),
    PrimaryKeyConstraint("alert_id", "day"),
)
#: PostgreSQL only: the search index (marsad.search.postgres_backend), one row per article.
search_docs = Table(
    "search_docs", metadata,
    Column("article_id", BigInteger, ForeignKey("article_keys.id"), primary_key=True, autoincrement=False),
    Column("source", Text, nullable=False),
    Column("day", Text, nullable=False),
    Column("dayn", Integer, nullable=False),
    Column("tsv", TSVECTOR, nullable=False),
    Index("search_docs_tsv", "tsv", postgresql_using="gin"),
    Index("search_docs_dayn", "dayn"),
)
#: The unified schema's version, one row.
marsad_schema = Table(
    "marsad_schema", metadata,
    Column("version", Integer, nullable=False),
)

#: Tables only PostgreSQL has.
POSTGRES_ONLY = frozenset({"search_docs"})


def tables_for(dialect: str) -> list[Table]:
    """Return the tables a store of ``dialect`` holds, in creation order."""
    return [t for t in metadata.sorted_tables if dialect == "postgresql" or t.name not in POSTGRES_ONLY]

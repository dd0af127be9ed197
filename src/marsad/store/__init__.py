"""The system of record: ``open_store`` picks the backend from a path or URL.

One implementation (``SqlStore``) serves both engines through SQLAlchemy Core; the roles it plays
are the small protocols of ``store.base``.
"""

from __future__ import annotations

from marsad.errors import StoreError
from marsad.store.base import (
    AddResult,
    ArticleRow,
    DerivedState,
    EntityDictionary,
    FeedState,
    Lifecycle,
    PageWriter,
    ReadModel,
    Store,
)
from marsad.store.engines import POSTGRES_SCHEMES, is_postgres_url
from marsad.store.retry import is_retryable, run_transaction
from marsad.store.sqlite import SQLiteStore

__all__ = [
    "POSTGRES_SCHEMES",
    "AddResult",
    "ArticleRow",
    "DerivedState",
    "EntityDictionary",
    "FeedState",
    "Lifecycle",
    "PageWriter",
    "ReadModel",
    "SQLiteStore",
    "Store",
    "check_location",
    "is_postgres_url",
    "is_retryable",
    "open_store",
    "run_transaction",
]


def check_location(location: str) -> str:
    """Return ``location`` if a store can be kept there; raise StoreError for an empty or in-memory one."""
    if not location.strip():
        raise StoreError("no store given: --db (or MARSAD_DB) is empty; name a SQLite file or a postgresql:// URL")
    if location.strip() == ":memory:" or location.startswith("file::memory:") or "mode=memory" in location:
        raise StoreError(f"{location!r} is an in-memory store and keeps nothing after the command; name a SQLite file")
    return location


def open_store(location: str) -> Store:
    """Open the store at ``location``: a SQLite file path, or a postgresql:// URL."""
    check_location(location)
    if is_postgres_url(location):
        from marsad.store.postgres import PostgresStore

        return PostgresStore(location)
    return SQLiteStore(location)

"""The system of record: ``open_store`` picks the backend from a path or URL."""

from __future__ import annotations

from marsad.errors import StoreError
from marsad.store.base import AddResult, ArticleRow, Store
from marsad.store.sqlite import SQLiteStore

__all__ = ["AddResult", "ArticleRow", "SQLiteStore", "Store", "open_store"]


def open_store(location: str) -> Store:
    """Open the store at ``location``: a SQLite file path, or a postgresql:// URL."""
    if location.startswith(("postgresql://", "postgres://")):
        raise StoreError("the PostgreSQL backend is not available in this version; use a SQLite file path")
    return SQLiteStore(location)

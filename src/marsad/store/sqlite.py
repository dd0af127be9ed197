"""The embedded store: one SQLite file in WAL mode (the default backend)."""

from __future__ import annotations

from pathlib import Path

from marsad.errors import StoreError
from marsad.store.engines import is_postgres_url
from marsad.store.sqlstore import SqlStore


class SQLiteStore(SqlStore):
    """A store in one SQLite file (WAL mode, foreign keys on, schema migrated on open)."""

    def __init__(self, path: str | Path) -> None:
        if is_postgres_url(str(path)):
            raise StoreError(f"{path} is a PostgreSQL URL, not a SQLite file")
        super().__init__(str(path))
        self.path = str(path)

"""The scale-out store: a PostgreSQL database (the ``scale`` extra installs psycopg)."""

from __future__ import annotations

from marsad.errors import StoreError
from marsad.store.engines import is_postgres_url
from marsad.store.sqlstore import SqlStore


class PostgresStore(SqlStore):
    """A store in a PostgreSQL database (articles partitioned by month, migrations under an advisory lock)."""

    def __init__(self, url: str) -> None:
        if not is_postgres_url(url):
            raise StoreError(f"{url} is not a postgresql:// URL")
        super().__init__(url)
        self.url = url

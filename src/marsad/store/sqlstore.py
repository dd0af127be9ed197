"""Marsad's store: one implementation over SQLite and PostgreSQL, by roles (see ``store.base``)."""

from __future__ import annotations

from marsad.store.derived import SqlDerivedState
from marsad.store.feeds import SqlFeedState
from marsad.store.observe import SqlObservatory
from marsad.store.reads import SqlReadModel
from marsad.store.writes import SqlPageWriter


class SqlStore(SqlPageWriter, SqlDerivedState, SqlReadModel, SqlFeedState, SqlObservatory):
    """The store at a location: a SQLite file path, or a postgresql:// URL."""

    def partition_names(self) -> list[str]:
        """Return PostgreSQL's monthly article partitions, oldest first (none on SQLite)."""
        return self.partitions.names(self.conn) if self.partitions is not None else []

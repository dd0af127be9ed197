"""The two engines' differences in one place: how to connect, how to order text byte-wise, and
PostgreSQL's monthly article partitions. Everything else in the store is written once.

Both connections run in autocommit mode and the store issues BEGIN/COMMIT itself: SQLite needs
``BEGIN IMMEDIATE`` for write batches (a deferred transaction that later upgrades to a write lock
fails at once when another writer holds it, instead of waiting), and reads outside a batch must
not hold a transaction open at all.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from marsad.errors import StoreError

#: Seconds allowed to open a PostgreSQL connection, handshake included. A server on loopback or a
#: LAN answers in milliseconds; without a limit a listener that is not PostgreSQL held the open
#: for 130 s.
CONNECT_TIMEOUT = 10
#: Seconds a SQLite writer waits for another process's write lock before giving up.
SQLITE_BUSY_TIMEOUT = 30.0
#: URL schemes that select the PostgreSQL backend (libpq accepts both spellings).
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(location: str) -> bool:
    """Return True if ``location`` names a PostgreSQL database rather than a SQLite file."""
    return location.startswith(POSTGRES_SCHEMES)


def redacted(location: str) -> str:
    """Return a store location with any password hidden (for messages)."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", location)


def _sqlite_connect(dbapi: sqlite3.Connection, _record: Any) -> None:
    dbapi.isolation_level = None  # autocommit: the store issues BEGIN IMMEDIATE / COMMIT itself
    dbapi.execute("PRAGMA journal_mode=WAL")
    dbapi.execute("PRAGMA synchronous=NORMAL")
    dbapi.execute("PRAGMA foreign_keys=ON")


def make_engine(location: str) -> tuple[Engine, str]:
    """Return an engine for a store location (a SQLite file path, or a postgresql:// URL) and its dialect."""
    if is_postgres_url(location):
        try:
            import psycopg  # noqa: F401  (the optional "scale" extra)
        except ImportError as exc:
            raise StoreError("the PostgreSQL store needs psycopg: pip install 'marsad[scale]'") from exc
        url = make_url(location).set(drivername="postgresql+psycopg")
        engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool,
                               connect_args={"connect_timeout": CONNECT_TIMEOUT})
        return engine, "postgresql"
    parent = Path(location).parent
    if not parent.exists():
        raise StoreError(f"cannot open store {location}: folder {parent} does not exist")
    engine = create_engine("sqlite://", poolclass=NullPool, creator=lambda: sqlite3.connect(
        location, timeout=SQLITE_BUSY_TIMEOUT, isolation_level=None, check_same_thread=False))
    event.listen(engine, "connect", _sqlite_connect)
    return engine, "sqlite"


def collate_c(dialect: str) -> str:
    """Return the clause that orders text by code point (SQLite's default; PostgreSQL follows the locale)."""
    return ' COLLATE "C"' if dialect == "postgresql" else ""


def month_of(when: date) -> date:
    """Return the first day of ``when``'s month (the partition key)."""
    return date(when.year, when.month, 1)


def _next_month(m: date) -> date:
    return date(m.year + (m.month == 12), m.month % 12 + 1, 1)


class Partitions:
    """PostgreSQL's monthly partitions of ``articles``, created when a month first appears.

    ``CREATE … PARTITION OF`` would take an exclusive lock on ``articles`` and wait for every open
    ingest transaction; a plain table attached afterwards needs only SHARE UPDATE EXCLUSIVE, which
    does not conflict with concurrent inserts. The DDL runs on a side connection under the
    migration advisory lock, so it never waits on the store's own open transaction.
    """

    def __init__(self, engine: Engine, lock_key: int) -> None:
        self.engine = engine
        self.lock_key = lock_key
        self.known: set[date] = set()
        self._side: Connection | None = None

    def names(self, conn: Connection) -> list[str]:
        """Return the names of the monthly article partitions, oldest first."""
        rows = conn.execute(text(
            "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'articles' ORDER BY c.relname"
        ))
        return [str(r.name) for r in rows]

    def ensure(self, conn: Connection, month: date, in_transaction: bool) -> None:
        """Make sure the partition of ``month`` exists (and that ``conn``'s transaction sees it)."""
        if month in self.known:
            return
        name = f"articles_y{month.year:04d}m{month.month:02d}"
        if name not in self.names(conn):
            side = self._side = self._side or self.engine.connect()
            side.exec_driver_sql("BEGIN")
            try:
                side.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": self.lock_key})
                exists = side.execute(text(
                    "SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relname = :n"
                ), {"n": name}).first()
                if exists is None:
                    side.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS {name} (LIKE articles INCLUDING DEFAULTS)")
                    # DDL takes no bind parameters; both bounds are dates formatted here, never user text.
                    side.exec_driver_sql(
                        f"ALTER TABLE articles ATTACH PARTITION {name}"
                        f" FOR VALUES FROM ('{month.isoformat()}') TO ('{_next_month(month).isoformat()}')"
                    )
                side.exec_driver_sql("COMMIT")
            except BaseException:
                side.exec_driver_sql("ROLLBACK")
                raise
        if in_transaction:
            # A transaction that already holds its lock on ``articles`` does not re-read the table's
            # partition list; taking a first lock on the new partition makes it process the change.
            conn.exec_driver_sql(f"LOCK TABLE {name} IN ROW EXCLUSIVE MODE")
        self.known.add(month)

    def close(self) -> None:
        """Close the side connection."""
        if self._side is not None:
            self._side.close()
            self._side = None

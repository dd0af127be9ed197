"""The store's SQL layer: one connection, the queries' helpers and the transaction rules, for both engines.

Queries are SQL text with named parameters (SQLAlchemy ``text``), written once: SQLAlchemy turns
them into each driver's parameter style, expands list parameters into ``IN (…)`` lists, and
``{C}`` in a query stands for the byte-order collation PostgreSQL needs and SQLite has by default.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from types import TracebackType
from typing import Any

from sqlalchemy import CursorResult, TextClause, bindparam, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from marsad.errors import StoreError
from marsad.store.engines import Partitions, collate_c, make_engine, redacted
from marsad.store.migrate import LOCK_KEY, migrate
from marsad.store.retry import is_retryable
from marsad.text.normalize import NORMALIZER_VERSION

#: Ids per ``IN (…)`` list: far below SQLite's 32,766 host parameters and PostgreSQL's 65,535.
IN_CHUNK = 5000
#: SQLite result codes that mean the store itself failed, not the statement: after them the
#: transaction is gone and the run must stop with the cause.
_FATAL_SQLITE = frozenset({"SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_READONLY",
                           "SQLITE_CANTOPEN", "SQLITE_PROTOCOL"})


def now() -> str:
    """Return the current UTC time as stored (ISO 8601, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def clean(value: str | None) -> str | None:
    """Return ``value`` with NUL characters replaced one-for-one (PostgreSQL text cannot hold NUL;
    done on both engines so that both store the same text)."""
    return value.replace("\x00", "\ufffd") if value is not None and "\x00" in value else value


def chunks(ids: Sequence[Any], size: int = IN_CHUNK) -> Iterator[list[Any]]:
    """Yield ``ids`` in lists of at most ``size`` (one ``IN`` list each)."""
    for i in range(0, len(ids), size):
        yield list(ids[i : i + size])


def store_failed(exc: BaseException) -> bool:
    """Return True for an error of the store itself (disk full, I/O, connection lost), not of one statement."""
    orig = getattr(exc, "orig", exc)
    if isinstance(orig, sqlite3.DatabaseError):
        name = getattr(orig, "sqlite_errorname", "") or ""
        return any(name == c or name.startswith(c + "_") for c in _FATAL_SQLITE)
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return type(orig).__name__ in ("OperationalError",) and not is_retryable(orig) and \
        type(orig).__module__.startswith("psycopg")


@lru_cache(maxsize=4096)
def statement(sql: str, expanding: tuple[str, ...] = ()) -> TextClause:
    """Return the (cached) compiled text of a query; ``expanding`` names its list parameters."""
    stmt = text(sql)
    return stmt.bindparams(*(bindparam(name, expanding=True) for name in expanding)) if expanding else stmt


class SqlBase:
    """Connection, helpers and transactions shared by the store's roles."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.where = redacted(location)
        self.engine, self.dialect = make_engine(location)
        self.collate = collate_c(self.dialect)
        self.partitions = Partitions(self.engine, LOCK_KEY) if self.dialect == "postgresql" else None
        # Term document-frequency increments are buffered and written sorted at commit, so that
        # concurrent writers always lock term rows in the same order (no deadlocks).
        self._terms: Counter[str] = Counter()
        try:
            self.conn = self.engine.connect()
            migrate(self.conn, self.dialect)
            self._check_normalizer()
        except StoreError:
            raise
        except (SQLAlchemyError, OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open store {self.where}: {getattr(exc, 'orig', exc)}".strip()) from exc

    def _check_normalizer(self) -> None:
        self.run("INSERT INTO meta(key, value) VALUES ('normalizer_version', :v) ON CONFLICT (key) DO NOTHING",
                 v=str(NORMALIZER_VERSION))
        stored = self.scalar("SELECT value FROM meta WHERE key='normalizer_version'")
        if stored is not None and int(stored) != NORMALIZER_VERSION:
            raise StoreError(
                f"store {self.where} was built with normalizer v{stored}, this Marsad has v{NORMALIZER_VERSION}; "
                "re-derive it with `marsad reindex`"
            )

    # -- queries ---------------------------------------------------------------------------------

    def run(self, sql: str, **params: Any) -> CursorResult[Any]:
        """Execute one statement (list parameters become ``IN`` lists; ``{C}`` the byte-order collation)."""
        expanding = tuple(sorted(k for k, v in params.items() if isinstance(v, list | tuple | set | frozenset)))
        for k in expanding:
            params[k] = list(params[k])
        return self.conn.execute(statement(sql.replace("{C}", self.collate), expanding), params)

    def run_many(self, sql: str, rows: Sequence[dict[str, Any]]) -> None:
        """Execute one statement for each parameter row."""
        if rows:
            self.conn.execute(statement(sql.replace("{C}", self.collate), ()), list(rows))

    def tuples(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        """Return every result row as a plain tuple."""
        return [tuple(r) for r in self.run(sql, **params)]

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        """Return every result row as a dict."""
        return [dict(r) for r in self.run(sql, **params).mappings()]

    def first(self, sql: str, **params: Any) -> dict[str, Any] | None:
        """Return the first result row as a dict, or None."""
        row = self.run(sql, **params).mappings().first()
        return dict(row) if row is not None else None

    def scalar(self, sql: str, **params: Any) -> Any:
        """Return the first column of the first row, or None."""
        return self.run(sql, **params).scalar()

    def fetch(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        """Run any read query (tests and benchmarks look inside the store with it)."""
        return self.rows(sql, **params)

    # -- transactions ----------------------------------------------------------------------------

    @property
    def dbapi(self) -> Any:
        """Return the driver's own connection (sqlite3 or psycopg)."""
        return self.conn.connection.dbapi_connection

    @property
    def in_transaction(self) -> bool:
        """Return True while an explicit transaction is open."""
        raw = self.dbapi
        if self.dialect == "sqlite":
            return bool(raw.in_transaction)
        return bool(raw.info.transaction_status != 0)  # psycopg.pq.TransactionStatus.IDLE

    def begin(self) -> None:
        """Start a write transaction (batches of pages commit together)."""
        if not self.in_transaction:
            self._fail_as_store(lambda: self.conn.exec_driver_sql("BEGIN IMMEDIATE" if self.dialect == "sqlite" else "BEGIN"))

    def commit(self) -> None:
        """Write buffered term counts and commit the current transaction, if any."""
        try:
            self._flush_terms()
            if self.in_transaction:
                self.conn.exec_driver_sql("COMMIT")
        except (SQLAlchemyError, sqlite3.Error) as exc:
            self.rollback()
            raise StoreError(f"store {self.where}: {getattr(exc, 'orig', exc)}") from exc

    def rollback(self) -> None:
        """Abandon the current transaction, if any (after a disk or I/O error there may be none left)."""
        self._terms.clear()
        with contextlib.suppress(SQLAlchemyError, sqlite3.Error):
            if self.in_transaction:
                self.conn.exec_driver_sql("ROLLBACK")

    def _fail_as_store(self, work: Any) -> Any:
        try:
            return work()
        except (SQLAlchemyError, sqlite3.Error) as exc:
            raise StoreError(f"store {self.where}: {getattr(exc, 'orig', exc)}") from exc

    def add_terms(self, terms: Sequence[str]) -> None:
        """Count one more document for each term (buffered until commit)."""
        self._terms.update(set(terms))

    def _flush_terms(self) -> None:
        if not self._terms:
            return
        rows = [{"t": clean(t), "n": n} for t, n in sorted(self._terms.items())]
        self._terms.clear()
        self.run_many(
            "INSERT INTO term_df(term, n) VALUES (:t, :n) ON CONFLICT (term) DO UPDATE SET n = term_df.n + excluded.n", rows
        )

    # -- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> SqlBase:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if kind is not None:
            self.rollback()
        self.close()

    def close(self) -> None:
        """Commit what is pending (an open transaction, buffered term counts) and close the store."""
        try:
            if self.in_transaction or self._terms:
                self.commit()
        except StoreError:
            pass  # the store failed; commit() rolled back and there is nothing more to keep
        if self.partitions is not None:
            self.partitions.close()
        with contextlib.suppress(SQLAlchemyError, sqlite3.Error):
            self.conn.close()
        self.engine.dispose()

    def schema_version(self) -> int:
        """Return the schema version recorded in the store."""
        return int(self.scalar("SELECT max(version) FROM marsad_schema") or 0)

    def integrity_ok(self) -> bool:
        """Return True if the database reports no corruption (SQLite's integrity check; always on PostgreSQL)."""
        if self.dialect != "sqlite":
            return True
        return str(self.scalar("PRAGMA integrity_check")) == "ok"

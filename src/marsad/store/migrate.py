"""Opening a store brings its schema to this version: created fresh, converted from an earlier
version's layout (``legacy``), or moved forward by the migration steps, under one lock.

Steps are written with Alembic's operations (``op.add_column`` and the like), which render the
right DDL for each engine, so a schema change is written once. Alembic is used as a library:
Marsad is embedded and migrates on open, so there is no ``alembic.ini``, no revision files and no
command line, only the ordered list ``STEPS`` and the ``marsad_schema`` version row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import BigInteger, Column, Connection, ForeignKey, PrimaryKeyConstraint, Text, inspect, text

from marsad.errors import StoreError
from marsad.store import legacy
from marsad.store.schema import SCHEMA_VERSION, tables_for

log = logging.getLogger(__name__)

#: Key of the advisory lock that serializes PostgreSQL migrations and partition creation across
#: processes (an arbitrary constant: the bytes of "marsad" read as an integer).
LOCK_KEY = int.from_bytes(b"marsad", "big")

def _mention_titles(ops: Operations, dialect: str) -> None:
    """Version 2: a mention keeps the titles written before a person's name; an entity's type is
    decided by a vote over its mentions (issue 14)."""
    # An earlier layout upgraded on open may have got either from the unified schema already.
    found = inspect(ops.get_bind())
    if "title" not in {c["name"] for c in found.get_columns("mentions")}:
        ops.add_column("mentions", Column("title", Text))
    if "entity_type_votes" not in found.get_table_names():
        _create_votes(ops)
    # Stores written before hold one vote per mention for the type their entity was given.
    ops.execute("INSERT INTO entity_type_votes(entity_id, type, n) SELECT m.entity_id, e.type, count(*)"
                " FROM mentions m JOIN entities e ON e.id = m.entity_id GROUP BY m.entity_id, e.type")


def _create_votes(ops: Operations) -> None:
    """Create the type-vote table as ``schema.entity_type_votes`` defines it."""
    ops.create_table(
        "entity_type_votes",
        Column("entity_id", Text, ForeignKey("entities.id"), nullable=False),
        Column("type", Text, nullable=False),
        Column("n", BigInteger, nullable=False),
        PrimaryKeyConstraint("entity_id", "type"),
    )


def _story_edges(ops: Operations, dialect: str) -> None:
    """Version 3: the story stage keeps the pair scores it computed, for its re-clustering pass (issue 13)."""
    from marsad.store.schema import story_edges

    story_edges.create(ops.get_bind(), checkfirst=True)


def _alerts(ops: Operations, dialect: str) -> None:
    """Version 4: saved searches with alert rules and the days they fired (issue 17)."""
    from marsad.store.schema import alert_events, alerts

    alerts.create(ops.get_bind(), checkfirst=True)
    alert_events.create(ops.get_bind(), checkfirst=True)


#: Schema steps after version 1, in order: ``STEPS[k]`` moves a store from version k+1 to k+2.
STEPS: tuple[Callable[[Operations, str], None], ...] = (_mention_titles, _story_edges, _alerts)
assert len(STEPS) == SCHEMA_VERSION - 1, "one step per version after the first"


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


def _legacy_version(conn: Connection, dialect: str, tables: set[str]) -> int:
    """Return the version an earlier Marsad recorded (0 for an empty database)."""
    if dialect == "sqlite":
        return int(conn.exec_driver_sql("PRAGMA user_version").scalar() or 0)
    if "schema_version" in tables:
        return int(conn.exec_driver_sql("SELECT max(version) FROM schema_version").scalar() or 0)
    return 0


def _run(conn: Connection, script: str) -> None:
    for statement in script.split(";"):
        if statement.strip():
            conn.exec_driver_sql(statement)


def _from_legacy(conn: Connection, dialect: str, version: int) -> None:
    """Bring a store of an earlier layout to the unified schema."""
    history = legacy.SQLITE if dialect == "sqlite" else legacy.POSTGRES
    if version > len(history):
        raise StoreError(f"store has schema version {version}, newer than this Marsad knows; upgrade Marsad")
    for i in range(version, len(history)):
        _run(conn, history[i])
        if dialect == "sqlite":
            conn.exec_driver_sql(f"PRAGMA user_version={i + 1}")
        else:
            conn.exec_driver_sql(f"INSERT INTO schema_version(version) VALUES ({i + 1})")
    if dialect == "sqlite":
        # SQLite articles took their ids themselves and had no month: article_keys gives both
        # engines one id column (the ids are kept, so every derived row still points right).
        month = "substr(coalesce(date, ingested_at), 1, 7) || '-01'"
        _run(conn, f"""
            CREATE TABLE article_keys (id INTEGER PRIMARY KEY, content_key TEXT NOT NULL UNIQUE, month DATE NOT NULL);
            ALTER TABLE articles ADD COLUMN month DATE;
            UPDATE articles SET month = {month};
            INSERT INTO article_keys(id, content_key, month) SELECT id, content_key, month FROM articles;
            CREATE INDEX IF NOT EXISTS articles_id ON articles(id)
        """)


def migrate(conn: Connection, dialect: str) -> int:
    """Bring the schema to ``SCHEMA_VERSION`` (the connection is in autocommit mode); return it.

    One process at a time: SQLite takes its write lock first (BEGIN IMMEDIATE), PostgreSQL an
    advisory lock; a second opener then finds the work done.
    """
    conn.exec_driver_sql("BEGIN IMMEDIATE" if dialect == "sqlite" else "BEGIN")
    try:
        if dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        tables = _tables(conn)
        if "marsad_schema" in tables:
            version = int(conn.exec_driver_sql("SELECT max(version) FROM marsad_schema").scalar() or 0)
        else:
            old = _legacy_version(conn, dialect, tables)
            if old or "pages" in tables:
                _from_legacy(conn, dialect, old)
            for table in tables_for(dialect):
                table.create(conn, checkfirst=True)
            conn.exec_driver_sql(f"INSERT INTO marsad_schema(version) VALUES ({SCHEMA_VERSION if not old else 1})")
            version = SCHEMA_VERSION if not old else 1
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"store has schema version {version}, newer than this Marsad ({SCHEMA_VERSION}); upgrade Marsad"
            )
        if version < SCHEMA_VERSION:
            ops = Operations(MigrationContext.configure(connection=conn))
            for step in STEPS[version - 1 :]:
                log.info("migrating the %s store: %s", dialect, step.__name__)
                step(ops, dialect)
            conn.exec_driver_sql(f"UPDATE marsad_schema SET version = {SCHEMA_VERSION}")
        conn.exec_driver_sql("COMMIT")
    except BaseException:
        conn.exec_driver_sql("ROLLBACK")
        raise
    return SCHEMA_VERSION

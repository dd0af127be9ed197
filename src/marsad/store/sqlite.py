"""The embedded store: one SQLite file in WAL mode, the system of record for pages and articles."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from marsad.errors import StoreError
from marsad.models import Page, Rejection
from marsad.store.base import AddResult, ArticleRow
from marsad.text.normalize import NORMALIZER_VERSION

# Each entry upgrades the schema by one version; PRAGMA user_version records where a file is.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE pages (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        uri TEXT NOT NULL,
        kind TEXT NOT NULL,
        encoding TEXT,
        extractor TEXT,
        text TEXT NOT NULL,
        furniture TEXT NOT NULL,
        fetched_at TEXT,
        ingested_at TEXT NOT NULL
    );
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        content_key TEXT NOT NULL UNIQUE,
        page_id INTEGER NOT NULL REFERENCES pages(id),
        position INTEGER NOT NULL,
        url TEXT,
        source TEXT,
        title TEXT,
        date TEXT,
        date_original TEXT,
        author TEXT,
        language TEXT,
        text TEXT NOT NULL,
        data TEXT NOT NULL,
        ingested_at TEXT NOT NULL
    );
    CREATE INDEX articles_source ON articles(source);
    CREATE INDEX articles_date ON articles(date);
    CREATE INDEX articles_page ON articles(page_id);
    CREATE TABLE sightings (
        id INTEGER PRIMARY KEY,
        page_id INTEGER NOT NULL REFERENCES pages(id),
        uri TEXT NOT NULL,
        seen_at TEXT NOT NULL
    );
    CREATE INDEX sightings_page ON sightings(page_id);
    CREATE TABLE rejections (
        id INTEGER PRIMARY KEY,
        uri TEXT NOT NULL,
        reason TEXT NOT NULL,
        detail TEXT NOT NULL,
        at TEXT NOT NULL,
        times INTEGER NOT NULL DEFAULT 1,
        UNIQUE (uri, reason)
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SQLiteStore:
    """Marsad's SQLite store (WAL mode, foreign keys on, schema migrated on open)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            parent = Path(self.path).parent
            if not parent.exists():
                raise StoreError(f"cannot open store {self.path}: folder {parent} does not exist")
        try:
            self.conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc

    def _migrate(self) -> None:
        version = int(self.conn.execute("PRAGMA user_version").fetchone()[0])
        if version < SCHEMA_VERSION:
            # Take the write lock first and look again: another process may be migrating right now.
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                version = int(self.conn.execute("PRAGMA user_version").fetchone()[0])
                for i in range(version, SCHEMA_VERSION):
                    for statement in MIGRATIONS[i].split(";"):
                        if statement.strip():
                            self.conn.execute(statement)
                    self.conn.execute(f"PRAGMA user_version={i + 1}")
                self.conn.execute("COMMIT")
            except sqlite3.DatabaseError:
                self.rollback()
                raise
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"store {self.path} has schema version {version}, newer than this Marsad ({SCHEMA_VERSION}); upgrade Marsad"
            )
        self._check_versions()

    def _check_versions(self) -> None:
        row = self.conn.execute("SELECT value FROM meta WHERE key='normalizer_version'").fetchone()
        if row is None:
            self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('normalizer_version', ?)", (str(NORMALIZER_VERSION),))
        elif int(row[0]) != NORMALIZER_VERSION:
            raise StoreError(
                f"store {self.path} was built with normalizer v{row[0]}, this Marsad has v{NORMALIZER_VERSION}; "
                "re-derive it with `marsad reindex`"
            )

    # -- writing ---------------------------------------------------------------------------------

    def begin(self) -> None:
        """Start a write transaction (batches of pages commit together)."""
        self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        """Commit the current transaction, if any."""
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")

    def rollback(self) -> None:
        """Abandon the current transaction, if any."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def add_page(self, page: Page, uri: str | None = None) -> AddResult:
        """Store a page and its articles once; a page or article seen before is only counted."""
        assert page.sha256 is not None, "pages are stored by the hash of their raw bytes"
        now = _now()
        seen_uri = uri or page.uri
        row = self.conn.execute("SELECT id FROM pages WHERE sha256=?", (page.sha256,)).fetchone()
        if row is not None:
            self.conn.execute("INSERT INTO sightings(page_id, uri, seen_at) VALUES (?,?,?)", (row[0], seen_uri, now))
            return AddResult(page_id=int(row[0]), new_page=False, article_ids=[], duplicates=len(page.articles))
        furniture = {k: v for k, v in page.to_dict().items() if k in ("read_also", "read_also_spans", "related", "boilerplate")}
        cur = self.conn.execute(
            "INSERT INTO pages(sha256, uri, kind, encoding, extractor, text, furniture, fetched_at, ingested_at)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            (
                page.sha256,
                page.uri,
                page.kind,
                page.encoding,
                page.extractor,
                page.text,
                json.dumps(furniture, ensure_ascii=False),
                page.fetched_at.isoformat() if page.fetched_at else None,
                now,
            ),
        )
        page_id = int(cur.lastrowid or 0)
        self.conn.execute("INSERT INTO sightings(page_id, uri, seen_at) VALUES (?,?,?)", (page_id, seen_uri, now))
        ids: list[int] = []
        dups = 0
        for position, article in enumerate(page.articles):
            d = article.to_dict()
            cur = self.conn.execute(
                "INSERT OR IGNORE INTO articles(content_key, page_id, position, url, source, title, date,"
                " date_original, author, language, text, data, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    article.content_key(),
                    page_id,
                    position,
                    article.url,
                    d["source"],
                    d["title"],
                    d["date"],
                    d["date_original"],
                    d["author"],
                    article.language,
                    article.text,
                    json.dumps(d, ensure_ascii=False),
                    now,
                ),
            )
            if cur.rowcount == 1:
                ids.append(int(cur.lastrowid or 0))
            else:
                dups += 1
        return AddResult(page_id=page_id, new_page=True, article_ids=ids, duplicates=dups)

    def add_rejection(self, rejection: Rejection) -> None:
        """Record why an input was not stored."""
        # One row per (input, reason): re-ingesting the same bad file updates it instead of piling up.
        self.conn.execute(
            "INSERT INTO rejections(uri, reason, detail, at) VALUES (?,?,?,?)"
            " ON CONFLICT(uri, reason) DO UPDATE SET detail=excluded.detail, at=excluded.at, times=times+1",
            (rejection.source, rejection.reason, rejection.detail[:2000], _now()),
        )

    # -- reading ---------------------------------------------------------------------------------

    def articles(self, limit: int | None = None, offset: int = 0, source: str | None = None) -> list[ArticleRow]:
        """Return stored articles (id order), optionally one source's, paginated."""
        sql = "SELECT id, url, source, title, date FROM articles"
        args: list[Any] = []
        if source:
            sql += " WHERE source=?"
            args.append(source)
        sql += " ORDER BY id LIMIT ? OFFSET ?"
        args += [-1 if limit is None else limit, offset]
        return [ArticleRow(r["id"], r["url"], r["source"], r["title"], r["date"]) for r in self.conn.execute(sql, args)]

    def iter_articles(self) -> Iterator[dict[str, Any]]:
        """Yield every stored article's full JSON form with its id, in id order."""
        for r in self.conn.execute("SELECT id, page_id, data FROM articles ORDER BY id"):
            d = json.loads(r["data"])
            d["id"] = r["id"]
            d["page_id"] = r["page_id"]
            yield d

    def article(self, article_id: int) -> dict[str, Any] | None:
        """Return one article's full JSON form with provenance, or None."""
        r = self.conn.execute(
            "SELECT a.id, a.data, a.ingested_at, a.page_id, p.uri, p.kind, p.sha256 FROM articles a"
            " JOIN pages p ON p.id = a.page_id WHERE a.id=?",
            (article_id,),
        ).fetchone()
        if r is None:
            return None
        d: dict[str, Any] = json.loads(r["data"])
        sightings = self.conn.execute(
            "SELECT uri, seen_at FROM sightings WHERE page_id=? ORDER BY id", (r["page_id"],)
        ).fetchall()
        d.update(
            id=r["id"],
            page_id=r["page_id"],
            ingested_at=r["ingested_at"],
            provenance={
                "page_uri": r["uri"],
                "page_kind": r["kind"],
                "page_sha256": r["sha256"],
                "sightings": [{"uri": s["uri"], "seen_at": s["seen_at"]} for s in sightings],
            },
        )
        return d

    def page_text(self, page_id: int) -> str | None:
        """Return a page's original text (spans point into it)."""
        r = self.conn.execute("SELECT text FROM pages WHERE id=?", (page_id,)).fetchone()
        return None if r is None else str(r[0])

    def rejections(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Return recorded rejections, newest first."""
        rows = self.conn.execute(
            "SELECT id, uri, reason, detail, at, times FROM rejections ORDER BY at DESC, id DESC LIMIT ?", (-1 if limit is None else limit,)
        )
        return [dict(r) for r in rows]

    def counts(self) -> dict[str, int]:
        """Return row counts of the main tables."""
        out: dict[str, int] = {}
        for table in ("pages", "articles", "rejections"):
            out[table] = int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        return out

    def sources(self) -> list[tuple[str, int]]:
        """Return (source, article count) pairs, largest first."""
        rows = self.conn.execute(
            "SELECT coalesce(source, '') AS s, count(*) AS n FROM articles GROUP BY s ORDER BY n DESC, s"
        )
        return [(r["s"], int(r["n"])) for r in rows]

    def integrity_ok(self) -> bool:
        """Return True if SQLite's integrity check passes."""
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0]) == "ok"

    def close(self) -> None:
        """Commit anything pending and close the file."""
        try:
            self.commit()
        finally:
            self.conn.close()

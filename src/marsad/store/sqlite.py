"""The embedded store: one SQLite file in WAL mode, the system of record for pages and articles."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from marsad.errors import StoreError
from marsad.models import Article, Page, Rejection
from marsad.store.base import STORY_DAY_COUNT, AddResult, ArticleRow, rejection_detail, story_page_sql
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
    # 2: dedup and stories — fingerprints with LSH band keys, duplicate pairs, embeddings, term
    # document frequencies, stories and their members.
    """
    CREATE TABLE fingerprints (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id),
        content_hash TEXT NOT NULL,
        signature BLOB NOT NULL,
        shingles INTEGER NOT NULL
    );
    CREATE INDEX fingerprints_hash ON fingerprints(content_hash);
    CREATE TABLE lsh_bands (key INTEGER NOT NULL, article_id INTEGER NOT NULL);
    CREATE INDEX lsh_bands_key ON lsh_bands(key);
    CREATE TABLE duplicates (
        a INTEGER NOT NULL,
        b INTEGER NOT NULL,
        kind TEXT NOT NULL,
        score REAL NOT NULL,
        PRIMARY KEY (a, b)
    );
    CREATE INDEX duplicates_b ON duplicates(b);
    CREATE TABLE embeddings (article_id INTEGER PRIMARY KEY REFERENCES articles(id), vector BLOB NOT NULL);
    CREATE TABLE term_df (term TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE stories (
        id INTEGER PRIMARY KEY,
        title TEXT,
        first_seen TEXT,
        last_seen TEXT,
        size INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX stories_last ON stories(last_seen);
    CREATE TABLE story_articles (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id),
        story_id INTEGER NOT NULL REFERENCES stories(id),
        date TEXT,
        score REAL NOT NULL
    );
    CREATE INDEX story_articles_story ON story_articles(story_id);
    CREATE INDEX story_articles_date ON story_articles(date);
    """,
    # 3: each article's content terms (headline + lead), computed once by the stories stage.
    """
    CREATE TABLE article_terms (article_id INTEGER PRIMARY KEY REFERENCES articles(id), terms TEXT NOT NULL);
    """,
    # 4: canonical entities, the keys that identify them across articles, and their mentions.
    """
    CREATE TABLE entities (id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL);
    CREATE TABLE entity_aliases (
        key TEXT NOT NULL,
        type TEXT NOT NULL,
        kind TEXT NOT NULL,
        entity_id TEXT NOT NULL REFERENCES entities(id),
        PRIMARY KEY (key, type, kind, entity_id)
    ) WITHOUT ROWID;
    CREATE TABLE mentions (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id),
        entity_id TEXT NOT NULL REFERENCES entities(id),
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX mentions_entity ON mentions(entity_id, article_id);
    CREATE INDEX mentions_article ON mentions(article_id);
    """,
    # 5: the feed watcher's state (validators per feed, entries handled). ``IF NOT EXISTS``: older
    # versions of the watcher created these tables themselves.
    """
    CREATE TABLE IF NOT EXISTS watch_feeds (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT,
        checked_at TEXT, status INTEGER, error TEXT);
    CREATE TABLE IF NOT EXISTS watch_seen (feed_url TEXT NOT NULL, entry_id TEXT NOT NULL,
        seen_at TEXT NOT NULL, PRIMARY KEY (feed_url, entry_id));
    """,
    # 6: each article's publication day in its source's own calendar (the instant stays in ``date``,
    # UTC, for ordering); older rows get the UTC day they had.
    """
    ALTER TABLE articles ADD COLUMN day TEXT;
    UPDATE articles SET day = substr(date, 1, 10) WHERE date GLOB '[0-9][0-9][0-9][0-9]-*';
    CREATE INDEX articles_day ON articles(day);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


#: Ids per ``IN (...)`` query: below SQLite's default limit of 999 host parameters (older builds).
_IN_CHUNK = 900


def _chunks(ids: Sequence[Any]) -> Iterator[list[Any]]:
    for i in range(0, len(ids), _IN_CHUNK):
        yield list(ids[i : i + _IN_CHUNK])


#: Entities listed per story: enough for "who and where" of a news story, short enough for a list view.
STORY_TOP_ENTITIES = 5


def _utc(article: Article) -> str | None:
    """Return the stored sort key of an article's date: its instant in UTC, ISO 8601."""
    return article.date_utc.isoformat() if article.date_utc else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


#: Entity types the NER produces (CoNLL-style labels); a search's ``entity:`` text is looked up under each.
ENTITY_TYPES = ("PER", "LOC", "ORG", "MISC")


def _single(ids: set[str]) -> set[str]:
    """Return ``ids`` when it names exactly one entity, else nothing (an ambiguous surname decides nothing)."""
    return ids if len(ids) == 1 else set()


def _ranked_entities(counts: dict[str, list[int]], info: dict[str, tuple[str, str]], limit: int) -> list[dict[str, Any]]:
    """Order entity counts as the stores do: most articles, then most mentions, then name (code-point order)."""
    ranked = sorted((eid for eid in counts if eid in info), key=lambda e: (-counts[e][0], -counts[e][1], info[e][1], e))
    return [
        {"id": eid, "type": info[eid][0], "name": info[eid][1], "articles": counts[eid][0], "mentions": counts[eid][1]}
        for eid in ranked[:limit]
    ]


def _recent(aid: int, url: str | None, source: str | None, title: str | None, date: str | None, data: str,
            day: str | None = None) -> dict[str, Any]:
    """Return the home/listing form of an article with its first tags."""
    tags = json.loads(data).get("tags", [])[:4]
    return {"id": int(aid), "url": url, "source": source, "title": title, "date": date, "day": day, "tags": tags}


#: SQLite result codes that mean the store itself failed, not the page being written.
_FATAL_CODES = frozenset({"SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_READONLY",
                          "SQLITE_CANTOPEN", "SQLITE_PROTOCOL"})


def _store_failed(exc: BaseException) -> bool:
    """Return True for an error of the store itself (disk full, I/O), after which the batch is lost."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return isinstance(exc, sqlite3.DatabaseError) and any(name == c or name.startswith(c + "_") for c in _FATAL_CODES)


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
            try:
                self.conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                self.rollback()
                raise StoreError(f"store {self.path}: {exc}") from exc

    def rollback(self) -> None:
        """Abandon the current transaction, if any."""
        if self.conn.in_transaction:
            # After a disk or I/O error SQLite may have rolled back already: nothing is left to undo.
            with contextlib.suppress(sqlite3.DatabaseError):
                self.conn.execute("ROLLBACK")

    def add_page(self, page: Page, uri: str | None = None) -> AddResult:
        """Store a page and its articles once; a page or article seen before is only counted.

        All of one page or none of it: a failure rolls back to a savepoint, so the batch's other
        pages stay, and the error propagates for the caller to record.
        """
        try:
            self.conn.execute("SAVEPOINT add_page")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"store {self.path}: {exc}") from exc
        try:
            result = self._add_page(page, uri)
        except BaseException as exc:
            if not self.conn.in_transaction or _store_failed(exc):
                # SQLite rolled the whole transaction back (disk full, I/O error): the batch is gone
                # and no later page may be written outside it; stop with the real cause.
                self.rollback()
                raise StoreError(f"store {self.path}: {exc}") from exc
            self.conn.execute("ROLLBACK TO add_page")
            self.conn.execute("RELEASE add_page")
            raise
        self.conn.execute("RELEASE add_page")
        return result

    def _add_page(self, page: Page, uri: str | None) -> AddResult:
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
            found = article.extras.get("entities")
            if isinstance(found, list) and found:
                self._resolve_entities(found)
            d = article.to_dict()
            cur = self.conn.execute(
                "INSERT OR IGNORE INTO articles(content_key, page_id, position, url, source, title, date, day,"
                " date_original, author, language, text, data, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    article.content_key(),
                    page_id,
                    position,
                    article.url,
                    d["source"],
                    d["title"],
                    _utc(article),
                    d["day"],
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
                if isinstance(found, list) and found:
                    self.conn.executemany(
                        'INSERT INTO mentions(article_id, entity_id, start, "end", text) VALUES (?,?,?,?,?)',
                        [(ids[-1], m["id"], m["start"], m["end"], m["text"]) for m in found],
                    )
            else:
                dups += 1
        return AddResult(page_id=page_id, new_page=True, article_ids=ids, duplicates=dups)

    # -- entities --------------------------------------------------------------------------------

    def _resolve_entities(self, mentions: list[dict[str, Any]]) -> None:
        """Give each mention the store's id for its entity: a known one by key, else register it."""
        from marsad.entities.canonical import alias_keys

        mapping: dict[str, str] = {}
        groups: dict[str, list[dict[str, Any]]] = {}
        for m in mentions:
            groups.setdefault(str(m["id"]), []).append(m)
        for local_id, group in groups.items():
            typ, name = str(group[0]["type"]), str(group[0]["name"])
            stored = self._lookup_entity(local_id, typ, name)
            if stored is None:
                stored = local_id
                self.conn.execute("INSERT OR IGNORE INTO entities(id, type, name) VALUES (?,?,?)", (stored, typ, name))
            aliases = {a for form in {name, *(str(m["text"]) for m in group)} for a in alias_keys(form, typ)}
            self.conn.executemany(
                "INSERT OR IGNORE INTO entity_aliases(key, type, kind, entity_id) VALUES (?,?,?,?)",
                [(key, typ, kind, stored) for key, kind in aliases],
            )
            mapping[local_id] = stored
        stored_ids = sorted(set(mapping.values()))
        names: dict[str, str] = {}
        for chunk in _chunks(stored_ids):
            rows = self.conn.execute(f"SELECT id, name FROM entities WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            names.update((str(r[0]), str(r[1])) for r in rows)
        for m in mentions:
            m["id"] = mapping[str(m["id"])]
            m["name"] = names.get(m["id"], m["name"])

    def _lookup_entity(self, local_id: str, typ: str, name: str) -> str | None:
        from marsad.entities.canonical import alias_keys

        if self.conn.execute("SELECT 1 FROM entities WHERE id=?", (local_id,)).fetchone():
            return local_id
        for key, kind in alias_keys(name, typ):
            if kind != "name":
                continue
            rows = {r[0] for r in self.conn.execute(
                "SELECT entity_id FROM entity_aliases WHERE key=? AND type=? AND kind='name'", (key, typ))}
            if len(rows) == 1:
                return str(rows.pop())
            if typ == "PER" and " " not in name.strip():
                # A bare surname joins the one known person with that surname (بوتين → فلاديمير بوتين).
                rows = {r[0] for r in self.conn.execute(
                    "SELECT entity_id FROM entity_aliases WHERE key=? AND type='PER' AND kind='surname'", (key,))}
                if len(rows) == 1:
                    return str(rows.pop())
        return None

    def entities(self, type: str | None = None, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        """Return entities with mention and article counts and their surface forms, most mentioned first."""
        sql = (
            "SELECT e.id, e.type, e.name, count(m.id) AS mentions, count(DISTINCT m.article_id) AS articles"
            " FROM entities e JOIN mentions m ON m.entity_id = e.id"
        )
        args: list[Any] = []
        if type:
            sql += " WHERE e.type=?"
            args.append(type)
        sql += " GROUP BY e.id ORDER BY mentions DESC, e.name, e.id LIMIT ? OFFSET ?"
        args += [-1 if limit is None else limit, offset]
        out = [dict(r) for r in self.conn.execute(sql, args)]
        for e in out:
            forms = self.conn.execute(
                "SELECT text, count(*) AS n FROM mentions WHERE entity_id=? GROUP BY text ORDER BY n DESC, text LIMIT 20",
                (e["id"],),
            )
            e["forms"] = {r["text"]: r["n"] for r in forms}
        return out

    def entity(self, entity_id: str) -> dict[str, Any] | None:
        """Return one entity with its mentions per day, co-occurring entities and recent articles."""
        row = self.conn.execute("SELECT id, type, name FROM entities WHERE id=?", (entity_id,)).fetchone()
        if row is None:
            return None
        out = dict(row)
        out["forms"] = {r[0]: r[1] for r in self.conn.execute(
            "SELECT text, count(*) FROM mentions WHERE entity_id=? GROUP BY text ORDER BY 2 DESC, text", (entity_id,))}
        out["timeline"] = [
            {"date": r[0], "mentions": r[1]}
            for r in self.conn.execute(
                "SELECT coalesce(a.day, substr(a.ingested_at, 1, 10)) AS day, count(*) FROM mentions m"
                " JOIN articles a ON a.id = m.article_id WHERE m.entity_id=? GROUP BY day ORDER BY day",
                (entity_id,),
            )
        ]
        out["cooccurring"] = [
            {"id": r[0], "type": r[1], "name": r[2], "articles": r[3]}
            for r in self.conn.execute(
                "SELECT e.id, e.type, e.name, count(DISTINCT o.article_id) AS n FROM mentions m"
                " JOIN mentions o ON o.article_id = m.article_id AND o.entity_id != m.entity_id"
                " JOIN entities e ON e.id = o.entity_id WHERE m.entity_id=?"
                " GROUP BY e.id ORDER BY n DESC, e.name, e.id LIMIT 20",
                (entity_id,),
            )
        ]
        out["articles"] = [
            ArticleRow(r[0], r[1], r[2], r[3], r[4]).to_dict()
            for r in self.conn.execute(
                "SELECT DISTINCT a.id, a.url, a.source, a.title, a.date FROM mentions m JOIN articles a ON a.id = m.article_id"
                " WHERE m.entity_id=? ORDER BY a.date DESC, a.id DESC LIMIT 50",
                (entity_id,),
            )
        ]
        return out

    def add_rejection(self, rejection: Rejection, count: int = 1) -> None:
        """Record why an input was not stored (``count`` items of one source for one reason)."""
        # One row per (input, reason): re-ingesting the same bad file, or a file of a million bad
        # items, updates one row and its count instead of piling up rows.
        self.conn.execute(
            "INSERT INTO rejections(uri, reason, detail, at, times) VALUES (?,?,?,?,?)"
            " ON CONFLICT(uri, reason) DO UPDATE SET detail=excluded.detail, at=excluded.at, times=times+excluded.times",
            (rejection.source, rejection.reason, rejection_detail(rejection), _now(), count),
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

    # -- dedup and stories -----------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        """Return a meta value (scheme versions and the like), or None."""
        r = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if r is None else str(r[0])

    def set_meta(self, key: str, value: str) -> None:
        """Set a meta value."""
        self.conn.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, value))

    def article_texts(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        """Return ``{"id", "url", "source", "title", "date", "day", "text"}`` for the given ids, in id order."""
        out: list[dict[str, Any]] = []
        for chunk in _chunks(sorted(set(ids))):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT id, url, source, title, date, day, text FROM articles WHERE id IN ({marks}) ORDER BY id", chunk
            )
            out.extend(dict(r) for r in rows)
        return out

    def article_rows(self, ids: Sequence[int]) -> dict[int, ArticleRow]:
        """Return the listing form of the given articles, by id."""
        out: dict[int, ArticleRow] = {}
        for chunk in _chunks(sorted(set(ids))):
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(f"SELECT id, url, source, title, date FROM articles WHERE id IN ({marks})", chunk):
                out[int(r["id"])] = ArticleRow(r["id"], r["url"], r["source"], r["title"], r["date"])
        return out

    def ids_without_fingerprint(self, limit: int | None = None) -> list[int]:
        """Return ids of articles not yet fingerprinted (for catching up an older store)."""
        rows = self.conn.execute(
            "SELECT a.id FROM articles a LEFT JOIN fingerprints f ON f.article_id = a.id"
            " WHERE f.article_id IS NULL ORDER BY a.id LIMIT ?",
            (-1 if limit is None else limit,),
        )
        return [int(r[0]) for r in rows]

    def ids_without_story(self, limit: int | None = None) -> list[int]:
        """Return ids of articles not yet assigned to a story."""
        rows = self.conn.execute(
            "SELECT a.id FROM articles a LEFT JOIN story_articles s ON s.article_id = a.id"
            " WHERE s.article_id IS NULL ORDER BY a.id LIMIT ?",
            (-1 if limit is None else limit,),
        )
        return [int(r[0]) for r in rows]

    def add_fingerprint(self, article_id: int, content_hash: str, signature: bytes, shingles: int, band_keys: Sequence[int]) -> None:
        """Store an article's fingerprint and its LSH band keys."""
        self.conn.execute(
            "INSERT OR REPLACE INTO fingerprints(article_id, content_hash, signature, shingles) VALUES (?,?,?,?)",
            (article_id, content_hash, signature, shingles),
        )
        self.conn.executemany("INSERT INTO lsh_bands(key, article_id) VALUES (?,?)", [(k, article_id) for k in band_keys])

    def same_content(self, content_hash: str) -> list[int]:
        """Return ids of fingerprinted articles with this exact content hash."""
        rows = self.conn.execute("SELECT article_id FROM fingerprints WHERE content_hash=? ORDER BY article_id", (content_hash,))
        return [int(r[0]) for r in rows]

    def lsh_candidates(self, band_keys: Sequence[int]) -> list[int]:
        """Return ids of articles sharing at least one LSH band key (probed through the index)."""
        if not band_keys:
            return []
        marks = ",".join("?" * len(band_keys))
        rows = self.conn.execute(f"SELECT DISTINCT article_id FROM lsh_bands WHERE key IN ({marks})", list(band_keys))
        return [int(r[0]) for r in rows]

    def signatures(self, ids: Sequence[int]) -> dict[int, bytes]:
        """Return stored MinHash signatures by article id."""
        out: dict[int, bytes] = {}
        for chunk in _chunks(sorted(set(ids))):
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(f"SELECT article_id, signature FROM fingerprints WHERE article_id IN ({marks})", chunk):
                out[int(r[0])] = bytes(r[1])
        return out

    def add_duplicate(self, a: int, b: int, kind: str, score: float) -> None:
        """Record that two articles are duplicates (kind exact, near or paraphrase) with a score."""
        lo, hi = (a, b) if a < b else (b, a)
        # A stronger kind found later replaces a weaker one (exact > near > paraphrase).
        self.conn.execute(
            "INSERT INTO duplicates(a, b, kind, score) VALUES (?,?,?,?) ON CONFLICT(a, b) DO UPDATE SET"
            " kind=excluded.kind, score=excluded.score WHERE"
            " (CASE excluded.kind WHEN 'exact' THEN 3 WHEN 'near' THEN 2 ELSE 1 END) >"
            " (CASE duplicates.kind WHEN 'exact' THEN 3 WHEN 'near' THEN 2 ELSE 1 END)",
            (lo, hi, kind, score),
        )

    def duplicate_pairs(self, ids: Sequence[int] | None = None) -> list[tuple[int, int, str, float]]:
        """Return recorded duplicate pairs ``(a, b, kind, score)``, all or those touching ``ids``."""
        if ids is None:
            rows = list(self.conn.execute("SELECT a, b, kind, score FROM duplicates ORDER BY a, b"))
        else:
            rows = []
            for chunk in _chunks(sorted(set(ids))):
                marks = ",".join("?" * len(chunk))
                rows.extend(
                    self.conn.execute(
                        f"SELECT a, b, kind, score FROM duplicates WHERE a IN ({marks}) OR b IN ({marks})", chunk + chunk
                    )
                )
        return [(int(r[0]), int(r[1]), str(r[2]), float(r[3])) for r in rows]

    def put_embedding(self, article_id: int, vector: bytes) -> None:
        """Store an article's embedding (bytes; the model is recorded once in meta)."""
        self.conn.execute("INSERT OR REPLACE INTO embeddings(article_id, vector) VALUES (?,?)", (article_id, vector))

    def embeddings(self, ids: Sequence[int]) -> dict[int, bytes]:
        """Return stored embeddings by article id."""
        out: dict[int, bytes] = {}
        for chunk in _chunks(sorted(set(ids))):
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(f"SELECT article_id, vector FROM embeddings WHERE article_id IN ({marks})", chunk):
                out[int(r[0])] = bytes(r[1])
        return out

    def add_terms(self, terms: Sequence[str]) -> None:
        """Count one more document for each term (document frequencies for IDF weighting)."""
        self.conn.executemany(
            "INSERT INTO term_df(term, n) VALUES (?, 1) ON CONFLICT(term) DO UPDATE SET n = n + 1", [(t,) for t in set(terms)]
        )

    def put_terms(self, article_id: int, terms: Sequence[str]) -> None:
        """Store an article's content terms (space-separated)."""
        self.conn.execute("INSERT OR REPLACE INTO article_terms(article_id, terms) VALUES (?,?)", (article_id, " ".join(terms)))

    def article_terms(self, ids: Sequence[int]) -> dict[int, list[str]]:
        """Return stored content terms by article id."""
        out: dict[int, list[str]] = {}
        for chunk in _chunks(sorted(set(ids))):
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(f"SELECT article_id, terms FROM article_terms WHERE article_id IN ({marks})", chunk):
                out[int(r[0])] = str(r[1]).split()
        return out

    def term_df(self, terms: Sequence[str]) -> dict[str, int]:
        """Return document frequencies of the given terms (absent terms are left out)."""
        out: dict[str, int] = {}
        for chunk in _chunks(sorted(set(terms))):
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(f"SELECT term, n FROM term_df WHERE term IN ({marks})", chunk):
                out[str(r[0])] = int(r[1])
        return out

    def new_story(self) -> int:
        """Create an empty story and return its id."""
        cur = self.conn.execute("INSERT INTO stories(size) VALUES (0)")
        return int(cur.lastrowid or 0)

    def assign_story(self, article_id: int, story_id: int, date: str | None, score: float) -> None:
        """Put an article in a story (moving it if it was in another)."""
        self.conn.execute(
            "INSERT OR REPLACE INTO story_articles(article_id, story_id, date, score) VALUES (?,?,?,?)",
            (article_id, story_id, date, score),
        )

    def window_articles(self, since: str) -> list[tuple[int, int]]:
        """Return ``(article_id, story_id)`` of story members dated at or after ``since`` (ISO)."""
        rows = self.conn.execute(
            "SELECT article_id, story_id FROM story_articles WHERE date >= ? ORDER BY article_id", (since,)
        )
        return [(int(r[0]), int(r[1])) for r in rows]

    def story_members(self, story_id: int) -> list[int]:
        """Return the article ids of a story."""
        rows = self.conn.execute("SELECT article_id FROM story_articles WHERE story_id=? ORDER BY article_id", (story_id,))
        return [int(r[0]) for r in rows]

    def story_of(self, article_ids: Sequence[int]) -> dict[int, int]:
        """Return the story id of each given article that has one."""
        out: dict[int, int] = {}
        for chunk in _chunks(sorted(set(article_ids))):
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(f"SELECT article_id, story_id FROM story_articles WHERE article_id IN ({marks})", chunk):
                out[int(r[0])] = int(r[1])
        return out

    def move_story(self, source_id: int, target_id: int) -> None:
        """Merge story ``source_id`` into ``target_id`` and delete the emptied story."""
        self.conn.execute("UPDATE story_articles SET story_id=? WHERE story_id=?", (target_id, source_id))
        self.conn.execute("DELETE FROM stories WHERE id=?", (source_id,))

    def update_story(self, story_id: int, title: str | None, first_seen: str | None, last_seen: str | None, size: int) -> None:
        """Set a story's summary fields."""
        self.conn.execute(
            "UPDATE stories SET title=?, first_seen=?, last_seen=?, size=? WHERE id=?",
            (title, first_seen, last_seen, size, story_id),
        )

    def stories(self, since: str | None = None) -> list[dict[str, Any]]:
        """Return stories (last seen at or after ``since``) with their articles, newest first."""
        sql = "SELECT id, title, first_seen, last_seen, size FROM stories"
        args: list[Any] = []
        if since:
            sql += " WHERE last_seen >= ?"
            args.append(since)
        sql += " ORDER BY last_seen DESC, id DESC"
        stories = [dict(r) for r in self.conn.execute(sql, args)]
        members: dict[int, list[dict[str, Any]]] = {}
        for r in self.conn.execute(
            "SELECT s.story_id, a.id, a.url, a.source, a.title FROM story_articles s JOIN articles a ON a.id = s.article_id"
            " ORDER BY s.story_id, a.date, a.id"
        ):
            members.setdefault(int(r[0]), []).append({"id": r[1], "url": r[2], "source": r[3], "title": r[4]})
        top: dict[int, list[dict[str, Any]]] = {}
        for r in self.conn.execute(
            "SELECT s.story_id, e.id, e.type, e.name, count(DISTINCT m.article_id) AS n FROM story_articles s"
            " JOIN mentions m ON m.article_id = s.article_id JOIN entities e ON e.id = m.entity_id"
            " GROUP BY s.story_id, e.id ORDER BY s.story_id, n DESC, count(*) DESC, e.name, e.id"
        ):
            entry = top.setdefault(int(r[0]), [])
            if len(entry) < STORY_TOP_ENTITIES:
                entry.append({"id": r[1], "type": r[2], "name": r[3], "articles": r[4]})
        for st in stories:
            st["articles"] = members.get(int(st["id"]), [])
            st["entities"] = top.get(int(st["id"]), [])
        return stories

    # -- entities, read side ----------------------------------------------------------------------

    def article_entities(self, ids: Sequence[int]) -> dict[int, list[str]]:
        """Return the entity ids mentioned in each given article (distinct, sorted)."""
        out: dict[int, list[str]] = {}
        for chunk in _chunks(sorted(set(ids))):
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(
                f"SELECT DISTINCT article_id, entity_id FROM mentions WHERE article_id IN ({marks}) ORDER BY 1, 2", chunk
            ):
                out.setdefault(int(r[0]), []).append(str(r[1]))
        return out

    def entity_count(self, type: str | None = None) -> int:
        """Return how many entities (of a type) have at least one mention."""
        sql = "SELECT count(DISTINCT m.entity_id) FROM mentions m JOIN entities e ON e.id = m.entity_id"
        args: list[Any] = []
        if type:
            sql += " WHERE e.type = ?"
            args.append(type)
        return int(self.conn.execute(sql, args).fetchone()[0])

    def entity_article_count(self, entity_id: str) -> int:
        """Return how many articles mention an entity."""
        row = self.conn.execute("SELECT count(DISTINCT article_id) FROM mentions WHERE entity_id=?", (entity_id,)).fetchone()
        return int(row[0])

    def entity_counts(self, article_ids: Sequence[int], limit: int) -> list[dict[str, Any]]:
        """Return the entities mentioned in these articles with article and mention counts, most articles first."""
        ids = sorted(set(article_ids))
        if not ids:
            return []
        counts: dict[str, list[int]] = {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(
                f"SELECT entity_id, count(DISTINCT article_id), count(*) FROM mentions WHERE article_id IN ({marks})"
                " GROUP BY entity_id",
                chunk,
            ):
                c = counts.setdefault(str(r[0]), [0, 0])
                c[0] += int(r[1])
                c[1] += int(r[2])
        info: dict[str, tuple[str, str]] = {}
        for chunk in _chunks(sorted(counts)):
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(f"SELECT id, type, name FROM entities WHERE id IN ({marks})", chunk):
                info[str(r[0])] = (str(r[1]), str(r[2]))
        return _ranked_entities(counts, info, limit)

    def resolve_entity(self, text: str) -> list[str]:
        """Return the ids of the entities ``text`` names: an entity id, or a name/surface form via the alias keys."""
        from marsad.entities.canonical import alias_keys

        text = text.strip()
        if not text:
            return []
        if self.conn.execute("SELECT 1 FROM entities WHERE id=?", (text,)).fetchone():
            return [text]
        found: set[str] = set()
        for typ in ENTITY_TYPES:
            for key, kind in alias_keys(text, typ):
                if kind != "name":
                    continue
                found |= {str(r[0]) for r in self.conn.execute(
                    "SELECT entity_id FROM entity_aliases WHERE key=? AND type=? AND kind='name'", (key, typ))}
                if not found and typ == "PER" and " " not in text:
                    found |= _single({str(r[0]) for r in self.conn.execute(
                        "SELECT entity_id FROM entity_aliases WHERE key=? AND type='PER' AND kind='surname'", (key,))})
        return sorted(found)

    def entity_article_ids(self, entity_ids: Sequence[str]) -> list[int]:
        """Return the ids of articles mentioning any of the given entities, ascending."""
        out: set[int] = set()
        for chunk in _chunks(sorted(set(entity_ids))):
            marks = ",".join("?" * len(chunk))
            out |= {int(r[0]) for r in self.conn.execute(f"SELECT DISTINCT article_id FROM mentions WHERE entity_id IN ({marks})", chunk)}
        return sorted(out)

    def entity_forms(self, entity_ids: Sequence[str]) -> list[str]:
        """Return the names and surface forms of the given entities, most mentioned first."""
        ids = sorted(set(entity_ids))[:_IN_CHUNK]
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        names = [str(r[0]) for r in self.conn.execute(f"SELECT name FROM entities WHERE id IN ({marks}) ORDER BY name", ids)]
        forms = [
            str(r[0])
            for r in self.conn.execute(
                f"SELECT text, count(*) AS n FROM mentions WHERE entity_id IN ({marks}) GROUP BY text ORDER BY n DESC, text", ids
            )
        ]
        return list(dict.fromkeys(names + forms))

    # -- read side of the API, web UI and search index -------------------------------------------

    def max_article_id(self) -> int:
        """Return the highest stored article id (0 when empty)."""
        return int(self.conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0])

    def count_articles(self, source: str | None = None, after_id: int = 0) -> int:
        """Return the number of stored articles (of one source; with an id above ``after_id``)."""
        sql, args = "SELECT count(*) FROM articles WHERE id > ?", list[Any]([after_id])
        if source:
            sql += " AND source = ?"
            args.append(source)
        return int(self.conn.execute(sql, args).fetchone()[0])

    def articles_after(self, after_id: int, limit: int) -> list[dict[str, Any]]:
        """Return id, url, source, title, date, day and text of articles with id > ``after_id``, in id order."""
        rows = self.conn.execute(
            "SELECT id, url, source, title, date, day, text FROM articles WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit)
        )
        return [dict(r) for r in rows]

    def recent_articles(self, limit: int, offset: int = 0, source: str | None = None) -> list[dict[str, Any]]:
        """Return the listing form with tags, newest first (by date, then id)."""
        where, args = ("WHERE source = ?", [source]) if source else ("", [])
        rows = self.conn.execute(
            f"SELECT id, url, source, title, date, day, data FROM articles {where}"
            " ORDER BY coalesce(date, '') DESC, id DESC LIMIT ? OFFSET ?",
            [*args, limit, offset],
        )
        return [_recent(r["id"], r["url"], r["source"], r["title"], r["date"], r["data"], r["day"]) for r in rows]

    def story_count(self, day: str | None = None) -> int:
        """Return the number of non-empty stories (with an article published on ``day``, when given)."""
        if day:
            return int(self.conn.execute(STORY_DAY_COUNT, (day,)).fetchone()[0])
        return int(self.conn.execute("SELECT count(*) FROM stories WHERE size > 0").fetchone()[0])

    def story_page(self, limit: int, offset: int = 0, day: str | None = None, sort: str = "recent",
                   since: str | None = None) -> list[dict[str, Any]]:
        """Return non-empty stories: freshest day first then biggest (``recent``) or biggest first
        (``size``); with ``day``, only stories with articles published that day, sized by them."""
        sql, args = story_page_sql(day, sort, since=since)
        return [dict(r) for r in self.conn.execute(sql.replace("%s", "?"), [*args, limit, offset])]

    def story_rows(self, story_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Return the summary rows of the given stories, by id."""
        out: dict[int, dict[str, Any]] = {}
        for chunk in _chunks(sorted(set(story_ids))):
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(f"SELECT id, title, first_seen, last_seen, size FROM stories WHERE id IN ({marks})", chunk):
                out[int(r["id"])] = dict(r)
        return out

    def story_sources(self, story_ids: Sequence[int]) -> dict[int, list[str]]:
        """Return the distinct sources of each story's articles (sorted)."""
        out: dict[int, list[str]] = {}
        for chunk in _chunks(sorted(set(story_ids))):
            marks = ",".join("?" * len(chunk))
            for sid, src in self.conn.execute(
                "SELECT DISTINCT s.story_id, coalesce(a.source, '') FROM story_articles s JOIN articles a ON a.id = s.article_id"
                f" WHERE s.story_id IN ({marks}) ORDER BY 1, 2",
                chunk,
            ):
                out.setdefault(int(sid), []).append(str(src))
        return out

    def duplicate_count(self) -> int:
        """Return the number of recorded duplicate pairs."""
        return int(self.conn.execute("SELECT count(*) FROM duplicates").fetchone()[0])

    def duplicate_page(self, limit: int, offset: int = 0) -> list[tuple[int, int, str, float]]:
        """Return a page of duplicate pairs ordered by (a, b)."""
        rows = self.conn.execute("SELECT a, b, kind, score FROM duplicates ORDER BY a, b LIMIT ? OFFSET ?", (limit, offset))
        return [(int(r[0]), int(r[1]), str(r[2]), float(r[3])) for r in rows]

    # -- feed watcher state ---------------------------------------------------------------------

    def feed_validators(self, url: str) -> tuple[str | None, str | None]:
        """Return the (ETag, Last-Modified) stored for a feed."""
        row = self.conn.execute("SELECT etag, last_modified FROM watch_feeds WHERE url=?", (url,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def save_feed_state(self, url: str, etag: str | None, last_modified: str | None, status: int | None, error: str | None) -> None:
        """Remember the outcome of polling a feed."""
        self.conn.execute(
            "INSERT INTO watch_feeds(url, etag, last_modified, checked_at, status, error) VALUES (?,?,?,?,?,?)"
            " ON CONFLICT(url) DO UPDATE SET etag=excluded.etag, last_modified=excluded.last_modified,"
            " checked_at=excluded.checked_at, status=excluded.status, error=excluded.error",
            (url, etag, last_modified, _now(), status, error),
        )

    def entry_seen(self, feed_url: str, entry_id: str) -> bool:
        """Return True if this feed entry was handled before."""
        row = self.conn.execute("SELECT 1 FROM watch_seen WHERE feed_url=? AND entry_id=?", (feed_url, entry_id)).fetchone()
        return row is not None

    def mark_entry_seen(self, feed_url: str, entry_id: str) -> None:
        """Remember a feed entry as handled."""
        self.conn.execute(
            "INSERT OR IGNORE INTO watch_seen(feed_url, entry_id, seen_at) VALUES (?,?,?)", (feed_url, entry_id, _now())
        )

    def integrity_ok(self) -> bool:
        """Return True if SQLite's integrity check passes."""
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0]) == "ok"

    def close(self) -> None:
        """Commit anything pending and close the file."""
        try:
            self.commit()
        finally:
            self.conn.close()

"""The page writer and the entity dictionary: what ingest writes (pages, articles, mentions, rejections).

A page is written whole or not at all (a savepoint per page), once per SHA-256 of its raw bytes;
an article once per content key. On PostgreSQL a deadlock with a concurrent writer is retried.
The entity dictionary (entities and their alias keys) is a shared table: on PostgreSQL it is
written on an autocommit side connection in sorted order, so concurrent writers meeting the same
new names never wait for each other until their batches end.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from marsad.errors import StoreError
from marsad.models import Article, Mention, Page, Rejection
from marsad.store.base import AddResult, rejection_detail
from marsad.store.engines import month_of
from marsad.store.retry import RETRY_PAUSE, is_retryable
from marsad.store.sql import SqlBase, chunks, clean, now, statement, store_failed

#: Times one page is tried again after a deadlock or serialization failure with another writer.
#: Each retry first commits the batch so far, which lets the other writer finish, so one retry
#: normally suffices; a few more cover cycles of more than two writers.
PAGE_RETRIES = 4
#: Page-level keys kept with a page (everything else of the page JSON is its articles).
FURNITURE_KEYS = ("read_also", "read_also_spans", "related", "boilerplate")


def utc_key(article: Article) -> str | None:
    """Return the stored sort key of an article's date: its instant in UTC, ISO 8601."""
    return article.date_utc.isoformat() if article.date_utc else None


class SqlPageWriter(SqlBase):
    """Writes pages, articles, mentions and rejections; keeps the entity dictionary."""

    _dictionary: Connection | None = None

    def add_page(self, page: Page, uri: str | None = None) -> AddResult:
        """Store a page and its articles once; a page or article seen before (by any writer) is only counted.

        All of one page or none of it: the page is written under a savepoint, so a failure leaves the
        batch's other pages in place and the error propagates for the caller to record. A failure
        of the store itself (disk full, connection lost) is a ``StoreError``: the batch is gone.
        """
        attempt = 0
        while True:
            outer = self.in_transaction
            self.begin()
            self._fail_as_store(lambda: self.conn.exec_driver_sql("SAVEPOINT add_page"))
            try:
                result = self._add_page(page, uri)
            except BaseException as exc:
                if not self.in_transaction or store_failed(exc):
                    self.rollback()
                    raise StoreError(f"store {self.where}: {getattr(exc, 'orig', exc)}".strip()) from exc
                self.conn.exec_driver_sql("ROLLBACK TO SAVEPOINT add_page")
                self.conn.exec_driver_sql("RELEASE SAVEPOINT add_page")
                if isinstance(exc, Exception) and is_retryable(getattr(exc, "orig", exc)) and attempt < PAGE_RETRIES:
                    attempt += 1
                    self._retry_page(outer, attempt)
                    continue
                if not outer:
                    self.rollback()
                raise
            self.conn.exec_driver_sql("RELEASE SAVEPOINT add_page")
            if not outer:
                self.commit()
            return result

    def _retry_page(self, outer: bool, attempt: int) -> None:
        """Get out of a deadlock's way before trying the page again.

        The other writer waits for locks this transaction took for its *earlier* pages (uncommitted
        unique keys); rolling back to the savepoint does not release those, so trying again inside
        the same transaction would deadlock again. The earlier pages are complete, so they are
        committed (the caller's batch just commits in two parts), the other writer goes on, and
        the page is retried in a fresh transaction after a short random pause.
        """
        if outer:
            self.commit()
            self.begin()
        time.sleep(random.uniform(0.0, RETRY_PAUSE * attempt))

    def _add_page(self, page: Page, uri: str | None) -> AddResult:
        assert page.sha256 is not None, "pages are stored by the hash of their raw bytes"
        at = now()
        seen_uri = clean(uri or page.uri)
        # Look first (no id spent on a known page), then insert; a concurrent writer's row makes the
        # insert a no-op and the page counts as seen.
        page_id = self.scalar("SELECT id FROM pages WHERE sha256 = :h", h=page.sha256)
        if page_id is None:
            furniture = {k: v for k, v in page.to_dict().items() if k in FURNITURE_KEYS}
            page_id = self.scalar(
                "INSERT INTO pages(sha256, uri, kind, encoding, extractor, text, furniture, fetched_at, ingested_at)"
                " VALUES (:h, :uri, :kind, :enc, :ex, :text, :furn, :fetched, :at) ON CONFLICT (sha256) DO NOTHING RETURNING id",
                h=page.sha256, uri=clean(page.uri), kind=page.kind, enc=page.encoding, ex=page.extractor,
                text=clean(page.text), furn=clean(json.dumps(furniture, ensure_ascii=False)),
                fetched=page.fetched_at.isoformat() if page.fetched_at else None, at=at,
            )
            if page_id is not None:
                self._sighting(int(page_id), seen_uri, at)
                return self._add_articles(page, int(page_id), at)
            page_id = self.scalar("SELECT id FROM pages WHERE sha256 = :h", h=page.sha256)
        self._sighting(int(page_id), seen_uri, at)
        return AddResult(page_id=int(page_id), new_page=False, article_ids=[], duplicates=len(page.articles))

    def _sighting(self, page_id: int, uri: str | None, at: str) -> None:
        self.run("INSERT INTO sightings(page_id, uri, seen_at) VALUES (:p, :u, :at)", p=page_id, u=uri, at=at)

    def _add_articles(self, page: Page, page_id: int, at: str) -> AddResult:
        ids: list[int] = []
        dups = 0
        for position, article in enumerate(page.articles):
            key = article.content_key()
            month = month_of(article.date_utc or datetime.now(UTC))
            if self.scalar("SELECT 1 FROM article_keys WHERE content_key = :k", k=key) is not None:
                dups += 1
                continue
            aid = self.scalar(
                "INSERT INTO article_keys(content_key, month) VALUES (:k, :m) ON CONFLICT (content_key) DO NOTHING RETURNING id",
                k=key, m=month,
            )
            if aid is None:
                dups += 1
                continue
            if self.partitions is not None:
                self.partitions.ensure(self.conn, month, self.in_transaction)
            d = article.to_dict()
            self.run(
                "INSERT INTO articles(id, month, content_key, page_id, position, url, source, title, date, day,"
                " date_original, author, language, text, data, ingested_at) VALUES (:id, :m, :k, :page, :pos, :url,"
                " :source, :title, :date, :day, :orig, :author, :lang, :text, :data, :at)",
                id=int(aid), m=month, k=key, page=page_id, pos=position, url=clean(article.url), source=clean(d["source"]),
                title=clean(d["title"]), date=utc_key(article), day=d["day"], orig=clean(d["date_original"]),
                author=clean(d["author"]), lang=article.language, text=clean(article.text),
                data=clean(json.dumps(d, ensure_ascii=False)), at=at,
            )
            if article.entities:
                self._mentions(int(aid), article.entities)
            ids.append(int(aid))
        return AddResult(page_id=page_id, new_page=True, article_ids=ids, duplicates=dups)

    def _mentions(self, article_id: int, found: list[Mention]) -> None:
        # An entity not in the dictionary yet (the page was not linked against the store) is added
        # as it is, so that every mention points at an entity row.
        self.add_entities({m.id: (m.type, m.name) for m in found})
        self.run_many(
            'INSERT INTO mentions(article_id, entity_id, start, "end", text, title) VALUES (:a, :e, :s, :x, :t, :ti)',
            [{"a": article_id, "e": m.id, "s": m.start, "x": m.end, "t": clean(m.text), "ti": clean(m.title)}
             for m in found],
        )

    def add_rejection(self, rejection: Rejection, count: int = 1) -> None:
        """Record why an input was not stored (one row per input and reason, with a count)."""
        self.run(
            "INSERT INTO rejections(uri, reason, detail, at, times) VALUES (:u, :r, :d, :at, :n) ON CONFLICT (uri, reason)"
            " DO UPDATE SET detail = excluded.detail, at = excluded.at, times = rejections.times + excluded.times",
            u=clean(rejection.source), r=rejection.reason, d=clean(rejection_detail(rejection)), at=now(), n=count,
        )

    # -- the entity dictionary -------------------------------------------------------------------

    def _dict_conn(self) -> Connection:
        """Return the connection the dictionary is written on (a side connection on PostgreSQL)."""
        if self.dialect != "postgresql":
            return self.conn
        if self._dictionary is None:
            self._dictionary = self.engine.connect()
        return self._dictionary

    def entity_exists(self, entity_id: str) -> bool:
        """Return True if the dictionary holds an entity with this id."""
        return self.scalar("SELECT 1 FROM entities WHERE id = :i", i=clean(entity_id)) is not None

    def alias_entities(self, key: str, typ: str, kind: str) -> set[str]:
        """Return the ids of the entities registered under an alias key of a type and kind."""
        rows = self.tuples("SELECT entity_id FROM entity_aliases WHERE key = :k AND type = :t AND kind = :kind",
                        k=clean(key), t=typ, kind=kind)
        return {str(r[0]) for r in rows}

    def add_entities(self, entities: dict[str, tuple[str, str]]) -> None:
        """Register entities (id → (type, name)) not yet in the dictionary, in id order."""
        rows = [{"i": i, "t": t, "n": clean(n)} for i, (t, n) in sorted(entities.items())]
        self._dictionary_write("INSERT INTO entities(id, type, name) VALUES (:i, :t, :n) ON CONFLICT (id) DO NOTHING", rows)

    def add_aliases(self, aliases: Iterable[tuple[str, str, str, str]]) -> None:
        """Register alias keys ``(key, type, kind, entity_id)``, in sorted order."""
        rows = [{"k": clean(k), "t": t, "kind": kind, "e": e} for k, t, kind, e in sorted(set(aliases))]
        self._dictionary_write(
            "INSERT INTO entity_aliases(key, type, kind, entity_id) VALUES (:k, :t, :kind, :e) ON CONFLICT DO NOTHING", rows
        )

    def add_type_votes(self, votes: Iterable[tuple[str, str, int]]) -> None:
        """Add ``(entity_id, type, mentions)`` to the entities' type votes, in sorted order."""
        rows = [{"e": e, "t": t, "n": n} for e, t, n in sorted(votes)]
        self._dictionary_write(
            "INSERT INTO entity_type_votes(entity_id, type, n) VALUES (:e, :t, :n) ON CONFLICT (entity_id, type)"
            " DO UPDATE SET n = entity_type_votes.n + excluded.n", rows)

    def type_votes(self, ids: Sequence[str]) -> dict[str, dict[str, int]]:
        """Return each entity's mentions by type, as voted so far."""
        out: dict[str, dict[str, int]] = {}
        for chunk in chunks(sorted(set(ids))):
            for r in self._dict_rows("SELECT entity_id, type, n FROM entity_type_votes WHERE entity_id IN :ids", chunk):
                out.setdefault(str(r[0]), {})[str(r[1])] = int(r[2])
        return out

    def entity_types(self, ids: Sequence[str]) -> dict[str, str]:
        """Return each entity's current type."""
        out: dict[str, str] = {}
        for chunk in chunks(sorted(set(ids))):
            out.update((str(r[0]), str(r[1])) for r in self._dict_rows("SELECT id, type FROM entities WHERE id IN :ids", chunk))
        return out

    def set_entity_types(self, types: dict[str, str]) -> None:
        """Give entities a new type (the winner of their vote)."""
        rows = [{"i": i, "t": t} for i, t in sorted(types.items())]
        self._dictionary_write("UPDATE entities SET type = :t WHERE id = :i", rows)

    def _dict_rows(self, sql: str, ids: list[str]) -> list[Any]:
        """Read on the dictionary's connection (it sees its own uncommitted votes)."""
        return list(self._dict_conn().execute(statement(sql, ("ids",)), {"ids": ids}))

    def _dictionary_write(self, sql: str, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        conn = self._dict_conn()
        try:
            conn.execute(statement(sql), list(rows))
        except SQLAlchemyError as exc:
            if store_failed(exc):
                raise StoreError(f"store {self.where}: {getattr(exc, 'orig', exc)}") from exc
            raise

    def entity_names(self, ids: Sequence[str]) -> dict[str, str]:
        """Return the dictionary's display name of each entity id given."""
        out: dict[str, str] = {}
        for chunk in chunks(sorted(set(ids))):
            out.update((str(r["id"]), str(r["name"])) for r in self.rows("SELECT id, name FROM entities WHERE id IN :ids", ids=chunk))
        return out

    def close(self) -> None:
        """Close the store and its side connection."""
        if self._dictionary is not None:
            self._dictionary.close()
            self._dictionary = None
        super().close()

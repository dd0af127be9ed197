"""Derived state: fingerprints and LSH bands, duplicate pairs, embeddings, terms and stories.

Everything here can be recomputed from the stored articles (``marsad repair``); it is written by
the dedup and stories stage after each committed ingest batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from marsad.store.sql import SqlBase, chunks, clean

#: Advisory-lock key of the story stage (the bytes of "stories" read as an integer; the migration lock is "marsad").
STORIES_LOCK_KEY = int.from_bytes(b"stories", "big")

#: How a duplicate kind ranks: a stronger kind found later replaces a weaker one.
_KIND_RANK = "(CASE {} WHEN 'exact' THEN 3 WHEN 'near' THEN 2 ELSE 1 END)"


class SqlDerivedState(SqlBase):
    """Reads and writes of the derived tables."""

    def ids_without_fingerprint(self, limit: int | None = None) -> list[int]:
        """Return ids of articles not yet fingerprinted (for catching up), ascending."""
        rows = self.tuples(
            "SELECT k.id FROM article_keys k LEFT JOIN fingerprints f ON f.article_id = k.id"
            " WHERE f.article_id IS NULL ORDER BY k.id LIMIT :n", n=-1 if limit is None and self.dialect == "sqlite" else limit,
        )
        return [int(r[0]) for r in rows]

    def ids_without_story(self, limit: int | None = None) -> list[int]:
        """Return ids of articles not yet assigned to a story, ascending."""
        rows = self.tuples(
            "SELECT k.id FROM article_keys k LEFT JOIN story_articles s ON s.article_id = k.id"
            " WHERE s.article_id IS NULL ORDER BY k.id LIMIT :n", n=-1 if limit is None and self.dialect == "sqlite" else limit,
        )
        return [int(r[0]) for r in rows]

    def add_fingerprint(self, article_id: int, content_hash: str, signature: bytes, shingles: int, band_keys: Sequence[int]) -> None:
        """Store an article's fingerprint and its LSH band keys."""
        self.run(
            "INSERT INTO fingerprints(article_id, content_hash, signature, shingles) VALUES (:a, :h, :s, :n)"
            " ON CONFLICT (article_id) DO UPDATE SET content_hash = excluded.content_hash, signature = excluded.signature,"
            " shingles = excluded.shingles",
            a=article_id, h=content_hash, s=signature, n=shingles,
        )
        self.run_many("INSERT INTO lsh_bands(key, article_id) VALUES (:k, :a)", [{"k": k, "a": article_id} for k in band_keys])

    def same_content(self, content_hash: str) -> list[int]:
        """Return ids of fingerprinted articles with this exact content hash."""
        return [int(r[0]) for r in self.tuples(
            "SELECT article_id FROM fingerprints WHERE content_hash = :h ORDER BY article_id", h=content_hash)]

    def lsh_candidates(self, band_keys: Sequence[int]) -> list[int]:
        """Return ids of articles sharing at least one LSH band key (probed through the index)."""
        if not band_keys:
            return []
        return sorted({int(r[0]) for r in self.tuples("SELECT DISTINCT article_id FROM lsh_bands WHERE key IN :k", k=list(band_keys))})

    def signatures(self, ids: Sequence[int]) -> dict[int, bytes]:
        """Return stored MinHash signatures by article id."""
        return self._blobs("SELECT article_id, signature FROM fingerprints WHERE article_id IN :ids", ids)

    def _blobs(self, sql: str, ids: Sequence[int]) -> dict[int, bytes]:
        out: dict[int, bytes] = {}
        for chunk in chunks(sorted(set(ids))):
            out.update((int(r[0]), bytes(r[1])) for r in self.tuples(sql, ids=chunk))
        return out

    def add_duplicate(self, a: int, b: int, kind: str, score: float) -> None:
        """Record that two articles are duplicates (kind exact, near or paraphrase) with a score."""
        lo, hi = (a, b) if a < b else (b, a)
        self.run(
            "INSERT INTO duplicates(a, b, kind, score) VALUES (:a, :b, :k, :s) ON CONFLICT (a, b) DO UPDATE SET"
            " kind = excluded.kind, score = excluded.score WHERE "
            + _KIND_RANK.format("excluded.kind") + " > " + _KIND_RANK.format("duplicates.kind"),
            a=lo, b=hi, k=kind, s=score,
        )

    def duplicate_pairs(self, ids: Sequence[int] | None = None) -> list[tuple[int, int, str, float]]:
        """Return recorded duplicate pairs ``(a, b, kind, score)``, all or those touching ``ids``."""
        if ids is None:
            rows = self.tuples("SELECT a, b, kind, score FROM duplicates ORDER BY a, b")
        else:
            found: dict[tuple[int, int], tuple[Any, ...]] = {}
            for chunk in chunks(sorted(set(ids))):
                for r in self.tuples("SELECT a, b, kind, score FROM duplicates WHERE a IN :ids OR b IN :ids", ids=chunk):
                    found[(int(r[0]), int(r[1]))] = r
            rows = [found[k] for k in sorted(found)]
        return [(int(r[0]), int(r[1]), str(r[2]), float(r[3])) for r in rows]

    def put_embedding(self, article_id: int, vector: bytes) -> None:
        """Store an article's embedding (bytes; the model is recorded once in meta)."""
        self.run("INSERT INTO embeddings(article_id, vector) VALUES (:a, :v)"
                 " ON CONFLICT (article_id) DO UPDATE SET vector = excluded.vector", a=article_id, v=vector)

    def embeddings(self, ids: Sequence[int]) -> dict[int, bytes]:
        """Return stored embeddings by article id."""
        return self._blobs("SELECT article_id, vector FROM embeddings WHERE article_id IN :ids", ids)

    def put_terms(self, article_id: int, terms: Sequence[str]) -> None:
        """Store an article's story terms (space-separated)."""
        self.run("INSERT INTO article_terms(article_id, terms) VALUES (:a, :t)"
                 " ON CONFLICT (article_id) DO UPDATE SET terms = excluded.terms", a=article_id, t=clean(" ".join(terms)))

    def article_terms(self, ids: Sequence[int]) -> dict[int, list[str]]:
        """Return stored story terms by article id."""
        out: dict[int, list[str]] = {}
        for chunk in chunks(sorted(set(ids))):
            out.update((int(r[0]), str(r[1]).split()) for r in self.tuples(
                "SELECT article_id, terms FROM article_terms WHERE article_id IN :ids", ids=chunk))
        return out

    def term_df(self, terms: Sequence[str]) -> dict[str, int]:
        """Return document frequencies of the given terms (absent terms are left out)."""
        out: dict[str, int] = {}
        for chunk in chunks(sorted({clean(t) or "" for t in terms})):
            out.update((str(r[0]), int(r[1])) for r in self.tuples("SELECT term, n FROM term_df WHERE term IN :t", t=chunk))
        return out

    def lock_stories(self) -> None:
        """Hold the story stage until this transaction ends. Two PostgreSQL writers re-clustering one
        window at once would move articles into stories the other just emptied and deleted; SQLite
        serializes its writers already."""
        if self.dialect == "postgresql":
            self.run("SELECT pg_advisory_xact_lock(:k)", k=STORIES_LOCK_KEY)

    def new_story(self) -> int:
        """Create an empty story and return its id."""
        return int(self.scalar("INSERT INTO stories(size) VALUES (0) RETURNING id"))

    def assign_story(self, article_id: int, story_id: int, date: str | None, score: float) -> None:
        """Put an article in a story (moving it if it was in another)."""
        self.run(
            "INSERT INTO story_articles(article_id, story_id, date, score) VALUES (:a, :s, :d, :x)"
            " ON CONFLICT (article_id) DO UPDATE SET story_id = excluded.story_id, date = excluded.date, score = excluded.score",
            a=article_id, s=story_id, d=date, x=score,
        )

    def add_story_edges(self, edges: Sequence[tuple[int, int, float]]) -> None:
        """Record the same-story probability of scored article pairs (kept once per pair, lower id first)."""
        self.run_many(
            "INSERT INTO story_edges(a, b, p) VALUES (:a, :b, :p) ON CONFLICT (a, b) DO UPDATE SET p = excluded.p",
            [{"a": min(a, b), "b": max(a, b), "p": float(p)} for a, b, p in edges if a != b],
        )

    def story_edges(self, ids: Sequence[int]) -> list[tuple[int, int, float]]:
        """Return the recorded pair scores with both articles among ``ids``."""
        wanted = set(ids)
        out: list[tuple[int, int, float]] = []
        for chunk in chunks(sorted(wanted)):
            out.extend((int(a), int(b), float(p)) for a, b, p in self.tuples(
                "SELECT a, b, p FROM story_edges WHERE a IN :ids", ids=chunk) if int(b) in wanted)
        return out

    def drop_empty_story(self, story_id: int) -> bool:
        """Delete a story that no article belongs to any more; return whether it was (False for one with members)."""
        return bool(self.run("DELETE FROM stories WHERE id = :s AND NOT EXISTS"
                             " (SELECT 1 FROM story_articles WHERE story_id = :s)", s=story_id).rowcount)

    def window_articles(self, since: str) -> list[tuple[int, int]]:
        """Return ``(article_id, story_id)`` of story members dated at or after ``since`` (ISO)."""
        return [(int(r[0]), int(r[1])) for r in self.tuples(
            "SELECT article_id, story_id FROM story_articles WHERE date >= :s ORDER BY article_id", s=since)]

    def story_members(self, story_id: int) -> list[int]:
        """Return the article ids of a story."""
        return [int(r[0]) for r in self.tuples(
            "SELECT article_id FROM story_articles WHERE story_id = :s ORDER BY article_id", s=story_id)]

    def story_of(self, article_ids: Sequence[int]) -> dict[int, int]:
        """Return the story id of each given article that has one."""
        out: dict[int, int] = {}
        for chunk in chunks(sorted(set(article_ids))):
            out.update((int(r[0]), int(r[1])) for r in self.tuples(
                "SELECT article_id, story_id FROM story_articles WHERE article_id IN :ids", ids=chunk))
        return out

    def move_story(self, source_id: int, target_id: int) -> None:
        """Merge story ``source_id`` into ``target_id`` and delete the emptied story."""
        self.run("UPDATE story_articles SET story_id = :t WHERE story_id = :s", t=target_id, s=source_id)
        self.run("DELETE FROM stories WHERE id = :s", s=source_id)

    def update_story(self, story_id: int, title: str | None, first_seen: str | None, last_seen: str | None, size: int) -> None:
        """Set a story's summary fields."""
        self.run("UPDATE stories SET title = :t, first_seen = :f, last_seen = :l, size = :n WHERE id = :s",
                 t=clean(title), f=first_seen, l=last_seen, n=size, s=story_id)

    def get_meta(self, key: str) -> str | None:
        """Return a stored meta value, or None."""
        value = self.scalar("SELECT value FROM meta WHERE key = :k", k=key)
        return None if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        """Set a meta value."""
        self.run("INSERT INTO meta(key, value) VALUES (:k, :v) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 k=key, v=value)

"""Store side of dedup and stories: migrations, the indexed LSH probe, duplicate kinds."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from marsad.store import SQLiteStore
from marsad.store.legacy import SQLITE
from marsad.store.schema import SCHEMA_VERSION


def test_version_1_store_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(SQLITE[0])
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    s = SQLiteStore(path)
    assert int(s.dbapi.execute("PRAGMA user_version").fetchone()[0]) == len(SQLITE)
    assert s.schema_version() == SCHEMA_VERSION
    tables = {r[0] for r in s.dbapi.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {
        "fingerprints",
        "lsh_bands",
        "duplicates",
        "embeddings",
        "stories",
        "story_articles",
        "article_terms",
        "article_keys",
        "marsad_schema",
    } <= tables
    s.close()


def test_lsh_probe_uses_the_index(tmp_path: Path) -> None:
    s = SQLiteStore(tmp_path / "m.db")
    plan = " ".join(
        str(r[-1])
        for r in s.dbapi.execute(
            "EXPLAIN QUERY PLAN SELECT DISTINCT article_id FROM lsh_bands WHERE key IN (1, 2, 3)"
        )
    )
    assert "lsh_bands_key" in plan
    s.close()


def test_lsh_candidates_and_duplicate_kind_precedence(tmp_path: Path) -> None:
    s = SQLiteStore(tmp_path / "m.db")
    s.dbapi.execute("PRAGMA foreign_keys=OFF")  # fingerprints of articles not stored, for the unit check
    s.add_fingerprint(1, "h1", b"\0" * 8, 10, [10, -20, 2**62])
    s.add_fingerprint(2, "h1", b"\0" * 8, 10, [11, -20])
    s.add_fingerprint(3, "h3", b"\0" * 8, 10, [99])
    assert sorted(s.lsh_candidates([-20])) == [1, 2]
    assert s.lsh_candidates([2**62]) == [1]
    assert s.same_content("h1") == [1, 2]
    s.add_duplicate(2, 1, "paraphrase", 0.6)
    s.add_duplicate(1, 2, "near", 0.8)
    s.add_duplicate(1, 2, "paraphrase", 0.9)  # weaker kind never replaces a stronger one
    assert s.duplicate_pairs() == [(1, 2, "near", 0.8)]
    s.add_duplicate(1, 2, "exact", 1.0)
    assert s.duplicate_pairs([2]) == [(1, 2, "exact", 1.0)]
    s.close()

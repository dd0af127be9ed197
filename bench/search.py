"""Search benchmark: Marsad's normalized tantivy index vs Lucene's ArabicAnalyzer vs a plain LIKE scan
vs unnormalized SQLite FTS5.

Ingests the SaudiNewsNet days into a fresh store (or copies one given with ``--store``), indexes
them, and runs 200 real queries taken from headlines (two content words of each of 200 sampled
titles). Reports index time and size, query p50/p99 and how many articles each method finds (the
recall normalization adds). ``--scale N`` replicates the articles with shifted dates into a second
index of N documents, for Marsad and for Lucene, and times the same queries there. Lucene runs when
``make bench-deps`` has installed it (bench/lucene_peer.py); otherwise the report says why not.

    .venv/bin/python bench/search.py [--corpus DIR] [--store DB] [--scale 1000000] [--work DIR]
"""

from __future__ import annotations

import argparse
import glob
import json
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import lucene_peer

from marsad.pipeline import ingest_paths
from marsad.search import IndexDoc, open_search, parse_query
from marsad.search.analysis import analyze
from marsad.search.engine import STORY_FACET_HITS
from marsad.search.tantivy_backend import TantivyBackend
from marsad.settings import load_settings
from marsad.store import open_store
from marsad.text import is_stopword, words

#: Number of benchmark queries and the seed that picks them (fixed so runs compare).
N_QUERIES = 200
SEED = 20150721
#: Results asked per query (one page).
TOP_K = 20


def folder_bytes(path: Path) -> int:
    """Return the total size of the files under ``path``."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def pct(values: list[float], p: float) -> float:
    """Return the p-th percentile (nearest rank) of ``values`` in milliseconds."""
    s = sorted(values)
    return 1000 * s[min(len(s) - 1, max(0, round(p / 100 * len(s)) - 1))]


def make_queries(conn: sqlite3.Connection) -> list[list[str]]:
    """Return 200 two-word queries (original spelling) from sampled headlines."""
    titles = [r[0] for r in conn.execute("SELECT title FROM articles WHERE title IS NOT NULL ORDER BY id")]
    rng = random.Random(SEED)
    rng.shuffle(titles)
    out: list[list[str]] = []
    for t in titles:
        ws = [w for w in t.split() if len(words(w)) == 1 and len(words(w)[0]) >= 3 and not is_stopword(w)]
        ws = [w.strip("«»\"'،:.؟!()") for w in ws]
        ws = [w for w in ws if len(w) >= 3]
        if len(ws) >= 2:
            out.append(rng.sample(ws, 2))
        if len(out) == N_QUERIES:
            break
    return out


def timed(fn: Any, queries: list[list[str]]) -> tuple[list[float], list[int]]:
    """Run ``fn`` on every query; return latencies (s) and hit counts."""
    lat: list[float] = []
    counts: list[int] = []
    for q in queries:
        t = time.perf_counter()
        counts.append(fn(q))
        lat.append(time.perf_counter() - t)
    return lat, counts


def main() -> None:
    """Run the benchmark and print a JSON report."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(Path(__file__).resolve().parents[2] / "shared/corpora/saudinewsnet"))
    ap.add_argument("--work", default=None, help="Folder for the store and indexes (default: a temp folder).")
    ap.add_argument("--scale", type=int, default=0, help="Also index this many replicated articles (e.g. 1000000).")
    ap.add_argument("--store", default=None, help="Copy this SQLite store instead of ingesting the corpus.")
    args = ap.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="marsad-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "bench.db"
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        p.unlink(missing_ok=True)
    shutil.rmtree(work / "bench.db.search", ignore_errors=True)
    report: dict[str, Any] = {}

    zips = sorted(glob.glob(f"{args.corpus}/*.zip"))
    if args.store:
        src, dst = sqlite3.connect(args.store), sqlite3.connect(str(db))
        src.backup(dst)
        src.close()
        dst.close()
    store = open_store(str(db))
    if not args.store:
        t = time.perf_counter()
        ingest_paths(zips, store, load_settings({"db": str(db)}))
        report["ingest_s"] = round(time.perf_counter() - t, 1)
    conn: sqlite3.Connection = store.dbapi  # type: ignore[attr-defined]
    n = int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    report["articles"] = n
    report["days"] = len(zips)

    engine = open_search(store, str(db))
    t = time.perf_counter()
    engine.catch_up()
    report["tantivy_index_s"] = round(time.perf_counter() - t, 2)
    idx_path = work / "bench.db.search"
    report["tantivy_index_mb"] = round(folder_bytes(idx_path) / 1e6, 1)

    queries = make_queries(conn)
    report["queries"] = len(queries)
    report["query_examples"] = [" ".join(q) for q in queries[:5]]

    def tantivy_backend(q: list[str]) -> int:
        return engine.backend.search(parse_query(" ".join(q)), TOP_K, 0, "relevance", None, False).total

    def tantivy_full(q: list[str]) -> int:
        return engine.search(" ".join(q), limit=TOP_K).total

    # Unnormalized FTS5 over the original text (the default unicode61 tokenizer), in its own file.
    fts_db = work / "fts.db"
    fts_db.unlink(missing_ok=True)
    fts = sqlite3.connect(str(fts_db))
    fts.execute("CREATE VIRTUAL TABLE f USING fts5(title, text)")
    t = time.perf_counter()
    fts.executemany(
        "INSERT INTO f(rowid, title, text) VALUES (?,?,?)",
        ((r[0], r[1] or "", r[2] or "") for r in conn.execute("SELECT id, title, text FROM articles")),
    )
    fts.commit()
    report["fts5_raw_index_s"] = round(time.perf_counter() - t, 2)
    report["fts5_raw_index_mb"] = round(fts_db.stat().st_size / 1e6, 1)

    def fts_raw(q: list[str]) -> int:
        expr = " AND ".join('"' + w.replace('"', "") + '"' for w in q)
        rows = fts.execute("SELECT rowid FROM f WHERE f MATCH ? ORDER BY rank LIMIT ?", (expr, TOP_K)).fetchall()
        total = fts.execute("SELECT count(*) FROM f WHERE f MATCH ?", (expr,)).fetchone()[0]
        del rows
        return int(total)

    missing = lucene_peer.available()
    lucene: lucene_peer.LuceneIndex | None = None
    if missing:
        report["lucene"] = f"not run: {missing}"
    else:
        lucene = lucene_peer.LuceneIndex(work / "lucene")
        t = time.perf_counter()
        lucene.add((r[0] or "", r[1] or "") for r in conn.execute("SELECT title, text FROM articles"))
        lucene.commit()
        report["lucene_index_s"] = round(time.perf_counter() - t, 2)
        report["lucene_index_mb"] = round(folder_bytes(work / "lucene") / 1e6, 1)

    def lucene_search(q: list[str]) -> int:
        assert lucene is not None
        return lucene.search(q, TOP_K)

    def like(q: list[str]) -> int:
        where = " AND ".join("(title LIKE ? OR text LIKE ?)" for _ in q)
        params = [p for w in q for p in (f"%{w}%", f"%{w}%")]
        return int(conn.execute(f"SELECT count(*) FROM articles WHERE {where}", params).fetchone()[0])

    contenders = [("tantivy_normalized", tantivy_backend), ("tantivy_normalized_with_highlights_facets", tantivy_full),
                  ("fts5_unnormalized", fts_raw), ("like_scan", like)]
    if lucene is not None:
        contenders.insert(2, ("lucene_arabic_analyzer", lucene_search))
    for name, fn in contenders:
        fn(queries[0])  # warm caches
        lat, counts = timed(fn, queries)
        report[name] = {
            "p50_ms": round(pct(lat, 50), 2),
            "p99_ms": round(pct(lat, 99), 2),
            "mean_hits": round(statistics.mean(counts), 1),
            "zero_hit_queries": sum(1 for c in counts if c == 0),
        }
        report[name + "_counts"] = counts
    norm, raw = report.pop("tantivy_normalized_counts"), report.pop("fts5_unnormalized_counts")
    report.pop("tantivy_normalized_with_highlights_facets_counts")
    like_counts = report.pop("like_scan_counts")
    report["recall"] = {
        "queries_where_normalized_finds_more_than_fts5_raw": sum(1 for a, b in zip(norm, raw, strict=True) if a > b),
        "total_hits_normalized": sum(norm),
        "total_hits_fts5_raw": sum(raw),
        "total_hits_like": sum(like_counts),
    }
    if lucene is not None:
        luc = report.pop("lucene_arabic_analyzer_counts")
        report["recall"]["total_hits_lucene"] = sum(luc)
        report["recall"]["queries_where_normalized_finds_more_than_lucene"] = sum(
            1 for a, b in zip(norm, luc, strict=True) if a > b)
        report["recall"]["queries_where_lucene_finds_more_than_normalized"] = sum(
            1 for a, b in zip(norm, luc, strict=True) if b > a)
    if args.scale:
        report["scale"] = scale(conn, queries, work, args.scale, engine)
        if lucene is not None:
            report["scale"]["lucene_arabic_analyzer"] = scale_lucene(conn, queries, work, args.scale)
    engine.close()
    store.close()
    print(json.dumps(report, ensure_ascii=False, indent=2))


def scale(conn: sqlite3.Connection, queries: list[list[str]], work: Path, target: int, engine: Any) -> dict[str, Any]:
    """Index ``target`` documents made of the analysed articles repeated with dates shifted by a day per copy."""
    base: list[tuple[str, str, str, str, str]] = []
    base_ids: list[int] = []
    for _id, source, title, d, text in conn.execute("SELECT id, source, title, date, text FROM articles ORDER BY id"):
        base_ids.append(int(_id))
        tt, tf = analyze(title or "")
        bt, bf = analyze(text or "")
        base.append((tt, bt, f"{tf} {bf}", source or "", (d or "")[:10]))
    path = work / "scale.search"
    shutil.rmtree(path, ignore_errors=True)
    backend = TantivyBackend(path, {"bench": target})
    t = time.perf_counter()
    next_id = 1
    batch: list[IndexDoc] = []
    copy = 0
    while next_id <= target:
        for tt, bt, folds, source, d in base:
            if next_id > target:
                break
            day = (date.fromisoformat(d) + timedelta(days=copy)).isoformat() if d else ""
            batch.append(IndexDoc(next_id, tt, bt, folds, source, day))
            next_id += 1
            if len(batch) >= 50_000:
                backend.add(batch)
                batch = []
        copy += 1
    backend.add(batch)
    backend.close()
    index_s = time.perf_counter() - t
    out: dict[str, Any] = {"documents": target, "index_s": round(index_s, 1), "index_mb": round(folder_bytes(path) / 1e6, 1)}
    lat, counts = timed(lambda q: backend.search(parse_query(" ".join(q)), TOP_K, 0, "relevance", None, False).total, queries)
    out["query"] = {"p50_ms": round(pct(lat, 50), 2), "p99_ms": round(pct(lat, 99), 2), "mean_hits": round(statistics.mean(counts), 1)}
    lat, _ = timed(lambda q: backend.search(parse_query(" ".join(q)), TOP_K, 0, "relevance", None, True).total, queries)
    out["query_with_facets"] = {"p50_ms": round(pct(lat, 50), 2), "p99_ms": round(pct(lat, 99), 2)}

    def full(q: list[str]) -> int:
        # What SearchEngine.search does for a first page, on the 1M index: one backend search for the
        # page, the count, the source/day facets and the top 500; then the highlighted snippets of the
        # page and the stories and entities facets of the top 500, read from the store (a copy's
        # stored article is its original's, so a hit's id maps onto the original's).
        parsed = parse_query(" ".join(q))
        found = backend.search(parsed, STORY_FACET_HITS, 0, "relevance", None, True)
        page = [(base_ids[(i - 1) % len(base_ids)], sc) for i, sc in found.hits[:TOP_K]]
        top = [base_ids[(i - 1) % len(base_ids)] for i, _ in found.hits]
        engine._hits(page, parsed)
        engine._story_facet(top)
        engine._entity_facet(top)
        return int(found.total)

    full(queries[0])
    lat, _ = timed(full, queries)
    out["query_with_facets_and_highlights"] = {"p50_ms": round(pct(lat, 50), 2), "p99_ms": round(pct(lat, 99), 2)}
    return out


def scale_lucene(conn: sqlite3.Connection, queries: list[list[str]], work: Path, target: int) -> dict[str, Any]:
    """The peer at scale: Lucene's ArabicAnalyzer over the same ``target`` replicated articles (original
    title and text; Lucene analyses them itself), the same queries, top 20 and exact count."""
    base = [(title or "", text or "") for title, text in conn.execute("SELECT title, text FROM articles ORDER BY id")]
    path = work / "scale.lucene"
    index = lucene_peer.LuceneIndex(path)
    t = time.perf_counter()
    index.add(base[i % len(base)] for i in range(target))
    index.commit()
    out: dict[str, Any] = {"documents": target, "index_s": round(time.perf_counter() - t, 1),
                           "index_mb": round(folder_bytes(path) / 1e6, 1)}
    index.search(queries[0], TOP_K)  # warm
    lat, counts = timed(lambda q: index.search(q, TOP_K), queries)
    out["query"] = {"p50_ms": round(pct(lat, 50), 2), "p99_ms": round(pct(lat, 99), 2), "mean_hits": round(statistics.mean(counts), 1)}
    out["facets_and_highlights"] = "not in the jar (no lucene-facet, no highlighter)"
    return out


if __name__ == "__main__":
    main()

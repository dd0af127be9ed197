"""Ingest benchmark: all 12 SaudiNewsNet days into a fresh store, Marsad vs a naive json+sqlite3 baseline.

Run by hand: ``.venv/bin/python bench/ingest.py [--days N]``. Each contender runs in its own
subprocess so that peak memory (max RSS) is its own. Prints articles/second and peak MB.
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "saudinewsnet"


def naive(days: list[Path], db: Path) -> int:
    """Baseline: json.load each day whole and INSERT the records with sqlite3 (no understanding)."""
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE a (id INTEGER PRIMARY KEY, url TEXT, source TEXT, title TEXT, date TEXT, author TEXT, content TEXT)")
    n = 0
    for day in days:
        with zipfile.ZipFile(day) as zf:
            records = json.loads(zf.read(zf.namelist()[0]))
        conn.executemany(
            "INSERT INTO a(url, source, title, date, author, content) VALUES (?,?,?,?,?,?)",
            [(r.get("url"), r.get("source"), r.get("title"), r.get("date_extracted"), r.get("author"), r.get("content")) for r in records],
        )
        n += len(records)
    conn.commit()
    conn.close()
    return n


def marsad(days: list[Path], db: Path) -> int:
    """Marsad: the real pipeline (stream, understand, store idempotently, record rejections)."""
    from marsad.pipeline import ingest_paths
    from marsad.settings import load_settings
    from marsad.store import open_store

    store = open_store(str(db))
    report = ingest_paths([str(d) for d in days], store, load_settings())
    store.close()
    return report.articles + report.rejections


def _child(kind: str, ndays: int) -> None:
    days = sorted(CORPUS.glob("*.zip"))[:ndays]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        n = (naive if kind == "naive" else marsad)(days, Path(tmp) / "bench.db")
        elapsed = time.perf_counter() - start
        size = (Path(tmp) / "bench.db").stat().st_size
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"kind": kind, "records": n, "seconds": elapsed, "peak_mb": peak_mb, "db_mb": size / 2**20}))


def main() -> None:
    """Run both contenders in subprocesses and print a comparison."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--days", type=int, default=12)
    ap.add_argument("--child", choices=["naive", "marsad"])
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.days)
        return
    results = {}
    for kind in ("naive", "marsad"):
        out = subprocess.run([sys.executable, __file__, "--child", kind, "--days", str(args.days)], capture_output=True, text=True, check=True)
        results[kind] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"SaudiNewsNet, {args.days} day(s)")
    print(f"{'contender':10} {'records':>8} {'seconds':>8} {'rec/s':>8} {'peak MB':>8} {'db MB':>7}")
    for kind, r in results.items():
        print(f"{kind:10} {r['records']:>8} {r['seconds']:>8.1f} {r['records'] / r['seconds']:>8.0f} {r['peak_mb']:>8.0f} {r['db_mb']:>7.1f}")
    ratio = (results["marsad"]["records"] / results["marsad"]["seconds"]) / (results["naive"]["records"] / results["naive"]["seconds"])
    print(f"marsad throughput = {ratio:.2f}x the naive baseline (which only copies records, understanding nothing)")


if __name__ == "__main__":
    main()

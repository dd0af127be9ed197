"""Ingest benchmark: SaudiNewsNet days into a fresh store, every stage on.

Run by hand: ``.venv/bin/python bench/ingest.py [--days N] [--workers 2] [--baseline REV]``.
Contenders, each in its own subprocess so that peak memory (max RSS of the writing process) is
its own: a naive json+sqlite3 copy (understanding nothing), Marsad in one process, Marsad
with ``--workers`` worker processes, and with ``--baseline REV`` the pipeline of an earlier commit
(checked out as a git worktree under /tmp and imported instead of this checkout). Prints
articles/second, the ratios and peak MB.
"""

from __future__ import annotations

import argparse
import json
import os
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


def baseline_tree(rev: str) -> Path:
    """Return a worktree of ``rev`` (made once) whose ``src`` is imported instead of this checkout."""
    tree = Path(tempfile.gettempdir()) / f"marsad-baseline-{rev}"
    if not tree.exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev], check=True,
                       capture_output=True)
    return tree


def main() -> None:
    """Run both contenders in subprocesses and print a comparison."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--days", type=int, default=12)
    ap.add_argument("--child", choices=["naive", "marsad"])
    ap.add_argument("--workers", type=int, default=2, help="worker processes of the parallel contender (0: skip it)")
    ap.add_argument("--baseline", default="", help="also run the pipeline of this git revision")
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.days)
        return
    contenders: list[tuple[str, str, dict[str, str]]] = [("naive", "naive", {}), ("marsad", "marsad", {})]
    if args.workers:
        contenders.append((f"marsad-w{args.workers}", "marsad", {"MARSAD_INGEST_WORKERS": str(args.workers)}))
    if args.baseline:
        tree = baseline_tree(args.baseline)
        contenders.insert(1, (f"at {args.baseline}", "marsad", {"PYTHONPATH": str(tree / "src")}))
    results = {}
    for name, kind, env in contenders:
        out = subprocess.run([sys.executable, __file__, "--child", kind, "--days", str(args.days)], capture_output=True,
                             text=True, check=True, env={**os.environ, **env})
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"SaudiNewsNet, {args.days} day(s), every stage on")
    print(f"{'contender':14} {'records':>8} {'seconds':>8} {'rec/s':>8} {'peak MB':>8} {'db MB':>7}")
    for name, r in results.items():
        print(f"{name:14} {r['records']:>8} {r['seconds']:>8.1f} {r['records'] / r['seconds']:>8.1f} {r['peak_mb']:>8.0f}"
              f" {r['db_mb']:>7.1f}")
    print("(peak MB is the writing process's; the workers are forkserver children, each about one tagger's size)")
    rate = {name: r["records"] / r["seconds"] for name, r in results.items()}
    ref = f"at {args.baseline}" if args.baseline else "marsad"
    for name in results:
        if name not in ("naive", ref):
            print(f"{name} = {rate[name] / rate[ref]:.2f}x {ref}")
    print(f"marsad = {rate['marsad'] / rate['naive']:.3f}x the naive copy (which understands nothing)")


if __name__ == "__main__":
    main()

"""Ingest benchmark: SaudiNewsNet days into a fresh store, every stage on.

Run by hand: ``.venv/bin/python bench/ingest.py [--days N] [--workers 2] [--baseline REV]``.
Contenders, each in its own subprocess so that peak memory (max RSS of the writing process) is
its own: a naive json+sqlite3 copy (understanding nothing), Marsad in one process, Marsad
with ``--workers`` worker processes, and with ``--baseline REV`` the pipeline of an earlier commit
(checked out as a git worktree under /tmp and imported instead of this checkout). Prints
articles/second, the ratios and peak MB, each Marsad run's seconds per stage, and whether the runs
stored the same articles, entities (a sample), duplicate groups and stories as the reference run.
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
from typing import Any

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


SECONDS: dict[str, float] = {}  # the last Marsad run's stage breakdown (older revisions report none)


def marsad(days: list[Path], db: Path) -> int:
    """Marsad: the real pipeline (stream, understand, store idempotently, record rejections)."""
    from marsad.pipeline import ingest_paths
    from marsad.settings import load_settings
    from marsad.store import open_store

    store = open_store(str(db))
    report = ingest_paths([str(d) for d in days], store, load_settings())
    store.close()
    SECONDS.update(getattr(report, "seconds", {}))
    return report.articles + report.rejections


#: One article in SAMPLE_EVERY (by content key) has its stored entities compared between contenders.
SAMPLE_EVERY = 10


def digest(db: Path) -> dict[str, object]:
    """What a run stored, in terms that do not depend on row ids: the articles (content keys), the
    linked mentions of a sample of them (offsets, text, entity name and type), the duplicate groups
    and the story partition (sets of content keys)."""
    conn = sqlite3.connect(db)
    keys = dict(conn.execute("SELECT id, content_key FROM articles"))
    sample = {i for i, k in keys.items() if int(k[:8], 16) % SAMPLE_EVERY == 0}
    mentions: dict[str, list[list[object]]] = {}
    for aid, start, end, text, name, typ in conn.execute(
        'SELECT m.article_id, m.start, m."end", m.text, e.name, e.type FROM mentions m JOIN entities e ON e.id = m.entity_id'
    ):
        if aid in sample:
            mentions.setdefault(keys[aid], []).append([start, end, text, name, typ])
    parent = {i: i for i in keys}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in conn.execute("SELECT a, b FROM duplicates"):
        if a in parent and b in parent:
            parent[find(a)] = find(b)
    groups: dict[int, list[str]] = {}
    for i in keys:
        groups.setdefault(find(i), []).append(keys[i])
    stories: dict[int, list[str]] = {}
    for sid, aid in conn.execute("SELECT story_id, article_id FROM story_articles"):
        if aid in keys:
            stories.setdefault(sid, []).append(keys[aid])
    conn.close()
    return {
        "articles": sorted(keys.values()),
        "mentions": {k: sorted(v) for k, v in mentions.items()},
        "duplicate_groups": sorted(sorted(g) for g in groups.values() if len(g) > 1),
        "stories": sorted(sorted(g) for g in stories.values()),
    }


def _pairs(groups: list[list[str]]) -> set[tuple[str, str]]:
    return {(a, b) for g in groups for i, a in enumerate(g) for b in g[i + 1 :]}


def compare(a: dict[str, Any], b: dict[str, Any]) -> str:
    """One line: whether two runs stored the same articles, sampled entities and duplicate groups,
    and how far their story partitions agree (pairwise)."""
    same_articles = a["articles"] == b["articles"]
    ma, mb = a["mentions"], b["mentions"]
    differ = sum(1 for k in set(ma) | set(mb) if ma.get(k) != mb.get(k))
    same_groups = a["duplicate_groups"] == b["duplicate_groups"]
    pa, pb = _pairs(a["stories"]), _pairs(b["stories"])
    agree = len(pa & pb) / len(pa | pb) if pa | pb else 1.0
    return (f"articles {'identical' if same_articles else 'DIFFER'} ({len(a['articles'])}); "
            f"entities of {len(set(ma) | set(mb))} sampled articles: {differ} differ; "
            f"duplicate groups {'identical' if same_groups else 'DIFFER'} ({len(a['duplicate_groups'])}); "
            f"story pairs shared {agree:.3f} (Jaccard)")


def _child(kind: str, ndays: int, digest_to: str) -> None:
    days = sorted(CORPUS.glob("*.zip"))[:ndays]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        n = (naive if kind == "naive" else marsad)(days, Path(tmp) / "bench.db")
        elapsed = time.perf_counter() - start
        size = (Path(tmp) / "bench.db").stat().st_size
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if digest_to and kind == "marsad":
            Path(digest_to).write_text(json.dumps(digest(Path(tmp) / "bench.db")))
    print(json.dumps({"kind": kind, "records": n, "seconds": elapsed, "peak_mb": peak_mb, "db_mb": size / 2**20,
                      "stages": SECONDS}))


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
    ap.add_argument("--digest", default="", help=argparse.SUPPRESS)
    ap.add_argument("--workers", type=int, default=2, help="worker processes of the parallel contender (0: skip it)")
    ap.add_argument("--baseline", default="", help="also run the pipeline of this git revision")
    ap.add_argument("--baseline-workers", action="store_true", help="also run that revision with --workers workers")
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.days, args.digest)
        return
    # Every Marsad contender names its worker count: the default became one per core (2026-12-03).
    one = {"MARSAD_INGEST_WORKERS": "1"}
    contenders: list[tuple[str, str, dict[str, str]]] = [("naive", "naive", {}), ("marsad", "marsad", one)]
    if args.workers:
        contenders.append((f"marsad-w{args.workers}", "marsad", {"MARSAD_INGEST_WORKERS": str(args.workers)}))
    if args.baseline:
        tree = baseline_tree(args.baseline)
        contenders.insert(1, (f"at {args.baseline}", "marsad", {"PYTHONPATH": str(tree / "src"), **one}))
        if args.workers and args.baseline_workers:
            contenders.insert(2, (f"at {args.baseline}-w{args.workers}", "marsad",
                                  {"PYTHONPATH": str(tree / "src"), "MARSAD_INGEST_WORKERS": str(args.workers)}))
    results = {}
    digests: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, kind, env in contenders:
            dig = Path(tmp) / f"{len(results)}.json"
            out = subprocess.run([sys.executable, __file__, "--child", kind, "--days", str(args.days), "--digest",
                                  str(dig)], capture_output=True, text=True, check=True, env={**os.environ, **env})
            results[name] = json.loads(out.stdout.strip().splitlines()[-1])
            if dig.exists():
                digests[name] = json.loads(dig.read_text())
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
    same_workers = f"{ref}-w{args.workers}"
    if args.baseline and same_workers in rate and f"marsad-w{args.workers}" in rate:
        print(f"marsad-w{args.workers} = {rate[f'marsad-w{args.workers}'] / rate[same_workers]:.2f}x {same_workers}")
    print(f"marsad = {rate['marsad'] / rate['naive']:.3f}x the naive copy (which understands nothing)")
    for name, r in results.items():
        if r.get("stages"):
            total = sum(r["stages"].values())
            parts = ", ".join(f"{k} {v:.1f}" for k, v in sorted(r["stages"].items(), key=lambda kv: -kv[1]))
            print(f"stages of {name} (seconds summed over processes; {total:.1f} in all): {parts}")
    if ref in digests:
        for name in digests:
            if name != ref:
                print(f"stored results of {name} vs {ref}: {compare(digests[ref], digests[name])}")


if __name__ == "__main__":
    main()

"""Near-duplicate benchmark: Marsad (rensa MinHash + stored LSH bands) vs pure-Python MinHash vs datasketch.

Ingests SaudiNewsNet days into a fresh store (stage off), then in one process:
1. near-duplicate detection throughput (shingle, MinHash, LSH insert + query) for Marsad's
   fingerprinting with an in-memory LSH, a pure-Python MinHash with the same parameters, and
   datasketch's MinHash + MinHashLSH — on the same documents;
2. the incremental dedup stage against the SQLite store as it grows 1k → 20k articles: ms per
   added article (the cost of checking a new article against the whole store) and peak memory;
3. agreement of the pairs found with datasketch's, and the exact/near/cross-source counts.

    .venv/bin/python bench/dedup.py [--corpus DIR] [--days 12] [--baseline-docs 1000] [--work DIR]
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import resource
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from marsad.dedup.fingerprint import (
    BANDS,
    NEAR_THRESHOLD,
    NUM_PERM,
    ROWS,
    SEED,
    content_words,
    fingerprints,
    shingles,
)
from marsad.dedup.near import dedup_articles, duplicate_groups
from marsad.pipeline import ingest_paths
from marsad.settings import load_settings
from marsad.store import SQLiteStore

ROOT = Path(__file__).resolve().parents[1]
#: Mersenne prime modulus of the pure-Python universal hashes (as datasketch uses).
_PRIME = (1 << 61) - 1
_MASK32 = (1 << 32) - 1
#: Documents fingerprinted per call in the Marsad path (the ingest batch size).
BATCH = 500


def _pure_python_perms() -> list[tuple[int, int]]:
    import random

    rng = random.Random(SEED)
    return [(rng.randrange(1, _PRIME), rng.randrange(0, _PRIME)) for _ in range(NUM_PERM)]


def pure_python_minhash(items: list[str], perms: list[tuple[int, int]]) -> list[int]:
    """Return a MinHash signature computed in plain Python (the baseline)."""
    hashes = [
        int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=4).digest(), "little")
        for s in set(items)
    ]
    if not hashes:
        return [_MASK32] * NUM_PERM
    return [min(((a * h + b) % _PRIME) & _MASK32 for h in hashes) for a, b in perms]


def _lsh_pairs(sigs: list[list[int]] | list[tuple[int, ...]]) -> set[tuple[int, int]]:
    buckets: dict[tuple[int, tuple[int, ...]], list[int]] = defaultdict(list)
    found: set[tuple[int, int]] = set()
    for i, sig in enumerate(sigs):
        for b in range(BANDS):
            key = (b, tuple(sig[b * ROWS : (b + 1) * ROWS]))
            for j in buckets[key]:
                if sum(x == y for x, y in zip(sigs[j], sig, strict=True)) / NUM_PERM >= NEAR_THRESHOLD:
                    found.add((j, i))
            buckets[key].append(i)
    return found


def main() -> None:
    """Run the benchmark and print the report."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpora" / "saudinewsnet"))
    ap.add_argument("--days", type=int, default=12)
    ap.add_argument("--baseline-docs", type=int, default=1000, help="Documents the slow baselines run on.")
    ap.add_argument("--work", default=None)
    args = ap.parse_args()
    zips = sorted(glob.glob(str(Path(args.corpus) / "*.zip")))[: args.days]
    work = Path(args.work or tempfile.mkdtemp(prefix="marsad-bench-dedup-"))
    store = SQLiteStore(work / "dedup.db")
    ingest_paths(zips, store, load_settings({"dedup_on_ingest": False}))
    ids = [r.id for r in store.articles()]
    arts = store.article_texts(ids)
    n_base = min(args.baseline_docs, len(arts))
    print(f"corpus: {len(zips)} days, {len(arts)} articles; baselines on the first {n_base}")

    # 1. Throughput of near-duplicate detection (same documents, same parameters, in memory).
    docs = [(a.get("title"), a.get("text") or "") for a in arts]
    t = time.perf_counter()
    sigs: list[tuple[int, ...]] = []
    for i in range(0, len(docs), BATCH):
        sigs.extend(tuple(int(x) for x in fp.signature) for fp in fingerprints(docs[i : i + BATCH]))
    marsad_pairs = _lsh_pairs(sigs)
    marsad_rate = len(docs) / (time.perf_counter() - t)

    perms = _pure_python_perms()
    t = time.perf_counter()
    py_sigs = [pure_python_minhash(shingles(content_words(ti, tx)), perms) for ti, tx in docs[:n_base]]
    _lsh_pairs(py_sigs)
    py_rate = n_base / (time.perf_counter() - t)

    from datasketch import MinHash, MinHashLSH

    t = time.perf_counter()
    lsh = MinHashLSH(threshold=NEAR_THRESHOLD, num_perm=NUM_PERM)
    ds_pairs: set[tuple[int, int]] = set()
    ds_sigs: list[MinHash] = []
    for i, (ti, tx) in enumerate(docs[:n_base]):
        m = MinHash(num_perm=NUM_PERM, seed=SEED)
        m.update_batch([s.encode("utf-8") for s in set(shingles(content_words(ti, tx)))])
        for j in lsh.query(m):
            if m.jaccard(ds_sigs[j]) >= NEAR_THRESHOLD:
                ds_pairs.add((j, i))
        lsh.insert(i, m)
        ds_sigs.append(m)
    ds_rate = n_base / (time.perf_counter() - t)
    print("near-duplicate detection (shingle + MinHash + LSH), docs/s:")
    print(f"  marsad (rensa, batched)   {marsad_rate:8.0f}")
    print(f"  datasketch                {ds_rate:8.0f}   (marsad {marsad_rate / ds_rate:.1f}x)")
    print(f"  pure-Python MinHash       {py_rate:8.0f}   (marsad {marsad_rate / py_rate:.1f}x)")
    sub = {p for p in marsad_pairs if p[1] < n_base}
    inter = len(sub & ds_pairs)
    print(f"  pairs among the first {n_base}: marsad {len(sub)}, datasketch {len(ds_pairs)}, both {inter}")

    # 2. The incremental stage against the store, as it grows.
    print("incremental dedup against the SQLite store (fingerprint + exact + LSH probe + write):")
    print(f"{'store size':>10}  {'ms/article':>10}  {'peak RSS MB':>11}")
    t_all = time.perf_counter()
    store.begin()
    for start in range(0, len(ids), BATCH):
        t = time.perf_counter()
        dedup_articles(store, ids[start : start + BATCH])
        ms = (time.perf_counter() - t) * 1000 / len(ids[start : start + BATCH])
        size = start + len(ids[start : start + BATCH])
        if size % 1000 == 0 or size == len(ids):
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{size:>10}  {ms:>10.2f}  {rss:>11.0f}")
    store.commit()
    total = time.perf_counter() - t_all
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"stage overall: {len(ids) / total:.0f} articles/s, peak RSS {rss:.0f} MB")
    groups = duplicate_groups(store, kinds=("exact", "near"))
    cross = [g for g in groups if len({m["source"] for m in g["members"]}) > 1]
    pairs = store.duplicate_pairs()
    print(
        f"found: {sum(k == 'exact' for *_, k, _ in pairs)} exact and {sum(k == 'near' for *_, k, _ in pairs)} near pairs; "
        f"{len(groups)} groups, {len(cross)} spanning two or more outlets"
    )
    store.close()


if __name__ == "__main__":
    main()

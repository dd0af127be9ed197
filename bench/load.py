"""Load benchmark: drive the HTTP API on 127.0.0.1 with a mixed read/search workload (run by hand).

    .venv/bin/python bench/load.py [--days 12] [--requests 3000] [--concurrency 16] [--db PATH]

Builds (or reuses) a store of SaudiNewsNet days, starts ``marsad serve`` on a free loopback port,
sends a fixed number of requests (bounded in count and time, loopback only), and prints throughput,
p50/p99 latency and errors; then the same while another process ingests more articles.
The peer for the ratio is the plainest endpoint, ``/openapi.json`` (no store work), measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "saudinewsnet"
#: Hard stop for one phase, whatever the request count: a bench must end by itself.
PHASE_TIMEOUT_S = 600
MARSAD = [sys.executable, "-m", "marsad"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_store(db: Path, days: int) -> None:
    """Ingest the first ``days`` SaudiNewsNet days (entities off: ~30 articles/s would take too long)."""
    env = {**os.environ, "MARSAD_ENTITIES_ON_INGEST": "0"}
    for day in sorted(CORPUS.glob("*.zip"))[:days]:
        subprocess.run([*MARSAD, "ingest", str(day), "--db", str(db)], check=True, env=env, stdout=subprocess.DEVNULL)


def workload(db: Path, n: int, seed: int = 7) -> list[str]:
    """Return ``n`` request paths: 35% lists, 20% one article, 30% search, 10% article pages, 5% stories."""
    rng = random.Random(seed)
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM articles")]
        titles = [r[0] for r in conn.execute("SELECT title FROM articles WHERE title IS NOT NULL LIMIT 2000")]
    words = [w for t in titles for w in t.split() if len(w) > 3]
    paths = []
    for _ in range(n):
        r = rng.random()
        if r < 0.35:
            paths.append(f"/api/articles?limit=20&offset={rng.randrange(0, max(1, len(ids) - 20))}")
        elif r < 0.55:
            paths.append(f"/api/articles/{rng.choice(ids)}")
        elif r < 0.85:
            q = " ".join(rng.sample(words, 2))
            paths.append(f"/api/search?q={httpx.QueryParams({'q': q})['q']}")
        elif r < 0.95:
            paths.append(f"/articles/{rng.choice(ids)}")
        else:
            paths.append("/api/stories?limit=20")
    return paths


async def drive(base: str, paths: list[str], concurrency: int) -> dict[str, float]:
    """Send ``paths`` with ``concurrency`` workers; return throughput, latency percentiles, errors."""
    latencies: list[float] = []
    errors = 0
    queue = list(reversed(paths))

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while queue:
            path = queue.pop()
            t0 = time.perf_counter()
            try:
                resp = await client.get(path)
                if resp.status_code >= 500:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - t0)

    start = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await asyncio.wait_for(asyncio.gather(*(worker(client) for _ in range(concurrency))), PHASE_TIMEOUT_S)
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "errors": errors,
    }


def _wait_ready(base: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(base + "/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def main() -> None:
    """Build the store, serve it, run the phases and print a table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--days", type=int, default=12)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--db", type=Path)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="marsad-load-"))
    db = args.db or tmp / "load.db"
    if not db.exists():
        t0 = time.perf_counter()
        build_store(db, args.days)
        print(f"built store of {args.days} day(s) in {time.perf_counter() - t0:.0f} s")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server_log = (tmp / "server.log").open("w")
    server = subprocess.Popen(
        [*MARSAD, "serve", "--db", str(db), "--port", str(port)], stdout=subprocess.DEVNULL, stderr=server_log
    )
    results: dict[str, dict[str, float]] = {}
    try:
        _wait_ready(base)
        paths = workload(db, args.requests)
        asyncio.run(drive(base, paths[:100], args.concurrency))  # warm-up (model and index loads)
        results["peer: /openapi.json"] = asyncio.run(drive(base, ["/openapi.json"] * args.requests, args.concurrency))
        results["mixed read/search"] = asyncio.run(drive(base, paths, args.concurrency))
        extra = tmp / "extra.jsonl"
        with zipfile_records(sorted(CORPUS.glob("*.zip"))[-1]) as records, extra.open("w", encoding="utf-8") as fh:
            for i, rec in enumerate(records):
                rec["url"] = f"{rec.get('url')}#load-{i}"  # new articles, not duplicates
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        ingest = subprocess.Popen([*MARSAD, "ingest", str(extra), "--db", str(db)], stdout=subprocess.DEVNULL)
        results["mixed + concurrent ingest"] = asyncio.run(drive(base, paths, args.concurrency))
        ingest.wait(timeout=PHASE_TIMEOUT_S)
    finally:
        server.terminate()
        server.wait(timeout=30)
    with sqlite3.connect(db) as conn:
        n = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    print(f"server log (errors, if any): {tmp / 'server.log'}")
    print(f"store: {n} articles; {args.requests} requests per phase, concurrency {args.concurrency}, loopback")
    print(f"{'phase':28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in results.items():
        print(f"{name:28} {r['rps']:>8.0f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {int(r['errors']):>7}")
    peer = results["peer: /openapi.json"]["rps"]
    print(f"mixed workload throughput = {results['mixed read/search']['rps'] / peer:.2f}x the no-store peer")


class zipfile_records:
    """Context manager yielding the records of one SaudiNewsNet day zip."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> list[dict[str, object]]:
        import zipfile

        with zipfile.ZipFile(self.path) as zf:
            data: list[dict[str, object]] = json.loads(zf.read(zf.namelist()[0]))
        return data

    def __exit__(self, *exc: object) -> None:
        return None


if __name__ == "__main__":
    main()

"""Page times of the observatory on a full store: each page's median and 95th-percentile load time over HTTP.

    .venv/bin/python bench/pages.py --db /path/to/marsad.db [--requests 15]

Starts ``marsad serve`` on a free loopback port over an existing store (build one with
``marsad ingest ../shared/corpora/saudinewsnet/ --db PATH --workers 2``: the 12 shared days, about
20,000 articles), then fetches, one request at a time, the brief of the busiest day, the biggest
story with its coverage, the attention comparison of three names, the entity page (with its
statements) of the most mentioned person, the JSON twins of the first two, the outlet profiles,
the busiest day's outlet × story matrix, the alerts list and the statements matching a word. Printed beside the
peer measured in the same run: ``/openapi.json``, a page that does no store work, so the difference
is Marsad's own. Issue 17's goal: every page under 300 ms.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from load import _free_port, _wait_ready  # noqa: E402

#: The issue's page-time goal, in milliseconds.
GOAL_MS = 300.0


def targets(db: Path) -> dict[str, str]:
    """Return the paths to time, chosen from the store by SQL (the busiest day, biggest story, top person)."""
    with sqlite3.connect(db) as conn:
        day = conn.execute("SELECT day FROM articles WHERE day IS NOT NULL GROUP BY day ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
        story = conn.execute("SELECT id FROM stories ORDER BY size DESC, id LIMIT 1").fetchone()[0]
        person = conn.execute(
            "SELECT m.entity_id FROM mentions m JOIN entities e ON e.id = m.entity_id WHERE e.type = 'PER'"
            " GROUP BY m.entity_id ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    return {
        "peer: /openapi.json": "/openapi.json",
        "brief (home, busiest day)": f"/?day={day}",
        "brief JSON": f"/api/brief?day={day}",
        "story + coverage (biggest)": f"/stories/{story}",
        "story coverage JSON": f"/api/stories/{story}/coverage",
        "attention, three names": "/attention?q=" + "&q=".join(quote(q) for q in ("إيران", "اليمن", "الحوثي")),
        "entity + statements (top person)": f"/entities/{quote(person, safe=':')}",
        "outlet profiles": "/sources",
        "outlet x story matrix (busiest day)": f"/matrix?day={day}",
        "alerts": "/alerts",
        "statements matching a word": "/api/quotes?q=" + quote("اليمن"),
    }


def main() -> None:
    """Serve the store, time each page, print the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, required=True, help="An ingested store (SQLite file).")
    ap.add_argument("--requests", type=int, default=15, help="Timed requests per page (after one warm-up).")
    args = ap.parse_args()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "marsad", "serve", "--db", str(args.db), "--host", "127.0.0.1",
                               "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_ready(base)
        with sqlite3.connect(args.db) as conn:
            n = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        print(f"store: {args.db} ({n} articles); {args.requests} sequential requests per page after one warm-up")
        print(f"{'page':34} {'status':>6} {'p50 ms':>8} {'p95 ms':>8}  under {GOAL_MS:.0f} ms")
        with httpx.Client(base_url=base, timeout=60) as client:
            for name, path in targets(args.db).items():
                client.get(path)
                times, status = [], 0
                for _ in range(args.requests):
                    t = time.perf_counter()
                    r = client.get(path)
                    times.append(1000 * (time.perf_counter() - t))
                    status = r.status_code
                times.sort()
                p50, p95 = statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
                print(f"{name:34} {status:>6} {p50:8.1f} {p95:8.1f}  {'yes' if p95 < GOAL_MS else 'NO'}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

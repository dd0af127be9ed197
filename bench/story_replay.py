"""Replay the story re-clustering pass over recorded pair scores, to try linkage settings in seconds.

``bench/stories.py --cv`` clusters each fold's days into a store of its own in ``--work`` and
records every scored pair (``story_edges``). Re-clustering decides stories from those scores alone:
each batch of 500 re-decides the articles of its last ``RECLUSTER_DAYS`` by average linkage, older
window members anchored in their stories. This script replays exactly that over the recorded
scores with other settings (no feature or pair model is recomputed; a setting that changes which
pairs are scored, such as the bulletin rule, needs a real run) and prints the pooled figures of
the chosen folds. With the shipped settings it reproduces the stores' own assignment.

Choose settings on the dev folds (1 and 2) only; the held-out folds are for the final figure.

    .venv/bin/python bench/story_replay.py --work /tmp/marsad-bench --folds 1,2 --cap 4,3,2 --threshold 0.5
"""

from __future__ import annotations

import argparse
import itertools
import sqlite3
import sys
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from storydata import BATCH, CV_FOLDS, GOLD, SPLITS  # noqa: E402

import marsad.stories.recluster as rc  # noqa: E402
from marsad.stories.cluster import WINDOW_DAYS, parse_date  # noqa: E402
from marsad.stories.evaluate import GoldGroup, GoldPair, load_groups, load_pairs, report  # noqa: E402
from stories import CV_TODAY, run_path  # noqa: E402

Article = tuple[int, str, datetime]
Edge = tuple[int, int, float]


def fold_store(work: Path, k: int) -> tuple[Path, tuple[str, ...], str]:
    """Return the clustered store ``bench/stories.py --cv`` wrote for fold ``k`` (1-based), its days and split."""
    days = CV_FOLDS[k - 1]
    split = next(s for s, ds in SPLITS.items() if days[0] in ds)
    return run_path(work / f"{split}-base.db", work, f"cv-{CV_TODAY}-{split}-fold{k}"), days, split


def load(db: Path) -> tuple[list[Article], list[Edge], dict[int, int]]:
    """Return the articles in ingest order, the recorded pair scores and the stored story of each article."""
    with sqlite3.connect(db) as conn:
        arts = [(int(i), u, parse_date(d)) for i, u, d in conn.execute("SELECT id, url, date FROM articles ORDER BY id")]
        edges = [(int(a), int(b), float(p)) for a, b, p in conn.execute("SELECT a, b, p FROM story_edges")]
        stored = {int(a): int(s) for a, s in conn.execute("SELECT article_id, story_id FROM story_articles")}
    return arts, edges, stored


def replay(arts: list[Article], edges: list[Edge], threshold: float, days: float, cap: float,
           cannot_link: bool = rc.CANNOT_LINK) -> dict[int, int]:
    """Return a story label per article: batch by batch, average linkage over the window's recorded scores,
    as ``marsad.stories.cluster.recluster`` does."""
    adj: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for a, b, p in edges:
        adj[a].append((b, p))
        adj[b].append((a, p))
    label: dict[int, int] = {}
    seen: list[Article] = []
    fresh = 10**12  # new story ids, above any article id
    for start in range(0, len(arts), BATCH):
        batch = sorted(arts[start : start + BATCH], key=lambda x: (x[2], x[0]))
        lo, horizon = batch[0][2] - timedelta(days=WINDOW_DAYS), batch[0][2] - timedelta(days=days)
        seen.extend(batch)
        window = [(i, d) for i, _, d in seen if d >= lo]
        ids = {i for i, _ in window}
        anchors = {i for i, d in window if d < horizon and i in label}
        begin = {i: (label[i] if i in anchors else -i) for i, d in window}
        scored = [(a, b, p) for a in ids for b, p in adj[a] if a < b and b in ids]
        groups: dict[int, list[int]] = defaultdict(list)
        for node, g in rc.average_link(begin, scored, threshold, cap, cannot_link).items():
            groups[g].append(node)
        for g, sid in rc.story_ids(groups, label, anchors).items():
            if sid is None:
                fresh += 1
                sid = fresh
            for n in groups[g]:
                label[n] = sid
    return label


def pooled(work: Path, folds: list[int], settings: tuple[float, ...] | None) -> dict[str, Any]:
    """Return the report over ``folds`` of a replay with (negative cap, threshold, days[, cannot-link]), or of
    the stored stories."""
    pairs: list[GoldPair] = []
    groups: list[GoldGroup] = []
    story: dict[str, Any] = {}
    for k in folds:
        db, days, split = fold_store(work, k)
        arts, edges, stored = load(db)
        if settings is None:
            labels = stored
        else:
            cap, threshold, recluster_days, *rest = settings
            labels = replay(arts, edges, threshold, recluster_days, cap, bool(rest[0]) if rest else rc.CANNOT_LINK)
        url = {i: u for i, u, _ in arts}
        day = {u: d.date().isoformat() for _, u, d in arts}
        tag = f"{k}|"
        pairs += [replace(p, url1=tag + p.url1, url2=tag + p.url2)
                  for p in load_pairs(GOLD / "pairs.jsonl", split) if min(p.day1, p.day2) in days]
        groups += [replace(g, urls=tuple(tag + u for u in g.urls)) for g in load_groups(GOLD / "groups.json", split)
                   if min((day.get(u, "9") for u in g.urls), default="9") in days]
        story.update({tag + url[i]: f"{tag}{s}" for i, s in labels.items() if i in url})
    return report(pairs, groups, story)


def main() -> None:
    """Print the stored assignment's figures, then each replayed setting's."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", required=True, type=Path, help="the --work folder of a bench/stories.py --cv run")
    ap.add_argument("--folds", default="1,2", help="1-based folds to pool (1,2 are the dev days)")
    ap.add_argument("--cap", default=str(rc.NEGATIVE_LOGIT_CAP), help="negative logit caps to try, comma-separated")
    ap.add_argument("--threshold", default=str(rc.MERGE_LOGIT), help="merge thresholds (mean logit) to try")
    ap.add_argument("--days", default=str(rc.RECLUSTER_DAYS), help="re-clustering horizons in days to try")
    ap.add_argument("--cannot-link", default=str(int(rc.CANNOT_LINK)),
                    help="1: recorded apart pairs forbid a merge, 0: they count as weak pairs (comma-separated to try both)")
    args = ap.parse_args()
    folds = [int(x) for x in args.folds.split(",")]
    grid = itertools.product(*([float(x) for x in v.split(",")] for v in (args.cap, args.threshold, args.days, args.cannot_link)))
    print(f"{'setting':34} {'pairs P':>8} {'R':>6} {'F1':>6}  {'B3 P':>6} {'R':>6} {'F1':>6}  stragglers  templates merged")
    for name, settings in [("stored stories", None),
                           *((f"cap {c} threshold {t} days {d} cl {int(k)}", (c, t, d, k)) for c, t, d, k in grid)]:
        rep = pooled(args.work, folds, settings)
        pw, b3 = rep["pairwise"], rep["bcubed"]
        print(f"{name:34} {pw['precision']:8.3f} {pw['recall']:6.3f} {pw['f1']:6.3f}  {b3['precision']:6.3f} "
              f"{b3['recall']:6.3f} {b3['f1']:6.3f}  {len(rep['events_below_90pct']):10d}  {len(rep['templates_merged']):16d}",
              flush=True)


if __name__ == "__main__":
    main()

"""Story clustering benchmark on days nobody tuned on, today's algorithm beside the previous one.

For a split of the judged SaudiNewsNet days (``heldout``: 2015-07-31..08-04 by default; the pair
model and every threshold were chosen on ``dev``, 2015-07-21..27), the days are ingested once with
every per-document stage (cached in ``--work``), then each algorithm runs on its own copy of that
store exactly as ingest runs it: batches of 500 articles, near-duplicates then stories. Printed:
pairwise precision/recall/F1 on the judged pairs of the split, B-cubed F1 on its complete story
groups, the gold events with more than 10% stragglers and the template instances merged with
another, and the clustering cost per article as the store grows. ``--curve`` runs today's
algorithm over all 12 days (about 20,000 articles) and prints the cost per article from 1k to 20k.

    .venv/bin/python bench/stories.py --work /tmp/marsad-bench [--split heldout] [--curve]
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

sys.path.insert(0, str(ROOT / "scripts"))

from baseline import stories_v2  # noqa: E402
from fit_story_model import choose_c, first_days, fit_model, judged_matrix  # noqa: E402
from storydata import BATCH, CORPUS, CV_FOLDS, GOLD, SPLITS, article_ids, base_store, copy_store, url_ids  # noqa: E402

from marsad.dedup.near import dedup_articles  # noqa: E402
from marsad.pipeline import ingest_paths  # noqa: E402
from marsad.settings import load_settings  # noqa: E402
from marsad.store import SQLiteStore  # noqa: E402
from marsad.stories.cluster import STORY_VERSION, cluster_articles  # noqa: E402
from marsad.stories.evaluate import GoldGroup, GoldPair, load_groups, load_pairs, report  # noqa: E402

TODAY = f"today (v{STORY_VERSION})"
ALGORITHMS: dict[str, Any] = {"previous (v2)": stories_v2.cluster_articles, TODAY: cluster_articles}
#: The name of the fold-fitted runs of ``--cv`` (their stores are read by ``bench/story_replay.py``).
CV_TODAY = f"{TODAY}, fold-fitted"


def run_path(base: Path, work: Path, name: str) -> Path:
    """Return where the run ``name`` over ``base`` keeps its clustered store."""
    return work / f"{base.stem}-{''.join(c for c in name if c.isalnum())}.db"


def run(base: Path, work: Path, name: str, cluster: Any) -> tuple[SQLiteStore, list[tuple[int, float, float]]]:
    """Cluster a copy of ``base`` batch by batch; return the store and (size, dedup s, stories s) per batch."""
    store = SQLiteStore(copy_store(base, run_path(base, work, name)))
    ids = article_ids(store)
    timings = []
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        t0 = time.perf_counter()
        store.begin()
        dedup_articles(store, batch)
        store.commit()
        t1 = time.perf_counter()
        store.begin()
        cluster(store, batch)
        store.commit()
        timings.append((start + len(batch), t1 - t0, time.perf_counter() - t1))
    return store, timings


def assignment(store: SQLiteStore) -> dict[str, int]:
    """Return story id by article URL."""
    ids = url_ids(store)
    story = store.story_of(list(ids.values()))
    return {u: story[i] for u, i in ids.items() if i in story}


def compare(split: str, work: Path) -> None:
    """Run both algorithms on one split and print the comparison."""
    base = base_store(split, work)
    pairs = load_pairs(GOLD / "pairs.jsonl", split)
    groups = load_groups(GOLD / "groups.json", split)
    print(f"split {split}: days {', '.join(SPLITS[split])}; {len(pairs)} judged pairs, "
          f"{sum(g.kind == 'event' for g in groups)} events and {sum(g.kind == 'template' for g in groups)} template instances")
    rows = []
    for name, cluster in ALGORITHMS.items():
        store, timings = run(base, work, name, cluster)
        rep = report(pairs, groups, assignment(store))
        n = timings[-1][0]
        ms = 1000 * sum(t[2] for t in timings) / n
        stories = store.story_count()
        store.close()
        rows.append((name, rep, ms, stories, n))
    print(f"\n{'algorithm':14} {'pairs P':>8} {'R':>6} {'F1':>6}  {'B3 P':>6} {'R':>6} {'F1':>6}  {'stories':>7} {'ms/article':>10}")
    for name, rep, ms, stories, _ in rows:
        pw, b3 = rep["pairwise"], rep["bcubed"]
        print(f"{name:14} {pw['precision']:8.3f} {pw['recall']:6.3f} {pw['f1']:6.3f}  {b3['precision']:6.3f} "
              f"{b3['recall']:6.3f} {b3['f1']:6.3f}  {stories:7d} {ms:10.2f}")
    for name, rep, *_ in rows:
        print(f"{name}: judged pairs scored {rep['pairwise']['n']}, group members {rep['bcubed']['n']}; "
              f"events with > 10% stragglers: {rep['events_below_90pct'] or 'none'}; "
              f"template instances merged with another: {rep['templates_merged'] or 'none'}")


def _days_by_url(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return {u: d for u, d in conn.execute("SELECT url, day FROM articles") if u and d}


def _tag(fold: int, pairs: list[GoldPair], groups: list[GoldGroup], story: dict[str, int]) -> tuple[
        list[GoldPair], list[GoldGroup], dict[str, str]]:
    """Prefix URLs and story ids with the fold, so that folds clustered apart pool into one report."""
    t = f"{fold}|"
    return ([replace(p, url1=t + p.url1, url2=t + p.url2) for p in pairs],
            [replace(g, urls=tuple(t + u for u in g.urls)) for g in groups],
            {t + u: f"{t}{s}" for u, s in story.items()})


def cross_validate(work: Path, only: set[int] | None = None, previous: bool = True) -> None:
    """Refit the pair model without each fold's days, cluster the fold's split with it, pool the figures.

    ``only`` runs some folds (1-based; the dev folds alone while a change is tried); ``previous``
    False skips the pinned v2 algorithm."""
    days = first_days()
    x_all, kept = judged_matrix(work, ("dev", "heldout"))
    grades = np.asarray([p.grade for p in kept])
    folds_of = np.asarray([days[p.pair_id] for p in kept])
    pooled: dict[str, tuple[list[GoldPair], list[GoldGroup], dict[str, Any]]] = {}
    runs: dict[tuple[str, str], dict[str, int]] = {}
    print(f"cross-validation over {len(CV_FOLDS)} folds of whole days; {len(kept)} judged pairs")
    for k, fold in enumerate(CV_FOLDS):
        if only and k + 1 not in only:
            continue
        split = next(s for s, ds in SPLITS.items() if fold[0] in ds)
        base = base_store(split, work)
        day_of = _days_by_url(base)
        train = np.asarray([p.day1 not in fold and p.day2 not in fold for p in kept])
        c, _ = choose_c(x_all[train], grades[train], folds_of[train], quiet=True)
        model = fit_model(x_all[train], grades[train], c, {})
        pairs = [p for p in load_pairs(GOLD / "pairs.jsonl", split) if min(p.day1, p.day2) in fold]
        groups = [g for g in load_groups(GOLD / "groups.json", split)
                  if min((day_of.get(u, "9") for u in g.urls), default="9") in fold]
        print(f"fold {k + 1} ({fold[0]}..{fold[-1]}, {split}): model fitted on {int(train.sum())} pairs (C={c}); "
              f"tested on {len(pairs)} pairs, {len(groups)} groups")
        algos: dict[str, tuple[str, Any]] = {
            "previous (v2)": (split, stories_v2.cluster_articles),
            CV_TODAY: (f"{split}-fold{k + 1}", lambda st, b, m=model: cluster_articles(st, b, m)),
        }
        for name, (key, fn) in algos.items():
            if not previous and name == "previous (v2)":
                continue
            if (name, key) not in runs:
                store, _ = run(base, work, f"cv-{name}-{key}", fn)
                runs[(name, key)] = assignment(store)
                store.close()
            tp, tg, ts = _tag(k, pairs, groups, runs[(name, key)])
            acc = pooled.setdefault(name, ([], [], {}))
            acc[0].extend(tp)
            acc[1].extend(tg)
            acc[2].update(ts)
    print(f"\n{'pooled over folds':22} {'pairs P':>8} {'R':>6} {'F1':>6}  {'B3 P':>6} {'R':>6} {'F1':>6}")
    for name, (ps, gs, st) in pooled.items():
        rep = report(ps, gs, st)
        pw, b3 = rep["pairwise"], rep["bcubed"]
        print(f"{name:22} {pw['precision']:8.3f} {pw['recall']:6.3f} {pw['f1']:6.3f}  {b3['precision']:6.3f} "
              f"{b3['recall']:6.3f} {b3['f1']:6.3f}   events > 10% stragglers: {len(rep['events_below_90pct'])}, "
              f"template instances merged: {len(rep['templates_merged'])}")


def curve(work: Path, corpus: Path) -> None:
    """Print today's clustering cost per article as a store grows over all 12 days."""
    path = work / "all-base.db"
    if not path.exists():
        days = [d for split in ("dev", "heldout") for d in SPLITS[split]]
        store = SQLiteStore(work / "all-base.partial.db")
        ingest_paths([str(corpus / f"{d}.zip") for d in days], store, load_settings({"dedup_on_ingest": False, "ingest_workers": 2}))
        store.close()
        (work / "all-base.partial.db").rename(path)
    store, timings = run(path, work, "curve", cluster_articles)
    store.close()
    print(f"\n{'store size':>10}  {'dedup ms/art':>12}  {'stories ms/art':>14}  {'peak RSS MB':>11}")
    done = 0
    for size, d, s in timings:
        n = size - done
        done = size
        if size % 1000 < BATCH or size == timings[-1][0]:
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{size:>10}  {1000 * d / n:>12.2f}  {1000 * s / n:>14.2f}  {rss:>11.0f}")


def main() -> None:
    """Parse arguments and run."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", required=True, help="Cache folder for the ingested stores (reused across runs).")
    ap.add_argument("--split", default="heldout", choices=sorted(SPLITS))
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--curve", action="store_true", help="Also print the cost curve over all 12 days.")
    ap.add_argument("--cv", action="store_true", help="Cross-validate over folds of whole days instead of one split.")
    ap.add_argument("--folds", default="", help="With --cv: only these folds, comma-separated (1,2 are the dev days).")
    ap.add_argument("--no-previous", action="store_true", help="With --cv: skip the pinned previous algorithm.")
    ap.add_argument("--curve-only", action="store_true", help="Only print the cost curve (no quality figures).")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    if args.curve_only:
        curve(work, Path(args.corpus))
        return
    if args.cv:
        cross_validate(work, {int(f) for f in args.folds.split(",") if f}, not args.no_previous)
    else:
        compare(args.split, work)
    if args.curve:
        curve(work, Path(args.corpus))


if __name__ == "__main__":
    main()

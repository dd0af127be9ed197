"""Story clustering benchmark: pairwise precision/recall on hand-labelled SaudiNewsNet pairs, and cost per article.

Ingests SaudiNewsNet days into a fresh store with the dedup + stories stage on (as ``marsad ingest``
does), timing the stage per committed batch as the store grows (the curve: ms per added article at
each store size). Then scores the labelled pairs of tests/data/pairs/stories.jsonl: pairwise
precision/recall/F1 of the story assignment, and of each single signal at its best threshold; and
fits the logistic pair weights (bias, cosine, term overlap, entity overlap, near-dup Jaccard, days
apart) that
``marsad.stories.cluster.WEIGHTS`` holds.

    .venv/bin/python bench/stories.py [--corpus DIR] [--days 12] [--work DIR]
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from marsad.dedup.near import dedup_articles
from marsad.pipeline import ingest_paths
from marsad.settings import load_settings
from marsad.store import SQLiteStore
from marsad.stories.cluster import (
    DOCS_TERM,
    ENTITY_PREFIX,
    JOIN_THRESHOLD,
    TERM_DOCS_META,
    WEIGHTS,
    cluster_articles,
    entity_overlap,
    pair_probability,
    parse_date,
    split_terms,
    weighted_overlap,
)

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "data" / "pairs" / "stories.jsonl"
#: Gradient-descent settings of the weight fit: enough steps to converge on ~300 pairs.
FIT_STEPS = 20000
FIT_RATE = 0.5
#: L2 penalty of the fit: small; only there to keep weights finite on separable folds.
FIT_L2 = 1e-3


def _prf(pred: list[bool], gold: list[bool]) -> tuple[float, float, float]:
    tp = sum(p and g for p, g in zip(pred, gold, strict=True))
    fp = sum(p and not g for p, g in zip(pred, gold, strict=True))
    fn = sum(g and not p for p, g in zip(pred, gold, strict=True))
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1


def _features(store: SQLiteStore, pairs: list[tuple[int, int]]) -> np.ndarray:
    ids = sorted({i for p in pairs for i in p})
    vecs = {i: np.frombuffer(b, dtype="<f2").astype(np.float32) for i, b in store.embeddings(ids).items()}
    stored = {i: split_terms(t) for i, t in store.article_terms(ids).items()}
    terms = {i: t for i, (t, _) in stored.items()}
    ents = {i: e for i, (_, e) in stored.items()}
    dates = {int(a["id"]): parse_date(a.get("date")) for a in store.article_texts(ids)}
    n = store.term_df([DOCS_TERM]).get(DOCS_TERM, 0) + int(store.get_meta(TERM_DOCS_META) or "0")
    all_terms = set().union(*(t | {ENTITY_PREFIX + e for e in es} for t, es in stored.values())) if stored else set()
    df = store.term_df(sorted(all_terms))
    idf = {t: math.log((n + 1) / (df.get(t, 0) + 1)) + 1.0 for t in all_terms}
    dup = {(min(a, b), max(a, b)): s for a, b, k, s in store.duplicate_pairs(ids) if k in ("exact", "near")}
    rows = []
    for a, b in pairs:
        cos = max(0.0, float(vecs[a] @ vecs[b]))
        ov = weighted_overlap(terms.get(a, set()), terms.get(b, set()), idf)
        eo = entity_overlap(ents.get(a, set()), ents.get(b, set()), idf)
        jac = dup.get((min(a, b), max(a, b)), 0.0)
        days = abs((dates[a] - dates[b]).total_seconds()) / 86400.0
        rows.append((cos, ov, eo, jac, days))
    return np.asarray(rows, dtype=np.float64)


def fit_logistic(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return logistic weights (bias first) fitted by full-batch gradient descent."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(xb.shape[1])
    for _ in range(FIT_STEPS):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) / len(y) + FIT_L2 * np.r_[0.0, w[1:]]
        w -= FIT_RATE * grad
    return w


def main() -> None:
    """Run the benchmark and print the report."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpora" / "saudinewsnet"))
    ap.add_argument(
        "--days", type=int, default=12, help="How many SaudiNewsNet days to ingest (in date order)."
    )
    ap.add_argument("--work", default=None, help="Folder for the store (default: a temporary folder).")
    args = ap.parse_args()
    zips = sorted(glob.glob(str(Path(args.corpus) / "*.zip")))[: args.days]
    if not zips:
        raise SystemExit(f"no SaudiNewsNet zips under {args.corpus} (pass --corpus)")
    work = Path(args.work or tempfile.mkdtemp(prefix="marsad-bench-stories-"))
    store = SQLiteStore(work / "stories.db")
    settings = {**load_settings(), "dedup_on_ingest": False}
    ingest_paths(zips, store, settings)
    ids = [r.id for r in store.articles()]
    print(f"corpus: {len(zips)} days, {len(ids)} articles; stages timed per batch of 500 as the store grows")
    print(f"{'store size':>10}  {'dedup ms/art':>12}  {'stories ms/art':>14}  {'peak RSS MB':>11}")
    t_dedup = t_stories = 0.0
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        # The two halves of run_stage, timed apart: near-duplicates first (clustering reads them).
        store.begin()
        t = time.perf_counter()
        dedup_articles(store, batch)
        store.commit()
        t_mid = time.perf_counter()
        store.begin()
        cluster_articles(store, batch)
        store.commit()
        t_end = time.perf_counter()
        t_dedup += t_mid - t
        t_stories += t_end - t_mid
        size = start + len(batch)
        if size % 1000 == 0 or size == len(ids):
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            ms_d, ms_s = (t_mid - t) * 1000 / len(batch), (t_end - t_mid) * 1000 / len(batch)
            print(f"{size:>10}  {ms_d:>12.2f}  {ms_s:>14.2f}  {rss:>11.0f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"near-duplicates: {len(ids) / t_dedup:.0f} articles/s; story clustering: {len(ids) / t_stories:.0f} "
        f"articles/s; peak RSS {rss:.0f} MB"
    )

    labels = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines()]
    by_url = {r.url: r.id for r in store.articles()}
    pairs, gold = [], []
    for p in labels:
        if p["url1"] in by_url and p["url2"] in by_url:
            pairs.append((by_url[p["url1"]], by_url[p["url2"]]))
            gold.append(bool(p["same_story"]))
    story = store.story_of([i for p in pairs for i in p])
    pred = [story.get(a) == story.get(b) for a, b in pairs]
    prec, rec, f1 = _prf(pred, gold)
    print(f"labelled pairs: {len(pairs)} ({sum(gold)} same story)")
    print(f"story clustering, pairwise: precision {prec:.3f}  recall {rec:.3f}  F1 {f1:.3f}")
    x = _features(store, pairs)
    y = np.asarray(gold, dtype=np.float64)
    probs = [pair_probability(*row) for row in x]
    pp, pr, pf = _prf([q >= JOIN_THRESHOLD for q in probs], gold)
    print(f"pair score alone at {JOIN_THRESHOLD}: precision {pp:.3f}  recall {pr:.3f}  F1 {pf:.3f}")
    for k, name in enumerate(("headline cosine", "term overlap", "entity overlap", "near-dup Jaccard")):
        best = max((_prf([v >= t for v in x[:, k]], gold)[2], t) for t in np.linspace(0.05, 0.95, 19))
        print(f"  {name:16} alone: best F1 {best[0]:.3f} at {best[1]:.2f}")
    w = fit_logistic(x, y)
    print("fitted weights (bias, cosine, overlap, entities, jaccard, days): " + ", ".join(f"{v:.2f}" for v in w))
    print(
        "weights in use:                                                   " + ", ".join(f"{v:.2f}" for v in WEIGHTS)
    )
    # Two-fold check of the fit: train on even pairs, score odd ones, and the reverse.
    folds: list[Any] = []
    for k in (0, 1):
        tr = np.arange(len(y)) % 2 == k
        wk = fit_logistic(x[tr], y[tr])
        z = np.hstack([np.ones((int((~tr).sum()), 1)), x[~tr]]) @ wk
        folds.extend(
            zip((1 / (1 + np.exp(-z)) >= JOIN_THRESHOLD).tolist(), y[~tr].astype(bool).tolist(), strict=True)
        )
    cp, cr, cf = _prf([a for a, _ in folds], [b for _, b in folds])
    print(f"fitted pair score, two-fold held out: precision {cp:.3f}  recall {cr:.3f}  F1 {cf:.3f}")
    store.close()


if __name__ == "__main__":
    main()

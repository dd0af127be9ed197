"""Pair similarity benchmark: each signal and their fitted combination on hand-labelled SaudiNewsNet pairs.

Reads the 289 same-story / different-story pairs of tests/data/pairs/stories.jsonl (texts in
stories-articles.json), computes the pair features ``marsad.dedup.similarity.pair_features`` gives
``marsad similarity`` (embedding cosine, background-IDF term overlap, entity overlap, MinHash
Jaccard), prints each signal's correlation with the labels and best F1, fits the logistic weights
that ``PAIR_WEIGHTS`` holds, and scores the fit two-fold held out.

    .venv/bin/python bench/similarity.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from marsad.dedup.similarity import FEATURES, PAIR_THRESHOLD, PAIR_WEIGHTS, pair_features, pair_scores

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ROOT / "tests" / "data" / "pairs"
#: Gradient-descent settings of the weight fit: enough steps to converge on ~300 pairs.
FIT_STEPS = 20000
FIT_RATE = 0.5
#: L2 penalty of the fit: small; only there to keep weights finite on separable folds.
FIT_L2 = 1e-3


def labelled_pairs() -> tuple[list[tuple[str, str]], list[bool]]:
    """Return the labelled pairs as (text1, text2) with headline and body, and their labels."""
    arts = {a["url"]: a for a in json.loads((PAIRS / "stories-articles.json").read_text(encoding="utf-8"))}
    texts, gold = [], []
    for line in (PAIRS / "stories.jsonl").read_text(encoding="utf-8").splitlines():
        p = json.loads(line)
        a, b = arts.get(p["url1"]), arts.get(p["url2"])
        if a and b:
            texts.append((f"{a['title']}\n{a['content']}", f"{b['title']}\n{b['content']}"))
            gold.append(bool(p["same_story"]))
    return texts, gold


def prf(pred: list[bool], gold: list[bool]) -> tuple[float, float, float]:
    """Return precision, recall and F1."""
    tp = sum(a and b for a, b in zip(pred, gold, strict=True))
    p = tp / max(1, sum(pred))
    r = tp / max(1, sum(gold))
    return p, r, 2 * p * r / max(1e-9, p + r)


def fit_logistic(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return logistic weights (bias first) fitted by full-batch gradient descent."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(xb.shape[1])
    for _ in range(FIT_STEPS):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        w -= FIT_RATE * (xb.T @ (p - y) / len(y) + FIT_L2 * np.r_[0.0, w[1:]])
    return w


def main() -> None:
    """Run the benchmark and print the report."""
    texts, gold = labelled_pairs()
    t = time.perf_counter()
    x = pair_features(texts)
    secs = time.perf_counter() - t
    y = np.asarray(gold, dtype=np.float64)
    print(f"labelled pairs: {len(gold)} ({sum(gold)} same story); features in {secs:.1f} s "
          f"({len(gold) / secs:.0f} pairs/s)")
    for k, name in enumerate(FEATURES):
        corr = float(np.corrcoef(x[:, k], y)[0, 1])
        best = max((prf([v >= th for v in x[:, k]], gold)[2], th) for th in np.linspace(0.05, 0.95, 19))
        print(f"  {name:16} correlation {corr:.3f}  best F1 {best[0]:.3f} at {best[1]:.2f}")
    w = fit_logistic(x, y)
    print("fitted weights (bias, " + ", ".join(FEATURES) + "): " + ", ".join(f"{v:.2f}" for v in w))
    print("weights in use: " + ", ".join(f"{v:.2f}" for v in PAIR_WEIGHTS))
    scores = pair_scores(texts)
    p, r, f = prf([s >= PAIR_THRESHOLD for s in scores], gold)
    corr = float(np.corrcoef(scores, y)[0, 1])
    print(f"combined score (weights in use) at {PAIR_THRESHOLD}: precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}  "
          f"correlation {corr:.3f}")
    held: list[tuple[float, bool]] = []
    for k in (0, 1):
        tr = np.arange(len(y)) % 2 == k
        wk = fit_logistic(x[tr], y[tr])
        z = np.hstack([np.ones((int((~tr).sum()), 1)), x[~tr]]) @ wk
        held.extend(zip((1 / (1 + np.exp(-z))).tolist(), y[~tr].astype(bool).tolist(), strict=True))
    print("fitted combination, two-fold held out:")
    for th in (0.3, 0.35, 0.4, 0.45, 0.5):
        cp, cr, cf = prf([q >= th for q, _ in held], [b for _, b in held])
        print(f"  at {th:.2f}: precision {cp:.3f}  recall {cr:.3f}  F1 {cf:.3f}")


if __name__ == "__main__":
    main()

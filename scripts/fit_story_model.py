"""Fit the story pair model on the judged pairs of every judged day and write it into the package.

    .venv/bin/python scripts/fit_story_model.py --work /path/to/cache [--splits dev heldout] [--check]

The model is ordinal by binary decomposition (``marsad.stories.score``): one L2-regularized logistic
regression per cut ``grade >= k`` over standardized pair features. The regularization strength is
chosen by leave-one-day-out cross-validation (log loss of the same-story cut, pairs grouped by the
earlier article's day), printed next to the fit. The shipped model uses every judged day (12 days,
1,106 pairs): fitted on the 7 dev days alone it lost a tenth of its recall on the 5 held-out days.
Figures on days the model never saw come from ``bench/stories.py --cv``, which repeats this
procedure with each fold's days left out. ``--check`` refits and fails when the shipped file differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from storydata import GOLD, SPLITS, derived_store, url_ids  # noqa: E402

from marsad.store import SQLiteStore  # noqa: E402
from marsad.stories.cluster import load_members  # noqa: E402
from marsad.stories.evaluate import GoldPair, load_pairs  # noqa: E402
from marsad.stories.features import ENTITY_PREFIX, FEATURES, pair_features  # noqa: E402
from marsad.stories.idf import Idf  # noqa: E402
from marsad.stories.score import MODEL_FORMAT, PairModel  # noqa: E402

OUT = ROOT / "src" / "marsad" / "stories" / "data" / "pair_model.json"
#: Regularization strengths tried (sklearn's C: inverse L2 weight).
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
#: Splits the shipped model is fitted on: every judged day. The figures that count come from
#: ``bench/stories.py --cv``, which refits this procedure without each fold's days.
FIT_SPLITS = ("dev", "heldout")


def pair_matrix(db: Path, pairs: list[GoldPair]) -> tuple[np.ndarray, list[GoldPair]]:
    """Return the feature rows of the pairs whose two articles are in the store."""
    store = SQLiteStore(db)
    try:
        ids = url_ids(store)
        kept = [p for p in pairs if p.url1 in ids and p.url2 in ids]
        arts = load_members(store, sorted({ids[u] for p in kept for u in (p.url1, p.url2)}))
        idf = Idf(store)
        terms = {t for a in arts.values() for t in a.terms | a.title_terms} | {
            ENTITY_PREFIX + e for a in arts.values() for e in a.entities
        }
        weights = idf.of(terms)
        rows = [pair_features(arts[ids[p.url1]], arts[ids[p.url2]], weights, idf.unseen) for p in kept]
    finally:
        store.close()
    return np.asarray(rows), kept


def fit_cuts(x: np.ndarray, grades: np.ndarray, c: float) -> np.ndarray:
    """Return one weight row (bias first) per cut grade >= 1..4 on standardized ``x``."""
    rows = []
    for k in (1, 2, 3, 4):
        y = (grades >= k).astype(int)
        lr = LogisticRegression(C=c, max_iter=5000).fit(x, y)
        rows.append(np.r_[lr.intercept_[0], lr.coef_[0]])
    return np.asarray(rows)


def first_days() -> dict[str, str]:
    """Return each judged pair's fold key: the crawl day of its earlier article."""
    out = {}
    for line in (GOLD / "pairs.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        out[r["pair_id"]] = min(r["day1"], r["day2"])
    return out


def judged_matrix(work: Path, splits: Sequence[str]) -> tuple[np.ndarray, list[GoldPair]]:
    """Return the feature rows of the judged pairs of ``splits`` (each from its own split's store)."""
    xs, kept = [], []
    for split in splits:
        x, k = pair_matrix(derived_store(split, work), load_pairs(GOLD / "pairs.jsonl", split))
        xs.append(x)
        kept.extend(k)
    return np.vstack(xs), kept


def fit_model(x_raw: np.ndarray, grades: np.ndarray, c: float, meta: dict[str, Any]) -> PairModel:
    """Return the ordinal pair model fitted on raw feature rows (standardized here)."""
    mean, scale = x_raw.mean(axis=0), x_raw.std(axis=0)
    scale[scale == 0] = 1.0
    return PairModel(FEATURES, mean, scale, fit_cuts((x_raw - mean) / scale, grades, c), meta)


def choose_c(x_raw: np.ndarray, grades: np.ndarray, folds: np.ndarray, quiet: bool = False) -> tuple[float, float]:
    """Return the C of ``C_GRID`` with the lowest leave-one-day-out log loss of the same-story cut, and that loss."""
    mean, scale = x_raw.mean(axis=0), x_raw.std(axis=0)
    scale[scale == 0] = 1.0
    x = (x_raw - mean) / scale
    same = (grades >= 3).astype(int)
    best: tuple[float, float] | None = None
    for c in C_GRID:
        probs = np.zeros(len(grades))
        for day in sorted(set(folds)):
            test = folds == day
            cuts = fit_cuts(x[~test], grades[~test], c)
            probs[test] = 1 / (1 + np.exp(-(cuts[2, 0] + x[test] @ cuts[2, 1:])))
        loss = log_loss(same, probs, labels=[0, 1])
        if not quiet:
            print(f"C={c:<5} leave-one-day-out: log loss {loss:.4f}  AUC {roc_auc_score(same, probs):.4f}")
        if best is None or loss < best[0]:
            best = (loss, c)
    assert best is not None
    return best[1], best[0]


def main() -> None:
    """Fit, cross-validate and write (or check) the shipped model."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--work", required=True, help="Cache folder for the split stores (built on first use).")
    ap.add_argument("--splits", nargs="+", default=list(FIT_SPLITS), choices=sorted(SPLITS),
                    help="Splits whose judged pairs the model is fitted on.")
    ap.add_argument("--check", action="store_true", help="Fail if the shipped model differs from a refit.")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    days = first_days()
    x_raw, kept = judged_matrix(work, args.splits)
    grades = np.asarray([p.grade for p in kept])
    folds = np.asarray([days[p.pair_id] for p in kept])
    print(f"judged pairs with both articles stored: {len(kept)}; same story: {(grades >= 3).sum()}; "
          f"days: {len(set(folds))}")
    c, loss = choose_c(x_raw, grades, folds)
    all_days = sorted(d for s in args.splits for d in SPLITS[s])
    model = fit_model(x_raw, grades, c, {
        "fitted_on": f"tests/data/stories/pairs.jsonl, splits {'+'.join(args.splits)} "
                     f"(SaudiNewsNet {all_days[0]}..{all_days[-1]}, {len(all_days)} days)",
        "pairs": len(kept),
        "C": c,
        "cv_log_loss": round(loss, 4),
        "date": date.today().isoformat(),
        "format": MODEL_FORMAT,
    })
    for name, w in zip(FEATURES, model.cuts[2, 1:], strict=True):
        print(f"  same-story weight {name:>18}: {w:+.3f}")
    text = json.dumps(model.to_dict(), ensure_ascii=False, indent=1) + "\n"
    if args.check:
        shipped = json.loads(OUT.read_text(encoding="utf-8"))
        fresh = json.loads(text)
        shipped["meta"].pop("date", None)
        fresh["meta"].pop("date", None)
        if shipped != fresh:
            raise SystemExit("the shipped pair model differs from a refit on the judged pairs")
        print("shipped model matches a refit")
        return
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} (C={c})")


if __name__ == "__main__":
    main()

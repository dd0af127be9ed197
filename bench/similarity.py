"""Graded pair similarity on judged pairs of days the model never saw: the combination beside each signal.

For the judged pairs of all 12 shared days, cross-validated by folds of whole days (the pair model
refitted without each fold, as ``scripts/fit_story_model.py`` fits it), prints Pearson and
Spearman correlation with the 0-4 grades, and ROC AUC for "same story", of:

- the graded score and the same-story probability of ``marsad.stories.score``, from the store
  (what story clustering uses);
- every single signal the model combines (``marsad.stories.features.FEATURES``), and a character
  3-5-gram TF-IDF cosine of headline + lead, a signal the model does not use, as an outside peer;
- with ``--text``, the text-only path (``marsad similarity``) with the shipped model.

    .venv/bin/python bench/similarity.py --work /tmp/marsad-bench [--text]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "scripts"))

from fit_story_model import choose_c, first_days, fit_model, judged_matrix  # noqa: E402
from storydata import CORPUS, CV_FOLDS, SPLITS  # noqa: E402

from marsad.stories.evaluate import GoldPair, pearson, spearman  # noqa: E402
from marsad.stories.features import FEATURES  # noqa: E402
from marsad.stories.similarity import pair_scores  # noqa: E402
from marsad.text.normalize import normalize_text  # noqa: E402


def auc(scores: list[float], positive: list[bool]) -> float:
    """Return the ROC AUC (probability a positive outranks a negative; ties count half)."""
    pos = [s for s, p in zip(scores, positive, strict=True) if p]
    neg = [s for s, p in zip(scores, positive, strict=True) if not p]
    if not pos or not neg:
        return 0.0
    order = sorted(neg)
    from bisect import bisect_left, bisect_right

    wins = sum(bisect_left(order, s) + 0.5 * (bisect_right(order, s) - bisect_left(order, s)) for s in pos)
    return wins / (len(pos) * len(neg))


def texts(pairs: list[GoldPair], days: tuple[str, ...], corpus: Path) -> dict[str, str]:
    """Return "headline\\nbody" of every article of the pairs, read from the corpus zips."""
    wanted = {u for p in pairs for u in (p.url1, p.url2)}
    out = {}
    for d in days:
        with zipfile.ZipFile(corpus / f"{d}.zip") as zf:
            for r in json.loads(zf.read(f"{d}.json")):
                if r["url"] in wanted:
                    out[r["url"]] = f"{r['title']}\n{r['content']}"
    return out


def line(name: str, scores: list[float], grades: list[int]) -> tuple[str, float, float, float]:
    """Return one row: name, Pearson, Spearman, AUC."""
    g = [float(x) for x in grades]
    return name, pearson(scores, g), spearman(scores, g), auc(scores, [x >= 3 for x in grades])


def cross_validated(x: np.ndarray, kept: list[GoldPair]) -> tuple[list[float], list[float]]:
    """Return the graded score and same-story probability of every pair from a model fitted without its fold's days."""
    days = first_days()
    grades = np.asarray([p.grade for p in kept])
    fold_of = np.asarray([days[p.pair_id] for p in kept])
    graded, same = [0.0] * len(kept), [0.0] * len(kept)
    for fold in CV_FOLDS:
        train = np.asarray([p.day1 not in fold and p.day2 not in fold for p in kept])
        c, _ = choose_c(x[train], grades[train], fold_of[train], quiet=True)
        model = fit_model(x[train], grades[train], c, {})
        for i, p in enumerate(kept):
            if min(p.day1, p.day2) in fold:
                graded[i], same[i] = model.graded(x[i]), model.same_story(x[i])
    return graded, same


def main() -> None:
    """Score the judged pairs of every day (each from a model that never saw its days) and print the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", required=True, help="Cache folder for the ingested stores.")
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--text", action="store_true",
                    help="Also score the text-only path with the shipped model (fitted on every judged day: not a held-out figure; ~3 min).")
    args = ap.parse_args()
    work = Path(args.work)
    x, kept = judged_matrix(work, ("dev", "heldout"))
    grades = [p.grade for p in kept]
    graded, same = cross_validated(x, kept)
    rows = [
        line("graded score (store)", graded, grades),
        line("same-story prob (store)", same, grades),
    ]
    for k, name in enumerate(FEATURES):
        sign = -1.0 if name in ("days",) else 1.0  # a larger gap means less similar
        rows.append(line(f"  signal: {name}", [sign * float(v) for v in x[:, k]], grades))
    days = tuple(d for s in ("dev", "heldout") for d in SPLITS[s])
    bodies = texts(kept, days, Path(args.corpus))
    char = [0.0] * len(kept)
    for split in ("dev", "heldout"):  # IDF from each split's pair texts, as a store of those days would have
        idx = [i for i, p in enumerate(kept) if p.split == split]
        urls = sorted({u for i in idx for u in (kept[i].url1, kept[i].url2)})
        tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(
            [normalize_text(" ".join(bodies[u].split()[:80])) for u in urls])
        row = {u: j for j, u in enumerate(urls)}
        for i in idx:
            char[i] = float(tfidf[row[kept[i].url1]].multiply(tfidf[row[kept[i].url2]]).sum())
    rows.append(line("  peer: char 3-5-gram TF-IDF", char, grades))
    if args.text:
        t = time.perf_counter()
        scored = pair_scores([(bodies[p.url1], bodies[p.url2]) for p in kept])
        spent = time.perf_counter() - t
        rows.insert(2, line("graded score (text only, shipped model)", [s.graded for s in scored], grades))
        print(f"text-only path: {len(kept)} pairs in {spent:.0f} s")
    print(f"{len(kept)} judged pairs over {len(days)} days ({sum(g >= 3 for g in grades)} same story); the model "
          f"scores each fold of days ({', '.join(f[0] + '..' + f[-1] for f in CV_FOLDS)}) fitted without that fold")
    print(f"{'':40} {'Pearson':>8} {'Spearman':>9} {'AUC':>6}")
    for name, pr, sp, a in rows:
        print(f"{name:40} {pr:8.3f} {sp:9.3f} {a:6.3f}")
    singles = [r for r in rows if r[0].startswith("  ")]
    print(f"graded score beats every single signal: Pearson {rows[0][1] > max(r[1] for r in singles)} "
          f"({rows[0][1]:.3f} vs best single {max(r[1] for r in singles):.3f}), Spearman "
          f"{rows[0][2] > max(r[2] for r in singles)} ({rows[0][2]:.3f} vs {max(r[2] for r in singles):.3f})")


if __name__ == "__main__":
    main()

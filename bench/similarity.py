"""Graded pair similarity on judged pairs of days nobody tuned on: the combination beside each signal.

For the judged pairs of a split (held-out 2015-07-31..08-04 by default; the model was fitted on
the dev days), prints Pearson and Spearman correlation with the 0-4 grades, and ROC AUC for "same
story", of:

- the graded score and the same-story probability of ``marsad.stories.score``, computed two ways:
  from the store (what story clustering uses) and from the two texts alone (what
  ``marsad similarity`` does);
- every single signal the model combines (``marsad.stories.features.FEATURES``), and a character
  3-5-gram TF-IDF cosine of headline + lead, a signal the model does not use, as an outside peer.

    .venv/bin/python bench/similarity.py --work /tmp/marsad-bench [--split heldout] [--no-text]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zipfile
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "scripts"))

from fit_story_model import pair_matrix  # noqa: E402
from storydata import CORPUS, GOLD, SPLITS, derived_store  # noqa: E402

from marsad.stories.evaluate import GoldPair, load_pairs, pearson, spearman  # noqa: E402
from marsad.stories.features import FEATURES  # noqa: E402
from marsad.stories.score import load_model  # noqa: E402
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


def main() -> None:
    """Score the split's pairs and print the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", required=True, help="Cache folder for the ingested stores.")
    ap.add_argument("--split", default="heldout", choices=sorted(SPLITS))
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--no-text", action="store_true", help="Skip the text-only path (it tags every text; ~2 min).")
    args = ap.parse_args()
    work = Path(args.work)
    pairs = load_pairs(GOLD / "pairs.jsonl", args.split)
    x, kept = pair_matrix(derived_store(args.split, work), pairs)
    grades = [p.grade for p in kept]
    model = load_model()
    rows = [
        line("graded score (store)", [model.graded(f) for f in x], grades),
        line("same-story prob (store)", [model.same_story(f) for f in x], grades),
    ]
    for k, name in enumerate(FEATURES):
        sign = -1.0 if name in ("days",) else 1.0  # a larger gap means less similar
        rows.append(line(f"  signal: {name}", [sign * float(v) for v in x[:, k]], grades))
    bodies = texts(kept, SPLITS[args.split], Path(args.corpus))
    urls = sorted(bodies)
    tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(
        [normalize_text(" ".join(bodies[u].split()[:80])) for u in urls])
    row = {u: i for i, u in enumerate(urls)}
    char = [float(tfidf[row[p.url1]].multiply(tfidf[row[p.url2]]).sum()) for p in kept]
    rows.append(line("  peer: char 3-5-gram TF-IDF", char, grades))
    if not args.no_text:
        t = time.perf_counter()
        scored = pair_scores([(bodies[p.url1], bodies[p.url2]) for p in kept])
        spent = time.perf_counter() - t
        rows.insert(2, line("graded score (text only)", [s.graded for s in scored], grades))
        print(f"text-only path: {len(kept)} pairs in {spent:.0f} s")
    print(f"split {args.split}: {len(kept)} judged pairs ({sum(g >= 3 for g in grades)} same story); "
          f"model fitted on: {model.meta.get('fitted_on')}")
    print(f"{'':32} {'Pearson':>8} {'Spearman':>9} {'AUC':>6}")
    for name, pr, sp, a in rows:
        print(f"{name:32} {pr:8.3f} {sp:9.3f} {a:6.3f}")
    best_single = max(r[2] for r in rows if r[0].startswith("  "))
    print(f"graded score beats every single signal on Spearman: {rows[0][2] > best_single} "
          f"({rows[0][2]:.3f} vs best single {best_single:.3f})")


if __name__ == "__main__":
    main()

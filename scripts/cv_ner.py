"""5-fold cross-validation of Marsad's current two-stage CRF NER recipe (scripts/train_ner.py).

Folds: the sentences of train.txt (read as train_ner.py reads them) in file order, cut into 5 contiguous
blocks, so no story is split between training and test. For each outer fold k the recipe of
train_ner.py is replayed on the other four folds : training-entity memory jackknifed over 5 contiguous inner
folds, first stage (c1=0.02, c2=0.01, 200 iterations) trained on the whole training part, second stage
(c1=0.02, c2=0.05) trained on jackknifed first-stage labels.

One shortcut (for CPU time: 10 CRF fits instead of 35): the second stage's jackknifed first-stage labels
for training fold j are those of outer fold j's first-stage model (trained on every fold but j, so it
never saw fold j), not of a model trained inside the four training folds. That model did see the test
fold k's labels, so the second stage's training inputs depend on them indirectly (not the test fold's
own features or predictions: fold k is always tagged by models that never saw it). The first-stage
figures are the exact recipe. The test fold is then tagged as one document with ``Tagger.tag_document``
(window 12) using resources whose memory comes from the training part only. No hyperparameter is tuned.

Run with Marsad's venv (2 worker processes):
    .venv/bin/python scripts/cv_ner.py [--out cv_ner.pkl]
Prints per-fold and pooled per-type P/R/F1 and the mean ± sd of the fold micro-F1s; writes the test-fold
predictions and second-stage marginals to a pickle (for ensembling experiments).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import multiprocessing as mp
import os
import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pycrfsuite

MAIN = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("train_ner", MAIN / "scripts" / "train_ner.py")
assert spec and spec.loader
tn = importlib.util.module_from_spec(spec)
sys.modules["train_ner"] = tn
spec.loader.exec_module(tn)
if os.environ.get("CV_SMOKE"):  # a quick check of the script itself, not a figure
    tn.MAX_ITER = 2
    tn.train_model.__defaults__ = (2, None, None)

from marsad.entities.ner import (  # noqa: E402
    CLUSTERS_FILE,
    E5CLUSTERS_FILE,
    ENTITY_TYPES,
    GAZETTEER_FILE,
    HINTS_FILE,
    STAGE2_OWN,
    STAGE2_PROBS,
    VCLUSTERS_FILE,
    Tagger,
    crf_items,
    document_features,
    make_resources,
    memory_lines,
    read_conll,
    score_spans,
    stage2_features,
)

DATA = MAIN.parent / "shared" / "corpora" / "anercorp" / "train.txt"
K_OUTER = 5


def load_lines(name: str) -> list[str]:
    p = tn.DATA_DIR / name
    return gzip.decompress(p.read_bytes()).decode("utf-8").splitlines() if p.exists() else []


GAZ = load_lines(GAZETTEER_FILE)
CLUS = load_lines(CLUSTERS_FILE)
HINTS = load_lines(HINTS_FILE)
VCL = load_lines(VCLUSTERS_FILE)
E5 = load_lines(E5CLUSTERS_FILE)

SENTS = read_conll(DATA)
OUTER = [round(len(SENTS) * k / K_OUTER) for k in range(K_OUTER + 1)]


def outer_split(k: int) -> tuple[list, list]:
    a, b = OUTER[k], OUTER[k + 1]
    return SENTS[:a] + SENTS[b:], SENTS[a:b]


_PREPARED: dict[int, None] = {}


def prepare(k: int) -> None:
    """Fill train_ner's _STATE for outer fold k, exactly as train_ner.main does for its training part."""
    if k in _PREPARED:
        return
    train, _ = outer_split(k)
    memory = memory_lines(train)
    tn._STATE.res_full = make_resources(GAZ + memory, CLUS, HINTS, None, VCL, E5)
    n = tn.N_FOLDS
    bounds = [round(len(train) * j / n) for j in range(n + 1)]
    train_x: list = []
    for j in range(n):
        others = train[: bounds[j]] + train[bounds[j + 1] :]
        res_j = make_resources(GAZ + memory_lines(others), CLUS, HINTS, None, VCL, E5)
        train_x.extend(document_features([t for t, _ in train[bounds[j] : bounds[j + 1]]], res_j))
    tn._STATE.bounds = bounds
    tn._STATE.train_x = train_x
    tn._STATE.train_y = [y for _, y in train]
    _PREPARED.clear()
    _PREPARED[k] = None


def job(args: tuple[int, int, str]) -> tuple[int, int, object]:
    """Outer fold k, inner job j (-1 = full first stage written to ``out``)."""
    k, j, out = args
    prepare(k)
    t0 = time.perf_counter()
    res = tn.fold_job((j, tn.C1, tn.C2, out))
    print(f"  fold {k} job {j} done in {time.perf_counter() - t0:.0f}s", flush=True)
    return k, j, res


def first_job(k: int, out: str) -> tuple[int, list[list[str]]]:
    """Train outer fold k's first stage (the recipe's, on the four training folds) and tag test fold k."""
    prepare(k)
    t0 = time.perf_counter()
    tn.train_model(tn.C1, tn.C2, Path(out))
    _, test = outer_split(k)
    feats = document_features([t for t, _ in test], tn._STATE.res_full)
    tagger = pycrfsuite.Tagger()
    tagger.open(out)
    labels = [list(tagger.tag(crf_items(f, tn._STATE.res_full))) if f else [] for f in feats]
    print(f"  fold {k} first stage done in {time.perf_counter() - t0:.0f}s", flush=True)
    return k, labels


def stage2_job(args: tuple[int, str, list, list, str]) -> tuple[int, dict]:
    """Train fold k's second stage and tag its test fold; return predictions and marginals."""
    k, first_path, first, probs, s2_path = args
    prepare(k)
    t0 = time.perf_counter()
    xs2 = stage2_features(tn._STATE.train_x, first, own=STAGE2_OWN, probs=probs if STAGE2_PROBS else None)
    tn.train_model(tn.STAGE2_C1, tn.STAGE2_C2, Path(s2_path), xs=xs2)
    t_fit = time.perf_counter() - t0
    _, test = outer_split(k)
    toks = [t for t, _ in test]
    gold = [y for _, y in test]
    tagger = Tagger(Path(first_path).read_bytes(), tn._STATE.res_full, Path(s2_path).read_bytes())
    t0 = time.perf_counter()
    pred = tagger.tag_document(toks)
    t_tag = time.perf_counter() - t0
    # stage-2 marginals per token (for ensembling): recompute features the tagger's way
    feats = document_features(toks, tn._STATE.res_full)
    s1 = pycrfsuite.Tagger()
    s1.open(first_path)
    first_test = [list(s1.tag(crf_items(f, tn._STATE.res_full))) if f else [] for f in feats]
    s1_marg = []
    for f in feats:
        if not f:
            s1_marg.append([])
            continue
        s1.set(crf_items(f, tn._STATE.res_full))
        labs = s1.labels()
        s1_marg.append([{lab: s1.marginal(lab, t) for lab in labs} for t in range(len(f))])
    sec = stage2_features(feats, first_test, window=12, own=STAGE2_OWN)
    s2 = pycrfsuite.Tagger()
    s2.open(s2_path)
    marg = []
    for f2 in sec:
        if not f2:
            marg.append([])
            continue
        s2.set(crf_items(f2, tn._STATE.res_full))
        labs = s2.labels()
        marg.append([{lab: s2.marginal(lab, t) for lab in labs} for t in range(len(f2))])
    scores = score_spans(gold, pred)
    s1_scores = score_spans(gold, first_test)
    n_tok = sum(len(t) for t in toks)
    print(
        f"fold {k}: stage-2 fit {t_fit:.0f}s, tagged {n_tok} tokens in {t_tag:.1f}s; "
        f"micro-F1 {scores['micro']['f1']:.4f} (stage 1 alone {s1_scores['micro']['f1']:.4f})",
        flush=True,
    )
    return k, {
        "pred": pred,
        "first": first_test,
        "marg": marg,
        "s1_marg": s1_marg,
        "gold": gold,
        "tokens": toks,
        "scores": scores,
        "s1_scores": s1_scores,
    }


def report(name: str, per_fold: list[dict], gold: list, pred: list) -> None:
    """Print pooled per-type scores and the mean ± sd over folds."""
    pooled = score_spans(gold, pred)
    print(f"\n== {name}: pooled over the 5 test folds ==")
    tn.print_scores(pooled)
    print(f"== {name}: mean ± sd over folds ==")
    for key in (*ENTITY_TYPES, "micro"):
        vals = {m: [s[key][m] for s in per_fold if key in s] for m in ("precision", "recall", "f1")}
        print(
            f"{key:6} "
            + " ".join(f"{m[:4]} {statistics.mean(v):.4f}±{(statistics.stdev(v) if len(v) > 1 else 0.0):.4f}" for m, v in vals.items())
        )
    print("fold micro-F1s:", " ".join(f"{s['micro']['f1']:.4f}" for s in per_fold))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "cv_ner.pkl")
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--folds", type=str, default="0,1,2,3,4")
    args = ap.parse_args()
    folds = [int(x) for x in args.folds.split(",")]
    print(f"{len(SENTS)} sentences; outer fold bounds {OUTER}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="cv_ner_"))
    results: dict[int, dict] = {}
    t_all = time.perf_counter()
    ctx = mp.get_context("fork")
    with ctx.Pool(args.procs, maxtasksperchild=None) as pool:
        # phase 1: the five outer first-stage models; each tags its own test fold
        firsts = dict(pool.starmap(first_job, [(k, str(tmp / f"s1_{k}.crfsuite")) for k in range(K_OUTER)], chunksize=1))
        # phase 2: second stage of fold k, trained on the other folds' first-stage labels (each from the
        # model that did not see that fold: the shared jackknife, see the module docstring)
        jobs = []
        for k in folds:
            first = [lab for j in range(K_OUTER) if j != k for lab in firsts[j]]
            jobs.append((k, str(tmp / f"s1_{k}.crfsuite"), first, None, str(tmp / f"s2_{k}.crfsuite")))
        for k, out in pool.imap_unordered(stage2_job, jobs, chunksize=1):
            results[k] = out
    print(f"total {time.perf_counter() - t_all:.0f}s", flush=True)
    args.out.write_bytes(pickle.dumps(results))
    ks = sorted(results)
    gold = [s for k in ks for s in results[k]["gold"]]
    report("two-stage CRF (current recipe)", [results[k]["scores"] for k in ks], gold, [s for k in ks for s in results[k]["pred"]])
    report("first stage alone", [results[k]["s1_scores"] for k in ks], gold, [s for k in ks for s in results[k]["first"]])


if __name__ == "__main__":
    main()

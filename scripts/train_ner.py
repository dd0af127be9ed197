"""Train Marsad's Arabic NER CRF on ANERcorp and print validation scores.

Split: sentences of ``train.txt`` in file order; the last ``--val-frac`` (default 15%) contiguous
sentences are the validation part, used only to choose c1/c2 and to report scores. The written model is
trained on the first 85% only, so ``tests/entities/test_ner.py`` can re-score the validation part.

Usage:
    .venv/bin/python scripts/train_ner.py                 # train with the chosen c1/c2, write the model
    .venv/bin/python scripts/train_ner.py --grid          # tune c1/c2 on the validation part (2 processes)

Deterministic: features are deterministic and crfsuite's L-BFGS has no randomness.
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing as mp
import tempfile
import time
from pathlib import Path

import pycrfsuite

from marsad.entities.ner import (
    ENTITY_TYPES,
    MODEL_FILE,
    Tagger,
    load_resources,
    read_conll,
    score_spans,
    sentence_features,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "corpora" / "anercorp" / "train.txt"
DEFAULT_OUT = ROOT / "src" / "marsad" / "entities" / "data" / MODEL_FILE
VAL_FRAC = 0.15
C1, C2 = 0.05, 0.01  # chosen with --grid (see docs/models/ner.md)
MAX_ITER = 300

_STATE: dict[str, object] = {}


def split(sents: list[tuple[list[str], list[str]]], val_frac: float) -> tuple[list, list]:  # type: ignore[type-arg]
    """Return (train, validation): the validation part is the last contiguous ``val_frac`` of sentences."""
    cut = int(round(len(sents) * (1 - val_frac)))
    return sents[:cut], sents[cut:]


def train_model(c1: float, c2: float, out: Path, max_iter: int = MAX_ITER) -> None:
    """Train a CRF on the prepared training features and save it at ``out``."""
    trainer = pycrfsuite.Trainer(verbose=False)
    for xseq, yseq in zip(_STATE["train_x"], _STATE["train_y"], strict=True):  # type: ignore[call-overload]
        trainer.append(xseq, yseq)
    trainer.set_params(
        {
            "c1": c1,
            "c2": c2,
            "max_iterations": max_iter,
            "feature.possible_transitions": True,
        }
    )
    trainer.train(str(out))


def evaluate(model: Path) -> dict[str, dict[str, float]]:
    """Score a saved model on the validation part."""
    tagger = Tagger(model.read_bytes(), load_resources())
    preds = []
    for toks in _STATE["val_tokens"]:  # type: ignore[attr-defined]
        preds.append(tagger.tag(toks))
    return score_spans(_STATE["val_y"], preds)  # type: ignore[arg-type]


def grid_point(params: tuple[float, float]) -> tuple[float, float, float, dict[str, dict[str, float]]]:
    """Train and score one (c1, c2) point in a temporary file."""
    c1, c2 = params
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.crfsuite"
        train_model(c1, c2, path)
        scores = evaluate(path)
    return c1, c2, scores["micro"]["f1"], scores


def print_scores(scores: dict[str, dict[str, float]]) -> None:
    """Print a per-type table."""
    print(f"{'type':6} {'prec':>6} {'rec':>6} {'f1':>6} {'support':>7}")
    for key in (*ENTITY_TYPES, "micro"):
        s = scores.get(key)
        if s:
            print(f"{key:6} {s['precision']:6.4f} {s['recall']:6.4f} {s['f1']:6.4f} {int(s['support']):7d}")


def main() -> None:
    """Prepare features, then tune or train."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--val-frac", type=float, default=VAL_FRAC)
    ap.add_argument("--c1", type=float, default=C1)
    ap.add_argument("--c2", type=float, default=C2)
    ap.add_argument("--grid", action="store_true", help="tune c1/c2 on the validation part")
    args = ap.parse_args()

    sents = read_conll(args.data)
    train, val = split(sents, args.val_frac)
    print(f"{len(sents)} sentences: train {len(train)} ({sum(len(t) for t, _ in train)} tokens), "
          f"validation {len(val)} ({sum(len(t) for t, _ in val)} tokens)")
    res = load_resources()
    t0 = time.perf_counter()
    _STATE["train_x"] = [sentence_features(toks, res) for toks, _ in train]
    _STATE["train_y"] = [tags for _, tags in train]
    _STATE["val_tokens"] = [toks for toks, _ in val]
    _STATE["val_y"] = [tags for _, tags in val]
    print(f"features in {time.perf_counter() - t0:.1f}s")

    if args.grid:
        grid = list(itertools.product([0.0, 0.05, 0.1, 0.2, 0.4], [0.005, 0.02, 0.05, 0.1]))
        with mp.get_context("fork").Pool(2) as pool:
            results = pool.map(grid_point, grid, chunksize=1)
        for c1, c2, f1, _ in sorted(results, key=lambda r: -r[2]):
            print(f"c1={c1:<5} c2={c2:<6} micro-F1={f1:.4f}")
        best = max(results, key=lambda r: r[2])
        print(f"best c1={best[0]} c2={best[1]}")
        print_scores(best[3])
        return

    t0 = time.perf_counter()
    train_model(args.c1, args.c2, args.out)
    print(f"trained c1={args.c1} c2={args.c2} in {time.perf_counter() - t0:.0f}s -> {args.out} "
          f"({args.out.stat().st_size} bytes)")
    t0 = time.perf_counter()
    scores = evaluate(args.out)
    dt = time.perf_counter() - t0
    n_tok = sum(len(t) for t in _STATE["val_tokens"])  # type: ignore[attr-defined]
    print(f"tagged {n_tok} validation tokens in {dt:.2f}s ({n_tok / dt:.0f} tokens/s, one process)")
    print_scores(scores)


if __name__ == "__main__":
    main()

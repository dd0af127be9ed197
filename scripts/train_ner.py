"""Train Marsad's Arabic NER CRF on ANERcorp and print validation scores.

Split: sentences of ``train.txt`` in file order; the last ``--val-frac`` (default 15%) contiguous
sentences are the validation part, used only to choose c1/c2 and to report scores. The written model is
trained on the first 85% only, so ``tests/entities/test_ner.py`` can re-score the validation part.

Two stages (Krishnan & Manning 2006 style): the first CRF tags the text; the second CRF sees the same
features plus label-consistency features from that first pass (types given to the other mentions of a
word and first-pass entity phrases found elsewhere in the document window, and the token's own
first-pass label). Both stages also see the k-means cluster ids of word vectors (``data/vclusters.tsv.gz``)
and sentence-topic features; dense real-valued word vectors are added only when ``data/embeddings.npz``
exists (not shipped; ``--no-embeddings`` ignores it). The second stage's training features come from jackknifed first-stage predictions
(5 contiguous folds), so they are as noisy in training as on new text.

Usage:
    .venv/bin/python scripts/train_ner.py                 # train both stages, write the models
    .venv/bin/python scripts/train_ner.py --one-stage     # first stage only (no data/ner2.crfsuite)
    .venv/bin/python scripts/train_ner.py --grid          # tune c1/c2 on the validation part (2 processes)

Deterministic: features are deterministic and crfsuite's L-BFGS has no randomness.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import multiprocessing as mp
import pickle
import tempfile
import time
from pathlib import Path

import pycrfsuite

from marsad.entities.ner import (
    CLUSTERS_FILE,
    E5CLUSTERS_FILE,
    EMBEDDINGS_FILE,
    ENTITY_TYPES,
    GAZETTEER_FILE,
    HINTS_FILE,
    MEMORY_FILE,
    MODEL_FILE,
    O_THRESHOLD,
    STAGE2_FILE,
    STAGE2_OWN,
    STAGE2_PROBS,
    VCLUSTERS_FILE,
    FeatureResources,
    Tagger,
    crf_items,
    document_features,
    make_resources,
    memory_lines,
    read_conll,
    score_spans,
    stage2_features,
    type_probs,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "corpora" / "anercorp" / "train.txt"
DATA_DIR = ROOT / "src" / "marsad" / "entities" / "data"
DEFAULT_OUT = DATA_DIR / MODEL_FILE
N_FOLDS = 5  # the training-entity memory feature is built jackknife-style over contiguous folds
VAL_FRAC = 0.15
C1, C2 = 0.02, 0.01  # chosen on the validation part (see docs/models/ner.md)
STAGE2_C1, STAGE2_C2 = 0.02, 0.05  # the second stage's (also chosen on the validation part)
MAX_ITER = 200

Sentence = tuple[list[str], list[str]]


class _State:
    """Prepared data shared with the (forked) grid workers."""

    def __init__(self) -> None:
        """Start empty; ``main`` fills it in."""
        self.train_x: list[list[list[str]]] = []
        self.train_y: list[list[str]] = []
        self.val_tokens: list[list[str]] = []
        self.val_y: list[list[str]] = []
        self.res_full = FeatureResources()
        self.bounds: list[int] = []


_STATE = _State()


def split(sents: list[Sentence], val_frac: float) -> tuple[list[Sentence], list[Sentence]]:
    """Return (train, validation): the validation part is the last contiguous ``val_frac`` of sentences."""
    cut = round(len(sents) * (1 - val_frac))
    return sents[:cut], sents[cut:]


def train_model(
    c1: float,
    c2: float,
    out: Path,
    max_iter: int = MAX_ITER,
    xs: list[list[list[str]]] | None = None,
    ys: list[list[str]] | None = None,
) -> None:
    """Train a CRF on the prepared training features (or on ``xs``/``ys``) and save it at ``out``."""
    trainer = pycrfsuite.Trainer(verbose=False)
    xs = _STATE.train_x if xs is None else xs
    ys = _STATE.train_y if ys is None else ys
    for xseq, yseq in zip(xs, ys, strict=True):
        trainer.append(crf_items(xseq, _STATE.res_full), yseq)
    trainer.set_params(
        {
            "c1": c1,
            "c2": c2,
            "max_iterations": max_iter,
            "feature.possible_transitions": True,
        }
    )
    trainer.train(str(out))


def evaluate(
    model: Path, o_threshold: float = O_THRESHOLD, stage2: Path | None = None
) -> dict[str, dict[str, float]]:
    """Score a saved model (optionally with its second stage) on the validation part."""
    tagger = Tagger(model.read_bytes(), _STATE.res_full, stage2.read_bytes() if stage2 else None)
    tagger.o_threshold = o_threshold
    preds = tagger.tag_document(_STATE.val_tokens)
    return score_spans(_STATE.val_y, preds)


def grid_point(params: tuple[float, float]) -> tuple[float, float, float, dict[str, dict[str, float]]]:
    """Train and score one (c1, c2) point in a temporary file."""
    c1, c2 = params
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.crfsuite"
        train_model(c1, c2, path)
        scores = evaluate(path)
    return c1, c2, scores["micro"]["f1"], scores


FirstPass = tuple[list[list[str]], list[list[dict[str, float]]]]


def fold_job(job: tuple[int, float, float, str]) -> FirstPass:
    """Train the first stage without fold ``k`` and tag fold ``k`` (k = -1: train on all, tag nothing):
    Viterbi labels and per-type marginals of each sentence of the fold."""
    k, c1, c2, out = job
    if k < 0:
        train_model(c1, c2, Path(out))
        return [], []
    a, b = _STATE.bounds[k], _STATE.bounds[k + 1]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fold.crfsuite"
        train_model(
            c1,
            c2,
            path,
            xs=_STATE.train_x[:a] + _STATE.train_x[b:],
            ys=_STATE.train_y[:a] + _STATE.train_y[b:],
        )
        tagger = pycrfsuite.Tagger()
        tagger.open(str(path))
        labels: list[list[str]] = []
        probs: list[list[dict[str, float]]] = []
        for x in _STATE.train_x[a:b]:
            labels.append(list(tagger.tag(crf_items(x, _STATE.res_full))))
            probs.append(type_probs(tagger, len(x), tagger.labels()))
        return labels, probs


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
    ap.add_argument("--stage2-c1", type=float, default=STAGE2_C1)
    ap.add_argument("--stage2-c2", type=float, default=STAGE2_C2)
    ap.add_argument("--grid", action="store_true", help="tune c1/c2 on the validation part")
    ap.add_argument("--one-stage", action="store_true", help="train the first stage only")
    ap.add_argument("--no-embeddings", action="store_true", help=f"ignore data/{EMBEDDINGS_FILE}")
    ap.add_argument(
        "--first-cache",
        type=Path,
        help="pickle of the jackknifed first-stage output: written after training, reused (with the "
        "existing --out first-stage model) to retrain only the second stage",
    )
    args = ap.parse_args()

    sents = read_conll(args.data)
    train, val = split(sents, args.val_frac)
    print(
        f"{len(sents)} sentences: train {len(train)} ({sum(len(t) for t, _ in train)} tokens), "
        f"validation {len(val)} ({sum(len(t) for t, _ in val)} tokens)"
    )
    gaz = gzip.decompress((DATA_DIR / GAZETTEER_FILE).read_bytes()).decode("utf-8").splitlines()
    clusters = gzip.decompress((DATA_DIR / CLUSTERS_FILE).read_bytes()).decode("utf-8").splitlines()
    hints_path = DATA_DIR / HINTS_FILE
    hints = (
        gzip.decompress(hints_path.read_bytes()).decode("utf-8").splitlines() if hints_path.exists() else []
    )
    vc_path = DATA_DIR / VCLUSTERS_FILE
    vclusters = gzip.decompress(vc_path.read_bytes()).decode("utf-8").splitlines() if vc_path.exists() else []
    e5_path = DATA_DIR / E5CLUSTERS_FILE
    e5clusters = gzip.decompress(e5_path.read_bytes()).decode("utf-8").splitlines() if e5_path.exists() else []
    memory = memory_lines(train)
    if not args.grid:
        text = "".join(line + "\n" for line in memory).encode("utf-8")
        (DATA_DIR / MEMORY_FILE).write_bytes(gzip.compress(text, compresslevel=9, mtime=0))
    emb_path = DATA_DIR / EMBEDDINGS_FILE
    emb = emb_path.read_bytes() if emb_path.exists() and not args.no_embeddings else None
    _STATE.res_full = make_resources(gaz + memory, clusters, hints, emb, vclusters, e5clusters)
    t0 = time.perf_counter()
    # Training sentences see a memory built from the other folds only, so the feature is as reliable
    # in training as it is on unseen text.
    bounds = [round(len(train) * k / N_FOLDS) for k in range(N_FOLDS + 1)]
    train_x: list[list[list[str]]] = []
    for k in range(N_FOLDS):
        others = train[: bounds[k]] + train[bounds[k + 1] :]
        res_k = make_resources(gaz + memory_lines(others), clusters, hints, None, vclusters, e5clusters)
        train_x.extend(document_features([toks for toks, _ in train[bounds[k] : bounds[k + 1]]], res_k))
    _STATE.bounds = bounds
    _STATE.train_x = train_x
    _STATE.train_y = [tags for _, tags in train]
    _STATE.val_tokens = [toks for toks, _ in val]
    _STATE.val_y = [tags for _, tags in val]
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

    stage2_path = args.out.parent / STAGE2_FILE
    t0 = time.perf_counter()
    if args.one_stage:
        train_model(args.c1, args.c2, args.out)
        stage2_path.unlink(missing_ok=True)
        stage2: Path | None = None
    else:
        if args.first_cache and args.first_cache.exists() and args.out.exists():
            first, probs = pickle.loads(args.first_cache.read_bytes())  # reuse first stage + jackknife
        else:
            jobs = [(-1, args.c1, args.c2, str(args.out))] + [
                (k, args.c1, args.c2, "") for k in range(N_FOLDS)
            ]
            with mp.get_context("fork").Pool(2) as pool:
                parts = pool.map(fold_job, jobs, chunksize=1)
            first = [labels for part in parts[1:] for labels in part[0]]
            probs = [p for part in parts[1:] for p in part[1]]
            if args.first_cache:
                args.first_cache.write_bytes(pickle.dumps((first, probs)))
            print(f"first stage + {N_FOLDS} jackknife folds in {time.perf_counter() - t0:.0f}s")
        t0 = time.perf_counter()
        xs2 = stage2_features(_STATE.train_x, first, own=STAGE2_OWN, probs=probs if STAGE2_PROBS else None)
        train_model(args.stage2_c1, args.stage2_c2, stage2_path, xs=xs2)
        stage2 = stage2_path
    print(
        f"trained c1={args.c1} c2={args.c2} (stage 2: {args.stage2_c1}, {args.stage2_c2}) in {time.perf_counter() - t0:.0f}s -> {args.out} "
        f"({args.out.stat().st_size} bytes)"
        + (f" + {stage2} ({stage2.stat().st_size} bytes)" if stage2 else "")
    )
    if not _STATE.val_tokens:  # --val-frac 0: the shipped model, trained on all of train.txt
        return
    t0 = time.perf_counter()
    scores = evaluate(args.out, stage2=stage2)
    dt = time.perf_counter() - t0
    n_tok = sum(len(t) for t in _STATE.val_tokens)
    print(f"tagged {n_tok} validation tokens in {dt:.2f}s ({n_tok / dt:.0f} tokens/s, one process)")
    print_scores(scores)


if __name__ == "__main__":
    main()

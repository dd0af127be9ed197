"""NER benchmark: tokens/second of the shipped tagger beside the previous commit's, and a gazetteer baseline.

Run by hand: ``.venv/bin/python bench/entities.py [--previous REV]``. The text is the last 15% of
the sentences of ANERcorp's train.txt (18k tokens). The previous model (``git show REV:`` of the
three model files; default the last commit before the all-data model) is loaded beside the shipped
one, and both tag the same text, cold then warm, so the tokens/s compare in one run. The shipped
model runs first in the cold round and second in the warm one; the process-wide per-word caches
(normalization, folding) are shared, so the second cold pass is partly warm: read the two columns
together.
The shipped model is trained on all of train.txt, so its F1 on this part is a fit of its own
training data, printed only as a check that features and model agree; the unseen-text figure is
the cross-validated one of ``scripts/cv_ner.py``. The baseline tags the longest gazetteer match
(entities/data/gazetteer.tsv.gz) with its type.
"""

from __future__ import annotations

import argparse
import gzip
import subprocess
import time
from importlib import resources
from pathlib import Path

from marsad.entities.ner import (
    CLUSTERS_FILE,
    E5CLUSTERS_FILE,
    GAZETTEER_FILE,
    HINTS_FILE,
    MEMORY_FILE,
    MODEL_FILE,
    STAGE2_FILE,
    VCLUSTERS_FILE,
    Tagger,
    load_tagger,
    make_resources,
    read_conll,
    score_spans,
)
from marsad.text.fold import fold_key

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT.parent / "shared" / "corpora" / "anercorp" / "train.txt"
VAL_FRAC = 0.15  # the same split as scripts/train_ner.py
MAX_WORDS = 5
DATA = "src/marsad/entities/data"
#: The last commit with the model trained on 85% of train.txt (the one shipped before the all-data model).
PREVIOUS_MODEL = "e8ed3a6"


def _git_file(rev: str, name: str) -> bytes:
    return subprocess.run(["git", "show", f"{rev}:{DATA}/{name}"], cwd=ROOT, capture_output=True, check=True).stdout


def previous_tagger(rev: str) -> Tagger:
    """Return the tagger of an earlier revision: its model files and memory, today's shared resources."""
    def lines(name: str, rev: str = "HEAD") -> list[str]:
        return gzip.decompress(_git_file(rev, name)).decode("utf-8").splitlines()

    res = make_resources(lines(GAZETTEER_FILE) + lines(MEMORY_FILE, rev), lines(CLUSTERS_FILE), lines(HINTS_FILE),
                         None, lines(VCLUSTERS_FILE), lines(E5CLUSTERS_FILE))
    return Tagger(_git_file(rev, MODEL_FILE), res, _git_file(rev, STAGE2_FILE))


def gazetteer() -> dict[tuple[str, ...], str]:
    """Return folded word tuples → ANERcorp type from the shipped gazetteer."""
    raw = resources.files("marsad.entities").joinpath("data/gazetteer.tsv.gz").read_bytes()
    out: dict[tuple[str, ...], str] = {}
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        typ, _, name = line.partition("\t")
        if name and typ in {"PERS", "LOC", "ORG", "MISC"}:
            out.setdefault(tuple(fold_key(w) for w in name.split()), typ)
    return out


def gazetteer_tag(tokens: list[str], gaz: dict[tuple[str, ...], str]) -> list[str]:
    """Tag by longest gazetteer match (with a one-letter proclitic allowed on the first word)."""
    keys = [fold_key(t) for t in tokens]
    labels = ["O"] * len(tokens)
    i = 0
    while i < len(tokens):
        hit = None
        for n in range(min(MAX_WORDS, len(tokens) - i), 0, -1):
            for first in (keys[i], keys[i][1:] if keys[i][:1] in "وبلفك" else None):
                if first and (typ := gaz.get((first, *keys[i + 1 : i + n]))):
                    hit = (n, typ)
                    break
            if hit:
                break
        if hit is None:
            i += 1
            continue
        n, typ = hit
        labels[i] = f"B-{typ}"
        for j in range(i + 1, i + n):
            labels[j] = f"I-{typ}"
        i += n
    return labels


def _timed(tagger: Tagger, tokens: list[list[str]]) -> tuple[list[list[str]], float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    pred = tagger.tag_document(tokens)
    return pred, time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    """Time both taggers on the same text, score them, and print a table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--previous", default=PREVIOUS_MODEL, help=f"git revision whose model files are the peer ({PREVIOUS_MODEL})")
    args = ap.parse_args()
    sents = read_conll(TRAIN)
    val = sents[round(len(sents) * (1 - VAL_FRAC)) :]
    tokens = [s[0] for s in val]
    gold = [s[1] for s in val]
    n_tok = sum(len(t) for t in tokens)
    taggers = {"shipped CRF": load_tagger(), f"CRF of {args.previous}": previous_tagger(args.previous)}
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in taggers}
    preds: dict[str, list[list[str]]] = {}
    for rnd in range(2):  # cold, then warm (per-word caches filled: the steady state of a long ingest)
        order = list(taggers) if rnd == 0 else list(reversed(taggers))  # the shipped model first when cold
        for name in order:
            preds[name], wall, cpu = _timed(taggers[name], tokens)
            runs[name].append((wall, cpu))
    gaz = gazetteer()
    t0 = time.perf_counter()
    base = [gazetteer_tag(t, gaz) for t in tokens]
    t_gaz = time.perf_counter() - t0
    print(f"text: {len(val)} sentences, {n_tok} tokens (last {VAL_FRAC:.0%} of train.txt)")
    print(f"{'tagger':20} {'cold tok/s':>10} {'warm tok/s':>10} {'warm tok/CPU-s':>14} {'micro F1':>9} "
          f"{'PERS':>6} {'LOC':>6} {'ORG':>6} {'MISC':>6}")
    rows = [(name, preds[name], runs[name]) for name in taggers] + [("gazetteer only", base, [(t_gaz, t_gaz)] * 2)]
    for name, p, ((cold, _), (warm, warm_cpu)) in rows:
        sc = score_spans(gold, p)
        row = " ".join(f"{sc.get(t, {}).get('f1', 0.0):>6.3f}" for t in ("PERS", "LOC", "ORG", "MISC"))
        print(f"{name:20} {n_tok / cold:>10.0f} {n_tok / warm:>10.0f} {n_tok / warm_cpu:>14.0f} "
              f"{sc['micro']['f1']:>9.3f} {row}")
    print("F1 here is on training data of a model trained on all of train.txt; see scripts/cv_ner.py for unseen text")


if __name__ == "__main__":
    main()

"""NER benchmark: tokens/second and entity-F1 on the validation part, beside a gazetteer-only baseline.

Run by hand: ``.venv/bin/python bench/entities.py``. The validation part is the last 15% of the
sentences of ANERcorp's train.txt (the split of scripts/train_ner.py); the baseline tags the
longest gazetteer match (entities/data/gazetteer.tsv.gz) with its type, measured in the same run.
"""

from __future__ import annotations

import gzip
import time
from importlib import resources
from pathlib import Path

from marsad.entities.ner import read_conll, score_spans, tag_sentences
from marsad.text.fold import fold_key

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT.parent / "shared" / "corpora" / "anercorp" / "train.txt"
VAL_FRAC = 0.15  # the same split as scripts/train_ner.py
MAX_WORDS = 5


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


def main() -> None:
    """Score both taggers on the validation part and print a table."""
    sents = read_conll(TRAIN)
    val = sents[round(len(sents) * (1 - VAL_FRAC)) :]
    tokens = [s[0] for s in val]
    gold = [s[1] for s in val]
    n_tok = sum(len(t) for t in tokens)
    t0, c0 = time.perf_counter(), time.process_time()
    pred = tag_sentences(tokens)
    t_model, c_model = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    tag_sentences(tokens)  # again, with the per-word caches filled (steady state of a long ingest)
    t_warm, c_warm = time.perf_counter() - t0, time.process_time() - c0
    gaz = gazetteer()
    t0 = time.perf_counter()
    base = [gazetteer_tag(t, gaz) for t in tokens]
    t_gaz = time.perf_counter() - t0
    print(f"validation: {len(val)} sentences, {n_tok} tokens (last {VAL_FRAC:.0%} of train.txt)")
    print(f"{'tagger':16} {'tok/s':>8} {'micro F1':>9} {'PERS':>6} {'LOC':>6} {'ORG':>6} {'MISC':>6}")
    for name, p, secs in (("marsad CRF", pred, t_model), ("gazetteer only", base, t_gaz)):
        sc = score_spans(gold, p)
        row = " ".join(f"{sc.get(t, {}).get('f1', 0.0):>6.3f}" for t in ("PERS", "LOC", "ORG", "MISC"))
        print(f"{name:16} {n_tok / secs:>8.0f} {sc['micro']['f1']:>9.3f} {row}")
    print(
        f"marsad CRF tokens/s: first pass {n_tok / t_model:.0f} wall, {n_tok / c_model:.0f} per CPU-second; "
        f"second pass {n_tok / t_warm:.0f} wall, {n_tok / c_warm:.0f} per CPU-second"
    )


if __name__ == "__main__":
    main()

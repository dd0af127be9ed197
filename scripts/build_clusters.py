"""Build distributional word clusters for the NER tagger from unlabeled SaudiNewsNet text.

Trains word2vec (gensim, training-time only) on normalized tokens of the SaudiNewsNet articles, then
clusters the word vectors by recursive 2-means bisection, giving every word a Brown-style bit path
(prefixes are coarser clusters). Writes ``src/marsad/entities/data/clusters.tsv.gz`` (word<TAB>path).

Usage: .venv/bin/python scripts/build_clusters.py [--corpus DIR] [--out FILE]
Needs: gensim (training only; ``pip install gensim``). Single worker and fixed seeds: deterministic.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from marsad.entities.ner import normalize_token

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "saudinewsnet"
DEFAULT_OUT = ROOT / "src" / "marsad" / "entities" / "data" / "clusters.tsv.gz"
TOKEN_RE = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def iter_sentences(corpus: Path) -> Iterator[list[str]]:
    """Yield normalized token lists (one per paragraph line) from every zip in the corpus folder."""
    seen: set[int] = set()
    for zpath in sorted(corpus.glob("*.zip")):
        with zipfile.ZipFile(zpath) as zf:
            for name in sorted(zf.namelist()):
                for art in json.loads(zf.read(name)):
                    content = art.get("content") or ""
                    h = hash(content)
                    if h in seen:  # exact duplicate articles add nothing
                        continue
                    seen.add(h)
                    for line in content.splitlines():
                        toks = [normalize_token(t) for t in TOKEN_RE.findall(line)]
                        if len(toks) >= 3:
                            yield toks


def bisect_paths(vecs: np.ndarray, depth: int, min_size: int, seed: int) -> list[str]:
    """Give each row a bit path by recursive spherical 2-means to ``depth`` levels."""
    rng = np.random.default_rng(seed)
    paths = [""] * len(vecs)
    stack: list[tuple[np.ndarray, str]] = [(np.arange(len(vecs)), "")]
    while stack:
        idx, prefix = stack.pop()
        if len(prefix) >= depth or len(idx) < min_size:
            for i in idx:
                paths[i] = prefix or "0"
            continue
        x = vecs[idx]
        centers = x[rng.choice(len(idx), 2, replace=False)].copy()
        assign = np.zeros(len(idx), dtype=np.int64)
        for _ in range(15):
            sims = x @ centers.T
            new = np.argmax(sims, axis=1)
            if _ > 0 and np.array_equal(new, assign):
                break
            assign = new
            for k in (0, 1):
                members = x[assign == k]
                if len(members):
                    c = members.mean(axis=0)
                    centers[k] = c / (np.linalg.norm(c) + 1e-9)
        if assign.min() == assign.max():
            for i in idx:
                paths[i] = prefix or "0"
            continue
        for k in (0, 1):
            stack.append((idx[assign == k], prefix + str(k)))
    return paths


def main() -> None:
    """Train embeddings, cluster them, write the cluster file."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--max-words", type=int, default=120_000)
    ap.add_argument("--min-count", type=int, default=4)
    ap.add_argument("--depth", type=int, default=14)
    args = ap.parse_args()

    from gensim.models import Word2Vec  # type: ignore[import-untyped]  # training-time dependency only

    sents = list(iter_sentences(args.corpus))
    counts = Counter(t for s in sents for t in s)
    print(f"{len(sents)} lines, {sum(counts.values())} tokens, {len(counts)} types")
    model = Word2Vec(
        sentences=sents,
        vector_size=100,
        window=4,
        min_count=args.min_count,
        sg=1,
        negative=8,
        epochs=5,
        workers=1,
        seed=13,
        max_final_vocab=args.max_words,
    )
    words = [w for w in model.wv.index_to_key if any("\u0621" <= c <= "\u064a" for c in w) or w.isalpha()]
    vecs = np.stack([model.wv[w] for w in words]).astype(np.float64)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-9
    paths = bisect_paths(vecs, depth=args.depth, min_size=8, seed=7)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(f"{w}\t{p}\n" for w, p in sorted(zip(words, paths, strict=True)))
    args.out.write_bytes(gzip.compress(lines.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"wrote {len(words)} words to {args.out} ({args.out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()

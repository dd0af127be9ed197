"""The second stage's label-consistency features, from a first-pass tagging of the same text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

import pycrfsuite

from marsad.entities.ner.features import DOC_WINDOW, _feature_value, sliding_window
from marsad.entities.ner.resources import _ARABIC_LETTER, _LATIN, bio_spans

PROB_BINS: tuple[tuple[float, str], ...] = ((0.9, "vhi"), (0.6, "hi"), (0.3, "mid"), (0.1, "lo"))


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
    """Add label-consistency features from a first-pass tagging of the same text (two-stage CRF):
    each row of ``doc_feats`` followed by its ``stage2_extras``."""
    norms = [[_feature_value(tf, "w") for tf in sent] for sent in doc_feats]
    words = [[_feature_value(tf, "r") for tf in sent] for sent in doc_feats]
    extras = stage2_extras(norms, words, stage1, window, own, probs)
    return [[[*tf, *x] for tf, x in zip(sent, ex, strict=True)] for sent, ex in zip(doc_feats, extras, strict=True)]


@lru_cache(maxsize=65536)  # asked for every token of every text: news vocabulary repeats
def _countable(word: str) -> bool:
    """Whether a word's first-pass types count as evidence for its other mentions (a word, not a sign)."""
    return len(word) >= 2 and bool(_ARABIC_LETTER.search(word) or _LATIN.search(word))


def stage2_extras(
    norms: Sequence[Sequence[str]],
    words: Sequence[Sequence[str]],
    stage1: Sequence[Sequence[str]],
    window: int = DOC_WINDOW,
    own: bool = True,
    probs: Sequence[Sequence[dict[str, float]]] | None = None,
) -> list[list[list[str]]]:
    """The second stage's extra features of each token, from the first-pass labels of a text whose
    tokens have the normalized forms ``norms`` and clitic-stripped words ``words``.

    For each token: the first-pass types of the *other* mentions of its clitic-stripped word within
    ``window`` sentences (``d2w=TYPE``, majority ``d2m=TYPE``), the longest first-pass entity phrase
    found elsewhere in the window that starts here (``d2p=B-TYPE``/``I-TYPE``) and, with ``own``, the
    token's own first-pass label (``s1=LABEL``) and, given ``probs`` (``type_probs`` per sentence), the
    binned first-pass marginal of each type (``s1p=TYPE:bin``).
    """
    # per sentence: word -> Counter-like dict of first-pass types; phrase -> types with their positions
    word_ev: list[dict[str, dict[str, int]]] = []
    phrase_ev: list[dict[tuple[str, ...], list[tuple[str, int]]]] = []
    for k, labels in enumerate(stage1):
        wd: dict[str, dict[str, int]] = {}
        for t, lab in enumerate(labels):
            w = words[k][t]
            if not _countable(w):
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

    out: list[list[list[str]]] = []
    for k in sliding_window(len(norms), window, add):
        sent = norms[k]
        own_phrases = phrase_ev[k]
        labels = stage1[k]
        n = len(sent)
        ptags: dict[int, set[str]] = {}
        for i in range(n):
            max_len = first_len.get(sent[i], 0)
            if not max_len:
                continue
            for length in range(min(max_len, n - i), 0, -1):
                phrase = tuple(norms[k][i : i + length])
                types = dict(pagg.get(phrase, {}))
                for etype, _start in own_phrases.get(phrase, ()):  # only mentions elsewhere count
                    types[etype] -= 1
                types = {e: c for e, c in types.items() if c > 0}
                if types:
                    etype = max(types, key=lambda e: (types[e], e))
                    ptags.setdefault(i, set()).add(f"B-{etype}")
                    for j2 in range(i + 1, i + length):
                        ptags.setdefault(j2, set()).add(f"I-{etype}")
                    break
        rows: list[list[str]] = []
        for t in range(n):
            feats: list[str] = []
            if own:
                feats.append(f"s1={labels[t]}")
            if probs is not None:
                for etype, p in sorted(probs[k][t].items()):
                    b = _prob_bin(p)
                    if b:
                        feats.append(f"s1p={etype}:{b}")
            wslot = wagg.get(words[k][t])
            if wslot:
                mine = labels[t][2:] if labels[t] != "O" else "O"
                counts = {e: c - (e == mine) for e, c in wslot.items()}
                counts = {e: c for e, c in counts.items() if c > 0}
            else:
                counts = {}
            if counts:
                feats.extend(f"d2w={e}" for e in sorted(counts))
                feats.append(f"d2m={max(counts, key=lambda e: (counts[e], e))}")
            if t in ptags:
                feats.extend(f"d2p={p}" for p in sorted(ptags[t]))
            rows.append(feats)
        out.append(rows)
    return out

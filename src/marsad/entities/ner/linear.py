"""Viterbi decoding of a crfsuite model in numpy, with each word's feature weights summed once.

crfsuite scores a token by hashing every feature string of it (about 150: the word's own features and
its neighbours') on every occurrence. Most of those strings depend only on a word and its offset, so
here their weights are summed once per distinct word (cached on the word's ``TokenFeatures``, which
lives as long as the feature cache keeps the word) and a token's score is a few vector additions plus
the handful of features that depend on where it stands. Decoding is batched over a text's sentences.
The weights are read exactly (float64) from the model file, so labels are crfsuite's own up to the
order of floating-point additions (tested on real articles). Marginals are not computed: the shipped
settings decode with plain Viterbi, and the crfsuite path stays for the settings that need them.
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import Sequence

import numpy as np
import pycrfsuite

from marsad.entities.ner.features import CONTEXT_KEYS, NEIGHBOUR_OFFSETS, TokenFeatures

#: crfsuite's CRF1d file header (crf1dmodel.c: magic, size, type, version, counts and chunk offsets).
_HEADER = struct.Struct("<4sI4sIIIIIIIII")
#: One feature record: type (0 state, 1 transition), source, destination, weight.
_FEATURE = np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("weight", "<f8")])
_serial = itertools.count()
#: Rows of a word's score block: the word itself, then as the neighbour at each of NEIGHBOUR_OFFSETS.
BLOCK_ROWS = 1 + len(NEIGHBOUR_OFFSETS)


def read_weights(model: bytes, tagger: pycrfsuite.Tagger) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """A crfsuite CRF1d model's labels, attributes, attribute × label and label × label weights:
    names from ``tagger`` (opened on the same bytes), weights exactly as stored in ``model``."""
    magic, _size, kind, _ver, _nf, n_labels, n_attrs, off_feats, *_ = _HEADER.unpack_from(model, 0)
    if magic != b"lCRF" or kind != b"FOMC":
        raise ValueError("not a crfsuite CRF1d model")
    chunk, _chunk_size, n_feats = struct.unpack_from("<4sII", model, off_feats)
    if chunk != b"FEAT":
        raise ValueError("crfsuite model without a feature chunk")
    feats = np.frombuffer(model, dtype=_FEATURE, count=n_feats, offset=off_feats + 12)
    info = tagger.info()
    labels = [""] * n_labels
    for name, idx in info.labels.items():
        labels[int(idx)] = name
    attrs = [""] * n_attrs
    for name, idx in info.attributes.items():
        attrs[int(idx)] = name
    # The names come through crfsuite's text dump: a name it cannot carry (a line break) would leave
    # a hole or a clash here and score wrongly in silence, so refuse such a model instead.
    if len(info.labels) != n_labels or len(info.attributes) != n_attrs or len(set(attrs)) != n_attrs:
        raise ValueError("crfsuite model whose label or attribute names do not survive its dump")
    weights = np.zeros((n_attrs, n_labels))
    state = feats[feats["type"] == 0]
    weights[state["src"], state["dst"]] = state["weight"]
    trans = np.zeros((n_labels, n_labels))
    edges = feats[feats["type"] == 1]
    trans[edges["src"], edges["dst"]] = edges["weight"]
    return labels, attrs, weights, trans


class LinearCRF:
    """A tagger's crfsuite models (its stages) as one attribute × (stage, label) weight matrix, so that
    one lookup of a feature string scores it for every stage."""

    def __init__(self, models: Sequence[tuple[bytes, pycrfsuite.Tagger]]) -> None:
        """Read each stage's weights; stages share the attribute rows, each has its label columns."""
        parsed = [read_weights(model, tagger) for model, tagger in models]
        self.attrs: dict[str, int] = {}
        for _labels, attrs, _w, _t in parsed:
            for name in attrs:
                self.attrs.setdefault(name, len(self.attrs))
        self._unknown = len(self.attrs)  # a zero row for features no stage knows
        self.labels: list[list[str]] = []
        self.trans: list[np.ndarray] = []
        self.columns: list[slice] = []
        width = sum(len(p[0]) for p in parsed)
        self.weights = np.zeros((self._unknown + 1, width))
        col = 0
        for labels, attrs, weights, trans in parsed:
            rows = [self.attrs[name] for name in attrs]
            self.weights[rows, col : col + len(labels)] = weights
            self.columns.append(slice(col, col + len(labels)))
            self.labels.append(labels)
            self.trans.append(trans)
            col += len(labels)
        self._bias = self.weights[self.attrs["bias"]] if "bias" in self.attrs else np.zeros(width)
        self.key = next(_serial)  # which of a word's cached score blocks is this model's
        self._slots = self._word_slots()

    def _word_slots(self) -> dict[str, dict[str, tuple[int, ...]]]:
        """For each word-feature key and value the model knows, the weight rows of its string as the
        token itself and as the neighbour at -2, -1, 1, 2 (the zero row where the model lacks one).

        A word's block is then the sum of its values' rows, found by two dict lookups per feature
        instead of formatting and hashing ~150 strings per new word (most unknown to the model). The
        strings are ``key=value`` and ``off:key=value``; keys hold no ``=``, so cutting a name at its
        first ``=`` gives back exactly the key (with its offset) and the value."""
        unknown = self._unknown
        slot_of = {"": 0} | {f"{off}:": k for k, off in enumerate(NEIGHBOUR_OFFSETS, start=1)}
        rows: dict[str, dict[str, list[int]]] = {}
        for name, row in self.attrs.items():
            head, eq, value = name.partition("=")
            if not eq:
                continue
            off, colon, key = head.rpartition(":")
            slot = slot_of.get(off + colon)
            if slot is None or (slot and key not in CONTEXT_KEYS[abs(NEIGHBOUR_OFFSETS[slot - 1])]):
                continue  # not a word's own or neighbour string (a position feature, a pair)
            rows.setdefault(key, {}).setdefault(value, [unknown] * BLOCK_ROWS)[slot] = row
        return {key: {v: tuple(r) for v, r in values.items()} for key, values in rows.items()}

    def word_scores(self, tf: TokenFeatures) -> np.ndarray:
        """The ``BLOCK_ROWS`` × columns block of a word: its own strings' weights, then as neighbour at -2, -1, 1, 2."""
        if tf.scores is not None and tf.scores[0] == self.key:
            block: np.ndarray = tf.scores[1]
        else:
            slots = self._slots
            # zero rows, so that a word with no known value sums to zero
            ids: list[tuple[int, ...]] = [(self._unknown,) * BLOCK_ROWS]
            for key, value in tf.items():
                values = slots.get(key)
                if values is not None:
                    hit = values.get(value)
                    if hit is not None:
                        ids.append(hit)
            block = self.weights[ids].sum(axis=0)
            tf.scores = (self.key, block)
        return block

    def emissions(
        self, sentences: Sequence[Sequence[TokenFeatures]], extra: Sequence[Sequence[Sequence[str]]]
    ) -> np.ndarray:
        """The tokens × columns state scores of a text's sentences, one after the other: bias, the
        words' cached blocks at their offsets within each sentence, and each token's ``extra``
        (position-dependent) strings."""
        lens = [len(s) for s in sentences]
        n = sum(lens)
        if n == 0:
            return np.zeros((0, self.weights.shape[1]))
        blocks = np.stack([self.word_scores(tf) for s in sentences for tf in s])
        scores = blocks[:, 0] + self._bias
        sid = np.repeat(np.arange(len(lens)), lens)
        pos = np.arange(n)
        for k, off in enumerate(NEIGHBOUR_OFFSETS, start=1):
            j = pos + off
            ok = (j >= 0) & (j < n)
            ok[ok] &= sid[j[ok]] == sid[ok]
            scores[ok] += blocks[j[ok], k]
        self.add(scores, extra)
        return scores

    def add(self, scores: np.ndarray, extra: Sequence[Sequence[Sequence[str]]]) -> None:
        """Add the weights of each token's ``extra`` strings (sentences one after the other) in place."""
        get = self.attrs.get
        hits = [
            (t, a)
            for t, strings in enumerate(s for sent in extra for s in sent)
            for a in map(get, strings)
            if a is not None
        ]
        if hits:
            # Tokens come in order, so each token's rows are one run: sum the runs (one reduceat)
            # and add them once, instead of np.add.at row by row.
            at = np.fromiter((t for t, _ in hits), dtype=np.intp, count=len(hits))
            starts = np.flatnonzero(np.concatenate(([True], at[1:] != at[:-1])))
            rows = self.weights[[a for _, a in hits]]
            scores[at[starts]] += np.add.reduceat(rows, starts, axis=0)

    def viterbi(self, stage: int, scores: np.ndarray, lens: Sequence[int]) -> list[list[str]]:
        """Best label sequence of each sentence under ``stage``'s model, all sentences decoded together
        (ties go to the lower label id, as in crfsuite). Memory is tokens × labels: each step reads the
        sentences still running (longest first) straight from the tokens' scores, with no padding."""
        labels, trans = self.labels[stage], self.trans[stage]
        flat = scores[:, self.columns[stage]]
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.intp) if len(lens) else np.zeros(0, np.intp)
        order = sorted((k for k in range(len(lens)) if lens[k]), key=lambda k: -lens[k])
        out: list[list[str]] = [[] for _ in lens]
        if not order:
            return out
        sizes = [lens[k] for k in order]
        first = starts[order]
        delta = flat[first].copy()
        back: list[list[list[int]]] = []  # per step t >= 1: the running sentences' best previous labels
        active = len(order)
        for t in range(1, sizes[0]):
            while sizes[active - 1] <= t:  # sentences sorted longest first: the running ones are a prefix
                active -= 1
            cand = delta[:active, :, None] + trans  # previous label × next label
            back.append(cand.argmax(axis=1).tolist())
            delta[:active] = cand.max(axis=1) + flat[first[:active] + t]
        last = delta.argmax(axis=1).tolist()
        for row, k in enumerate(order):
            path = [last[row]]
            for t in range(sizes[row] - 1, 0, -1):
                path.append(back[t - 1][row][path[-1]])
            out[k] = [labels[i] for i in reversed(path)]
        return out

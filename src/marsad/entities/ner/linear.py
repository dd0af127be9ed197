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

from marsad.entities.ner.features import TokenFeatures

#: crfsuite's CRF1d file header (crf1dmodel.c: magic, size, type, version, counts and chunk offsets).
_HEADER = struct.Struct("<4sI4sIIIIIIIII")
#: One feature record: type (0 state, 1 transition), source, destination, weight.
_FEATURE = np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("weight", "<f8")])
_OFFSETS = (-2, -1, 1, 2)  # the neighbours whose ``ctx`` strings a token carries
_serial = itertools.count()


class LinearCRF:
    """A crfsuite CRF1d model as dense weight matrices: attribute × label and label × label."""

    def __init__(self, model: bytes, tagger: pycrfsuite.Tagger) -> None:
        """Read the weights from the model bytes and the attribute and label names from ``tagger``."""
        magic, _size, kind, _ver, _nf, n_labels, n_attrs, off_feats, *_ = _HEADER.unpack_from(model, 0)
        if magic != b"lCRF" or kind != b"FOMC":
            raise ValueError("not a crfsuite CRF1d model")
        chunk, _chunk_size, n_feats = struct.unpack_from("<4sII", model, off_feats)
        if chunk != b"FEAT":
            raise ValueError("crfsuite model without a feature chunk")
        feats = np.frombuffer(model, dtype=_FEATURE, count=n_feats, offset=off_feats + 12)
        info = tagger.info()
        self.labels: list[str] = [""] * n_labels
        for name, idx in info.labels.items():
            self.labels[int(idx)] = name
        self.attrs: dict[str, int] = {name: int(idx) for name, idx in info.attributes.items()}
        # one zero row past the attributes for features the model does not know
        self.weights = np.zeros((n_attrs + 1, n_labels))
        state = feats[feats["type"] == 0]
        self.weights[state["src"], state["dst"]] = state["weight"]
        self.trans = np.zeros((n_labels, n_labels))
        trans = feats[feats["type"] == 1]
        self.trans[trans["src"], trans["dst"]] = trans["weight"]
        self._unknown = n_attrs
        self._bias = self.weights[self.attrs["bias"]] if "bias" in self.attrs else np.zeros(n_labels)
        self.key = next(_serial)  # which of a word's cached score blocks is this model's

    def _sum(self, strings: Sequence[str]) -> np.ndarray:
        """Summed weight rows of some feature strings (each counted as often as it occurs)."""
        get = self.attrs.get
        total: np.ndarray = self.weights[[get(s, self._unknown) for s in strings]].sum(axis=0)
        return total

    def word_scores(self, tf: TokenFeatures) -> np.ndarray:
        """The 5 × labels block of a word: its own strings' weights, then as neighbour at -2, -1, 1, 2."""
        block = tf.scores.get(self.key)
        if block is None:
            block = np.stack([self._sum(tf.own), *(self._sum(tf.ctx[off]) for off in _OFFSETS)])
            tf.scores[self.key] = block
        return block

    def emissions(self, sentences: Sequence[Sequence[TokenFeatures]], extra: Sequence[Sequence[Sequence[str]]]) -> list[np.ndarray]:
        """Per sentence, the tokens × labels state scores: bias, the words' cached blocks at their
        offsets within the sentence, and each token's ``extra`` (position-dependent) strings."""
        lens = [len(s) for s in sentences]
        n = sum(lens)
        if n == 0:
            return [np.zeros((0, len(self.labels))) for _ in sentences]
        blocks = np.stack([self.word_scores(tf) for s in sentences for tf in s])
        scores = blocks[:, 0] + self._bias
        sid = np.repeat(np.arange(len(lens)), lens)
        pos = np.arange(n)
        for k, off in enumerate(_OFFSETS, start=1):
            j = pos + off
            ok = (j >= 0) & (j < n)
            ok[ok] &= sid[j[ok]] == sid[ok]
            scores[ok] += blocks[j[ok], k]
        get = self.attrs.get
        rows: list[int] = []
        at: list[int] = []
        for t, strings in enumerate(s for sent in extra for s in sent):
            for s in strings:
                a = get(s)
                if a is not None:
                    rows.append(a)
                    at.append(t)
        if rows:
            np.add.at(scores, np.asarray(at), self.weights[rows])
        return np.split(scores, np.cumsum(lens)[:-1])

    def viterbi(self, scores: Sequence[np.ndarray]) -> list[list[str]]:
        """Best label sequence of each sentence, decoded together (ties go to the lower label id, as
        in crfsuite)."""
        order = sorted(range(len(scores)), key=lambda k: -len(scores[k]))
        lens = [len(scores[k]) for k in order]
        out: list[list[str]] = [[] for _ in scores]
        if not lens or lens[0] == 0:
            return out
        n_lab = len(self.labels)
        padded = np.zeros((len(order), lens[0], n_lab))
        for row, k in enumerate(order):
            padded[row, : lens[row]] = scores[k]
        delta = padded[:, 0].copy()
        back = np.zeros((len(order), lens[0], n_lab), dtype=np.intp)
        active = len(order)
        for t in range(1, lens[0]):
            while lens[active - 1] <= t:  # sentences sorted longest first: the active ones are a prefix
                active -= 1
            cand = delta[:active, :, None] + self.trans  # previous label × next label
            back[:active, t] = cand.argmax(axis=1)
            delta[:active] = cand.max(axis=1) + padded[:active, t]
        last = delta.argmax(axis=1).tolist()
        for row, k in enumerate(order):
            n = lens[row]
            if n == 0:
                continue
            path = [last[row]]
            steps = back[row, :n].tolist()
            for t in range(n - 1, 0, -1):
                path.append(steps[t][path[-1]])
            out[k] = [self.labels[i] for i in reversed(path)]
        return out

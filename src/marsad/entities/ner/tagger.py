"""The two-stage tagger, its loading, and entity-level scoring of BIO labels."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pycrfsuite

from marsad.entities.ner.features import (
    O_THRESHOLD,
    STAGE2_OWN,
    STAGE2_PROBS,
    STAGE2_WINDOW,
    CrfItems,
    SentenceParts,
    crf_items,
    document_parts,
    occurrence_features,
    sentence_parts,
    sentence_rows,
)
from marsad.entities.ner.linear import LinearCRF
from marsad.entities.ner.resources import (
    _PACKAGE,
    MODEL_FILE,
    STAGE2_FILE,
    FeatureResources,
    _open_data,
    bio_spans,
    load_resources,
)
from marsad.entities.ner.stage2 import stage2_extras, stage2_features, type_probs

log = logging.getLogger(__name__)

# --- tagging ---------------------------------------------------------------------------------------


class Tagger:
    """A loaded CRF model (optionally two-stage) plus its feature resources."""

    def __init__(
        self, model: bytes | Path | str, res: FeatureResources, stage2: bytes | Path | str | None = None
    ) -> None:
        """Open a crfsuite model (and an optional second-stage model) given as bytes or file paths."""
        self._keep: list[bytes] = []  # crfsuite reads in-memory models in place: keep the bytes alive
        self._tagger = self._open(model)
        self._stage2 = self._open(stage2) if stage2 is not None else None
        stages = [(self._keep[0], self._tagger)]
        if self._stage2 is not None:
            stages.append((self._keep[1], self._stage2))
        self._linear = LinearCRF(stages)
        self._lock = threading.Lock()
        self.resources = res
        final = self._stage2 or self._tagger
        self._first_labels = tuple(self._tagger.labels())
        self._labels = frozenset(final.labels())
        self._types = sorted({lab[2:] for lab in self._labels if lab != "O"})
        self.o_threshold = O_THRESHOLD

    def _open(self, model: bytes | Path | str) -> pycrfsuite.Tagger:
        tagger = pycrfsuite.Tagger()
        data = model if isinstance(model, bytes) else Path(model).read_bytes()
        self._keep.append(data)
        tagger.open_inmemory(data)
        return tagger

    @property
    def two_stage(self) -> bool:
        """Whether a second-stage (label-consistency) model is loaded."""
        return self._stage2 is not None

    def _decode(self, items: CrfItems, tagger: pycrfsuite.Tagger | None = None) -> list[str]:
        """Viterbi labels, then recall-oriented repair: an ``O`` whose marginal is below the threshold
        takes the most probable entity type (CRFs trained on ANERcorp are precise but miss entities)."""
        if not items:
            return []
        crf = self._tagger if tagger is None else tagger
        final = crf is (self._stage2 or self._tagger)
        with self._lock:
            labels: list[str] = list(crf.tag(items))
            if final and self.o_threshold > 0:
                for t, lab in enumerate(labels):
                    if lab != "O" or crf.marginal("O", t) >= self.o_threshold:
                        continue
                    best, best_p = "", 0.0
                    for etype in self._types:
                        p_b = self._marginal(crf, f"B-{etype}", t)
                        p_i = self._marginal(crf, f"I-{etype}", t)
                        if p_b + p_i > best_p:
                            prev = labels[t - 1] if t else "O"
                            cont = prev != "O" and prev[2:] == etype and p_i >= p_b
                            best, best_p = f"{'I' if cont else 'B'}-{etype}", p_b + p_i
                    if best:
                        labels[t] = best
        return _repair_bio(labels)

    def _marginal(self, crf: pycrfsuite.Tagger, label: str, t: int) -> float:
        """Marginal probability of ``label`` at position ``t`` (0 for labels the model lacks)."""
        return float(crf.marginal(label, t)) if label in self._labels else 0.0

    def _tag_features(self, feats: list[list[list[str]]], window: int = STAGE2_WINDOW) -> list[list[str]]:
        """Tag featurized sentences: the first pass, then (if loaded) the label-consistency pass."""
        items = [crf_items(f, self.resources) for f in feats]
        if self._stage2 is None:
            return [self._decode(it) for it in items]
        first: list[list[str]] = []
        probs: list[list[dict[str, float]]] | None = [] if STAGE2_PROBS else None
        with self._lock:  # raw first-pass Viterbi labels, as the second stage was trained on
            for f, it in zip(feats, items, strict=True):
                first.append(list(self._tagger.tag(it)) if f else [])
                if probs is not None:
                    probs.append(type_probs(self._tagger, len(f), self._first_labels) if f else [])
        second = stage2_features(feats, first, window=window, own=STAGE2_OWN, probs=probs)
        return [
            self._decode(_extend_items(it, f, f2), self._stage2)
            for it, f, f2 in zip(items, feats, second, strict=True)
        ]

    def _tag_parts(self, parts: list[SentenceParts]) -> list[list[str]]:
        """Tag analysed sentences: in numpy (``linear``) under the shipped settings, else through
        crfsuite (marginals are needed for the ``O`` repair and the binned-probability features)."""
        if self.o_threshold > 0 or STAGE2_PROBS or self.resources.emb_vectors is not None:
            return self._tag_features([sentence_rows(p) for p in parts])
        singles = [p[0] for p in parts]
        lens = [len(s) for s in singles]
        lin = self._linear
        scores = lin.emissions(singles, [occurrence_features(*p) for p in parts])
        labels = lin.viterbi(0, scores, lens)
        if self._stage2 is not None:
            norms = [[tf["w"] for tf in s] for s in singles]
            words = [[tf["r"] for tf in s] for s in singles]
            lin.add(scores, stage2_extras(norms, words, labels, window=STAGE2_WINDOW, own=STAGE2_OWN))
            labels = lin.viterbi(1, scores, lens)
        return [_repair_bio(labs) for labs in labels]

    def tag(self, tokens: Sequence[str]) -> list[str]:
        """Return one BIO label per token."""
        if not tokens:
            return []
        return self._tag_parts([sentence_parts(tokens, self.resources)])[0]

    def tag_document(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """Tag consecutive sentences of one text, using evidence from nearby sentences."""
        return self._tag_parts(document_parts(sentences, self.resources))


def _extend_items(items: CrfItems, rows: Sequence[Sequence[str]], rows2: Sequence[Sequence[str]]) -> CrfItems:
    """Second-stage items from first-stage ``items`` of ``rows``, where each row of ``rows2`` is the same
    row plus extra string features (as ``crf_items(rows2)`` would give, without redoing the vectors)."""
    if not items or not isinstance(items[0], dict):
        return rows2
    out: list[dict[str, float]] = []
    for item, row, row2 in zip(items, rows, rows2, strict=True):
        assert isinstance(item, dict)
        ext = dict(item)
        ext.update(dict.fromkeys(row2[len(row) :], 1.0))
        out.append(ext)
    return out


def _repair_bio(labels: list[str]) -> list[str]:
    """Turn an ``I-X`` that does not continue an ``X`` span into ``B-X``."""
    out: list[str] = []
    prev = "O"
    for lab in labels:
        if lab.startswith("I-") and prev[2:] != lab[2:]:
            lab = "B-" + lab[2:]
        out.append(lab)
        prev = lab
    return out


@lru_cache(maxsize=1)
def load_tagger() -> Tagger:
    """Load (once) the tagger from the package data."""
    ref = resources.files(_PACKAGE).joinpath("data", STAGE2_FILE)
    stage2 = ref.read_bytes() if ref.is_file() else None
    log.info("loading the NER tagger (%s)", "two stages" if stage2 else "one stage")
    return Tagger(_open_data(MODEL_FILE), load_resources(), stage2)


def tag_tokens(tokens: list[str]) -> list[str]:
    """Tag one tokenized sentence with BIO labels (PERS/LOC/ORG/MISC)."""
    return load_tagger().tag(tokens)


def tag_sentences(sentences: list[list[str]]) -> list[list[str]]:
    """Tag consecutive tokenized sentences of one text (mentions in nearby sentences inform each other)."""
    return load_tagger().tag_document(sentences)


# --- evaluation (seqeval-style, exact span + type, micro-averaged) --------------------------------


def score_spans(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict[str, dict[str, float]]:
    """Per-type and micro precision/recall/F1/support over sentences of BIO labels."""
    tp: dict[str, int] = {}
    n_gold: dict[str, int] = {}
    n_pred: dict[str, int] = {}
    for g_sent, p_sent in zip(gold, pred, strict=True):
        g, p = bio_spans(g_sent), bio_spans(p_sent)
        for etype, *_ in g:
            n_gold[etype] = n_gold.get(etype, 0) + 1
        for etype, *_ in p:
            n_pred[etype] = n_pred.get(etype, 0) + 1
        for etype, *_ in g & p:
            tp[etype] = tp.get(etype, 0) + 1

    def prf(t: int, ng: int, np_: int) -> dict[str, float]:
        prec = t / np_ if np_ else 0.0
        rec = t / ng if ng else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        return {"precision": prec, "recall": rec, "f1": f1, "support": float(ng)}

    types = sorted(set(n_gold) | set(n_pred))
    out = {t: prf(tp.get(t, 0), n_gold.get(t, 0), n_pred.get(t, 0)) for t in types}
    out["micro"] = prf(sum(tp.values()), sum(n_gold.values()), sum(n_pred.values()))
    return out


def read_conll(path: Path | str) -> list[tuple[list[str], list[str]]]:
    """Read ``token TAG`` lines into sentences, splitting at blank lines and after ``.`` tokens."""
    sents: list[tuple[list[str], list[str]]] = []
    toks: list[str] = []
    tags: list[str] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) < 2:
                # blank line or a line with an empty token: a blank line closes the sentence
                if not parts and toks:
                    sents.append((toks, tags))
                    toks, tags = [], []
                continue
            tag = parts[-1]
            for tok in parts[:-1]:
                # one corrupt line reads ". Oالإصابة O": split glued tag letters off the token
                if len(parts) > 2 and tok[:1] in "OBI" and len(tok) > 1 and not tok[1:2].isascii():
                    tok = tok[1:]
                toks.append(tok)
                tags.append(tag)
                if tok == ".":
                    sents.append((toks, tags))
                    toks, tags = [], []
    if toks:
        sents.append((toks, tags))
    return sents

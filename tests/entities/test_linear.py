"""The numpy decoder (``ner.linear``) gives crfsuite's own labels on real articles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from marsad.entities.canonical import _sentences
from marsad.entities.ner import document_features, load_tagger, sentence_features
from marsad.entities.ner.linear import LinearCRF

CASES = Path(__file__).resolve().parents[1] / "data" / "entities" / "cases.json"


def _texts() -> list[list[list[str]]]:
    """The fixture's 95 real SaudiNewsNet articles as tokenized sentences (title, then content)."""
    arts = json.loads(CASES.read_text(encoding="utf-8"))["articles"]
    docs = []
    for art in arts:
        text = f"{art['title']}\n{art['content']}"
        docs.append([[t.text for t in s] for s in _sentences(text, 0)])
    return docs


def test_linear_decoder_matches_crfsuite_on_real_articles() -> None:
    """Both stages through numpy give the labels crfsuite gives, token for token, with entities found."""
    tagger = load_tagger()
    docs = _texts()
    assert len(docs) >= 90
    n_tokens = n_entities = 0
    for sents in docs:
        fast = tagger.tag_document(sents)
        slow = tagger._tag_features(document_features(sents, tagger.resources))
        assert fast == slow
        n_tokens += sum(map(len, sents))
        n_entities += sum(lab.startswith("B-") for labs in fast for lab in labs)
    assert n_tokens > 8_000 and n_entities > 500


def test_linear_single_sentence_matches_crfsuite() -> None:
    """A sentence tagged alone (no document evidence) agrees too, including an empty one."""
    tagger = load_tagger()
    for sents in _texts()[:20]:
        for toks in sents[:5]:
            assert tagger.tag(toks) == tagger._tag_features([sentence_features(toks, tagger.resources)])[0]
    assert tagger.tag([]) == []


def test_weights_read_exactly_from_the_model_file() -> None:
    """The float64 weights read from the file are crfsuite's dump (6 decimals) to rounding."""
    tagger = load_tagger()
    model = tagger._linear
    for stage, crf in enumerate((tagger._tagger, tagger._stage2)):
        dump = crf.info()
        cols, labels = model.columns[stage], model.labels[stage]
        for (attr, label), weight in list(dump.state_features.items())[::500]:
            assert abs(model.weights[model.attrs[attr], cols.start + labels.index(label)] - weight) < 5e-7
        for (a, b), weight in dump.transitions.items():
            assert abs(model.trans[stage][labels.index(a), labels.index(b)] - weight) < 5e-7
        assert np.count_nonzero(model.weights[:, cols]) == len(dump.state_features)


def test_not_a_model_is_refused() -> None:
    """Bytes that are not a crfsuite model give a clear error."""
    tagger = load_tagger()
    try:
        LinearCRF([(b"\0" * 64, tagger._tagger)])
    except ValueError as exc:
        assert "crfsuite" in str(exc)
    else:
        raise AssertionError("garbage accepted")

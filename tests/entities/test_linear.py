"""The numpy decoder (``ner.linear``) gives crfsuite's own labels on real articles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

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


def test_sliding_document_evidence_is_the_union_over_nearby_sentences() -> None:
    """The sliding-window evidence equals the plain union over the other sentences within the
    window, for every word of a sentence (``doc=seen`` with no clue included), on random texts made
    of real words, gazetteer names and trigger words."""
    from marsad.entities.ner.features import _analyse, _evidence, document_parts

    tagger = load_tagger()
    res = tagger.resources
    vocab = [w for sents in _texts()[:30] for s in sents for w in s][:3000]
    rng = np.random.default_rng(11)
    for trial in range(60):
        window = int(rng.integers(0, 5))
        sents = [[vocab[int(i)] for i in rng.integers(0, len(vocab), int(rng.integers(0, 12)))]
                 for _ in range(int(rng.integers(1, 14)))]
        parts = document_parts(sents, res, window)
        evidence = [_evidence(*_analyse(s, res)) for s in sents]
        for k, (singles, _gaz, doc, _topics) in enumerate(parts):
            assert doc is not None
            union: dict[str, set[str]] = {}
            for j in range(max(0, k - window), min(len(sents), k + window + 1)):
                if j != k:
                    for word, ev in evidence[j].items():
                        union.setdefault(word, set()).update(ev)
            for tf in singles:
                assert doc.get(tf["r"]) == union.get(tf["r"]), (trial, k, tf["r"])


def test_empty_sentences_inside_a_text_agree_with_crfsuite() -> None:
    """Empty sentences among real ones get no labels and change nothing around them."""
    tagger = load_tagger()
    sents = _texts()[3][:6]
    mixed = [[], sents[0], [], [], *sents[1:], []]
    fast = tagger.tag_document(mixed)
    assert fast == tagger._tag_features(document_features(mixed, tagger.resources))
    assert [len(x) for x in fast] == [len(x) for x in mixed]


def test_word_cache_turnover_keeps_labels_and_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """With generations of 50 words (the cache turns over many times an article), the labels are
    those of a warm cache, and no generation grows past its size."""
    import marsad.entities.ner.features as features

    tagger = load_tagger()
    docs = _texts()[:20]
    warm = [tagger.tag_document(sents) for sents in docs]
    res = tagger.resources
    res.token_cache, res.token_cache_old = {}, {}
    monkeypatch.setattr(features, "_TOKEN_CACHE_MAX", 50)
    small = []
    for sents in docs:
        small.append(tagger.tag_document(sents))
        assert len(res.token_cache) <= 50 and len(res.token_cache_old) <= 50
    assert small == warm
    res.token_cache, res.token_cache_old = {}, {}

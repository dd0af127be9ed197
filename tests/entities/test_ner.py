"""Tests for the offline Arabic NER tagger (committed weights, real ANERcorp and news text)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest

from marsad.entities import tag_sentences, tag_tokens
from marsad.entities.ner import (
    FeatureResources,
    bio_spans,
    crf_items,
    load_resources,
    load_tagger,
    make_resources,
    parse_embeddings,
    read_conll,
    score_spans,
    sentence_features,
    stage2_features,
)

SHARED = Path(__file__).resolve().parents[3] / "shared"
ANERCORP = SHARED / "corpora" / "anercorp" / "train.txt"
SEED_PAGE = SHARED / "pages" / "seed-kim-putin.txt"
VAL_FRAC = 0.15  # the old validation part, now training data too (the model is trained on all of train.txt)
#: The shipped model reproduces its own training annotations (0.997 on this part, measured); a
#: model file out of step with the feature code (a renamed feature, a stale memory file) falls far
#: below. Not a quality figure: that is the cross-validated one of scripts/cv_ner.py.
TRAINING_FIT_FLOOR = 0.97
TOKEN_RE = re.compile(r"\w+|[^\w\s]")


def _validation() -> list[tuple[list[str], list[str]]]:
    if not ANERCORP.is_file():
        pytest.skip(f"ANERcorp not found at {ANERCORP}")
    sents = read_conll(ANERCORP)
    cut = round(len(sents) * (1 - VAL_FRAC))
    return sents[cut:]


def test_bio_spans_seqeval_style() -> None:
    assert bio_spans(["B-PERS", "I-PERS", "O", "B-LOC"]) == {("PERS", 0, 2), ("LOC", 3, 4)}
    assert bio_spans(["I-ORG", "I-ORG", "B-ORG", "I-LOC"]) == {("ORG", 0, 2), ("ORG", 2, 3), ("LOC", 3, 4)}
    scores = score_spans([["B-PERS", "I-PERS", "O"]], [["B-PERS", "O", "O"]])
    assert scores["micro"]["f1"] == 0.0


def test_shipped_model_fits_its_training_data() -> None:
    val = _validation()
    assert 500 <= len(val) <= 800
    preds = tag_sentences([toks for toks, _ in val])
    scores = score_spans([tags for _, tags in val], preds)
    assert scores["micro"]["f1"] >= TRAINING_FIT_FLOOR, scores["micro"]
    for etype in ("PERS", "LOC", "ORG", "MISC"):
        assert scores[etype]["support"] > 0


def _seed_sentence(needle: str) -> list[str]:
    if not SEED_PAGE.is_file():
        pytest.skip(f"seed page not found at {SEED_PAGE}")
    text = SEED_PAGE.read_text(encoding="utf-8")
    for sentence in re.split(r"(?<=[.!؟])\s+|\n+", text):
        if needle in sentence:
            return TOKEN_RE.findall(sentence)
    raise AssertionError(f"{needle!r} not in seed page")


def _entities(tokens: list[str]) -> dict[str, set[str]]:
    labels = tag_tokens(tokens)
    assert len(labels) == len(tokens)
    out: dict[str, set[str]] = {}
    for etype, start, end in bio_spans(labels):
        out.setdefault(etype, set()).add(" ".join(tokens[start:end]))
    return out


def test_seed_page_putin_and_moscow() -> None:
    ents = _entities(_seed_sentence("فلاديمير بوتين"))
    assert "فلاديمير بوتين" in ents.get("PERS", set()), ents
    assert "كيم جونج أون" in ents.get("PERS", set()), ents
    ents = _entities(_seed_sentence("أن موسكو قد تقدم"))
    assert "موسكو" in ents.get("LOC", set()), ents
    assert "أوكرانيا" in ents.get("LOC", set()), ents
    assert "مجلس الأمن" in ents.get("ORG", set()), ents
    assert "قذائف" not in {w for spans in ents.values() for e in spans for w in e.split()}, ents


def test_document_context_matches_single_sentence_shape() -> None:
    tokens = _seed_sentence("أن موسكو قد تقدم")
    (doc_labels,) = tag_sentences([tokens])
    assert len(doc_labels) == len(tokens)
    assert doc_labels[tokens.index("موسكو")] == "B-LOC"


def test_empty_and_cached() -> None:
    assert tag_tokens([]) == []
    assert load_tagger() is load_tagger()
    labels = tag_tokens(["في", "موسكو", "."])
    assert all(lab == "O" or lab[:2] in ("B-", "I-") for lab in labels)


def test_two_stage_model_loaded() -> None:
    assert load_tagger().two_stage


def test_stage2_features_use_other_mentions() -> None:
    feats = [[["bias", "w=بوتين", "r=بوتين"], ["bias", "w=قال", "r=قال"]], [["bias", "w=بوتين", "r=بوتين"]]]
    first = [["B-PERS", "O"], ["O"]]
    out = stage2_features(feats, first)
    # the second sentence's mention sees the first one's PERS label, and the phrase found there
    assert {"s1=O", "d2w=PERS", "d2m=PERS", "d2p=B-PERS"} <= set(out[1][0])
    # the first mention sees only the other (O) mention, not its own label, and no phrase of its own
    assert "d2w=O" in out[0][0] and "d2w=PERS" not in out[0][0]
    assert not any(f.startswith("d2p=") for f in out[0][0])
    assert out[0][1][:3] == feats[0][1]


def test_stage2_features_binned_first_pass_marginals() -> None:
    feats = [[["bias", "w=بوتين", "r=بوتين"]]]
    probs = [[{"O": 0.35, "PERS": 0.62, "LOC": 0.03}]]
    (row,) = stage2_features(feats, [["B-PERS"]], probs=probs)[0]
    assert {"s1=B-PERS", "s1p=PERS:hi", "s1p=O:mid"} <= set(row)
    assert not any(f.startswith("s1p=LOC") for f in row)


def _tiny_embeddings() -> bytes:
    buf = io.BytesIO()
    words = np.frombuffer("موسكو\nبوتين".encode(), dtype=np.uint8)
    np.savez(buf, words=words, vectors=np.array([[10, -20], [30, 0]], dtype=np.int8), step=np.float32([0.01]))
    return buf.getvalue()


def test_crf_items_add_dense_word_vectors() -> None:
    index, vectors = parse_embeddings(_tiny_embeddings())
    assert index == {"موسكو": 0, "بوتين": 1}
    assert np.allclose(vectors[0], [0.1, -0.2])
    res = FeatureResources(emb_index=index, emb_vectors=vectors)
    rows = [["bias", "w=في", "r=في"], ["bias", "w=بوتين", "r=بوتين"], ["bias", "w=وموسكو", "r=موسكو"]]
    items = crf_items(rows, res)
    assert isinstance(items[0], dict)
    # an unknown word has no vector of its own but sees its right neighbour's; the clitic-stripped
    # form is looked up when the whole token is unknown
    assert "e0" not in items[0] and abs(items[0]["1:e0"] - 0.3) < 1e-6
    assert abs(items[1]["e0"] - 0.3) < 1e-6 and abs(items[1]["1:e1"] + 0.2) < 1e-6
    assert abs(items[2]["e0"] - 0.1) < 1e-6 and abs(items[2]["-1:e0"] - 0.3) < 1e-6
    assert items[2]["r=موسكو"] == 1.0
    # without a table the string features pass through unchanged
    assert crf_items(rows, FeatureResources()) is rows


def test_shipped_resources_have_vector_clusters() -> None:
    res = load_resources()
    assert len(res.vclusters) > 10_000
    assert res.emb_vectors is None  # the dense table is not shipped: its k-means clusters replace it
    ids = [int(x) for x in res.vclusters["موسكو"].split()]
    assert len(ids) == 3 and 0 <= ids[0] < 64 and 0 <= ids[1] < 256 and 0 <= ids[2] < 1024


def test_vector_cluster_and_topic_features() -> None:
    res = make_resources(["LOC\tليون"], [], [], None, ["ليون\t3 17 170", "فريق\t5 6 7"])
    rows = sentence_features(["فاز", "فريق", "ليون", "."], res)
    lyon = set(rows[2])
    # the token's clusters (looked up on the clitic-stripped form too) and its neighbours'
    assert {"v64=3", "v256=17", "v1k=170", "-1:v64=5", "-1:v1k=7"} <= lyon
    # a sports sentence: the topic, crossed with the gazetteer tag and the cluster
    assert {"tp=sp", "tpsp|g=B-LOC", "tpsp|v256=17"} <= lyon
    plain = sentence_features(["زار", "الرئيس", "ليون", "."], res)
    assert not any(f.startswith("tp") for f in plain[2])


def test_shipped_resources_have_e5_clusters() -> None:
    res = load_resources()
    assert len(res.e5clusters) > 60_000
    ids = [int(x) for x in res.e5clusters["بوتين"].split()]
    assert len(ids) == 3 and 0 <= ids[0] < 64 and 0 <= ids[1] < 256 and 0 <= ids[2] < 1024
    # two spellings of Chelsea share the finest cluster (e5 places names by spelling across languages)
    assert res.e5clusters["تشلسي"].split()[2] == res.e5clusters["تشيلسي"].split()[2]


def test_e5_cluster_features_of_token_and_neighbours() -> None:
    res = make_resources([], [], [], None, [], ["بوتين\t1 2 3", "قال\t4 5 6", "رياض\t7 8 9"])
    rows = sentence_features(["الرئيس", "قال", "بوتين", "في", "والرياض"], res)
    putin = set(rows[2])
    # the token's own ids and its left neighbour's; في has no entry, so no ids of its own at +1
    assert {"e64=1", "e256=2", "e1k=3", "-1:e64=4", "-1:e1k=6"} <= putin
    assert not any(f.startswith("1:e") for f in putin)
    assert not any(f.startswith(("e64=", "e256=", "e1k=")) for f in rows[3])
    assert {"-1:e64=1", "1:e64=7"} <= set(rows[3])
    # والرياض is found through its clitic-stripped form رياض
    assert {"e64=7", "e256=8", "e1k=9"} <= set(rows[4])

"""Offline Arabic named-entity tagger: a two-stage linear-chain CRF over rich token features.

The first-stage model (``data/ner.crfsuite``), the second-stage label-consistency model
(``data/ner2.crfsuite``; optional: without it the first stage alone tags) and the training-entity memory
(``data/memory.tsv.gz``) come from ``scripts/train_ner.py`` on ANERcorp. Features also use a
gazetteer (``data/gazetteer.tsv.gz``, ``scripts/build_gazetteer.py``), distributional word clusters
(``data/clusters.tsv.gz``, ``scripts/build_clusters.py``) and trigger-context type hints
(``data/hints.tsv.gz``, ``scripts/build_hints.py``), k-means clusters of word vectors
(``data/vclusters.tsv.gz``, ``scripts/build_embeddings.py``) and the sentence topic (sports, business).
Dense word vectors as real-valued features (``data/embeddings.npz``) are still supported but not
shipped. Nothing is downloaded at run time; labels are BIO with the types PERS, LOC, ORG and MISC.
See ``docs/models/ner.md``.
"""
from __future__ import annotations

from marsad.entities.ner.features import (
    O_THRESHOLD,
    STAGE2_OWN,
    STAGE2_PROBS,
    crf_items,
    document_features,
    sentence_features,
)
from marsad.entities.ner.resources import (
    CLUSTERS_FILE,
    E5CLUSTERS_FILE,
    EMBEDDINGS_FILE,
    ENTITY_TYPES,
    GAZETTEER_FILE,
    HINTS_FILE,
    MEMORY_FILE,
    MODEL_FILE,
    STAGE2_FILE,
    VCLUSTERS_FILE,
    FeatureResources,
    bio_spans,
    load_resources,
    make_resources,
    memory_lines,
    normalize_token,
    parse_embeddings,
    strip_clitics,
)
from marsad.entities.ner.stage2 import stage2_features, type_probs
from marsad.entities.ner.tagger import (
    Tagger,
    load_tagger,
    read_conll,
    score_spans,
    tag_sentences,
    tag_tokens,
)

__all__ = [
    "CLUSTERS_FILE",
    "E5CLUSTERS_FILE",
    "EMBEDDINGS_FILE",
    "ENTITY_TYPES",
    "GAZETTEER_FILE",
    "HINTS_FILE",
    "MEMORY_FILE",
    "MODEL_FILE",
    "O_THRESHOLD",
    "STAGE2_FILE",
    "STAGE2_OWN",
    "STAGE2_PROBS",
    "VCLUSTERS_FILE",
    "FeatureResources",
    "Tagger",
    "bio_spans",
    "crf_items",
    "document_features",
    "load_resources",
    "load_tagger",
    "make_resources",
    "memory_lines",
    "normalize_token",
    "parse_embeddings",
    "read_conll",
    "score_spans",
    "sentence_features",
    "stage2_features",
    "strip_clitics",
    "tag_sentences",
    "tag_tokens",
    "type_probs",
]

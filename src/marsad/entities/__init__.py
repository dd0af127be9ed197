"""Marsad entities stage: offline Arabic named-entity tagging (PERS, LOC, ORG, MISC)."""

from marsad.entities.ner import ENTITY_TYPES, load_tagger, tag_sentences, tag_tokens

__all__ = ["ENTITY_TYPES", "load_tagger", "tag_sentences", "tag_tokens"]

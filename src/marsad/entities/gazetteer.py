"""The tagger's gazetteer as linking reads it: the listed type of a name, and the words of people's names."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from marsad.entities.ner.resources import GAZETTEER_FILE, MEMORY_FILE, data_lines
from marsad.text.fold import fold_key

#: The tagger's and the gazetteer's type names → the stored ones.
TYPE_MAP = {"PERS": "PER", "PER": "PER", "LOC": "LOC", "ORG": "ORG", "MISC": "MISC"}


@lru_cache(maxsize=1)
def _gazetteer_rows() -> list[list[str]]:
    return [parts for line in data_lines(GAZETTEER_FILE) if len(parts := line.split("\t")) == 2]


@lru_cache(maxsize=1)
def gazetteer_types() -> dict[str, str]:
    """Return fold key → type for the tagger's gazetteer (used only to vote on a group's type)."""
    out: dict[str, str] = {}
    for typ, phrase in _gazetteer_rows():
        if typ in TYPE_MAP:
            out.setdefault(fold_key(phrase), TYPE_MAP[typ])
    return out


@lru_cache(maxsize=1)
def person_keys() -> frozenset[str]:
    """Return the fold keys (spaces removed) of the gazetteer's people, whatever else the same name lists."""
    return frozenset(fold_key(phrase).replace(" ", "") for typ, phrase in _gazetteer_rows() if typ == "PERS")


@lru_cache(maxsize=1)
def given_name_keys() -> frozenset[str]:
    """Return the fold keys of the gazetteer's name tokens (words seen in two or more people's names)."""
    return frozenset(fold_key(phrase) for typ, phrase in _gazetteer_rows() if typ == "PTOK")


#: A word is a first name when it opens at least this many listed or ANERcorp-labelled full names:
#: once may be a one-off (a title or a word the annotators kept), twice is a pattern.
MIN_FIRST_NAME_USES = 2


@lru_cache(maxsize=1)
def first_name_keys() -> frozenset[str]:
    """Return the fold keys of words that open two or more full names of people (gazetteer PERS and the
    tagger's training memory: محمد، علي، عبدالله، جون), without a glued و and without the article."""
    rows = [r.split("\t") for r in data_lines(MEMORY_FILE)]
    names = [p for t, p in _gazetteer_rows() if t == "PERS"] + [r[1] for r in rows if len(r) == 2 and r[0] == "mPERS"]
    firsts = Counter(fold_key(n.split()[0]) for n in names if len(n.split()) > 1)
    return frozenset(k for k, n in firsts.items()
                     if n >= MIN_FIRST_NAME_USES and len(k) > 1 and not k.startswith(("و", "ال")))

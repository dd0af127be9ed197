"""Search analysis: Marsad's own tokens turned into index terms (stem+lemma) and name keys (fold).

Every indexed word yields two keys:

* ``term``: the Snowball stem of the normalized, clitic-split word, then mapped through a small
  broken-plural table (صواريخ → صاروخ), because Snowball only strips affixes.
* ``fold``: :func:`marsad.text.fold_key` of the original word, so transliterated names match across
  spellings (بيونغ يانغ / بيونج يانج / پيونگ يانگ). It is coarse (غ=ج=گ), so it is a separate field
  searched beside ``term``, never instead of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from marsad.text import fold_key, stem
from marsad.text.tokens import iter_spans

#: Bump when the analysis changes: an index built with another version is rebuilt from the store.
ANALYSIS_VERSION = 1

#: Longest word (characters) indexed; longer runs are URLs or glued junk, not words a reader types.
MAX_WORD_CHARS = 40


@dataclass(frozen=True, slots=True)
class Term:
    """One indexed word: its search keys and its span in the original text."""

    term: str
    fold: str
    start: int
    end: int


@lru_cache(maxsize=1)
def _plurals() -> dict[str, str]:
    raw = resources.files("marsad.search").joinpath("data/broken_plurals.tsv").read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for line in raw.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        plural, singular = line.split("\t")
        out[stem(plural)] = stem(singular)
    return out


def broken_plurals() -> dict[str, str]:
    """Return the stem-level broken-plural map (plural stem → singular stem)."""
    return dict(_plurals())


@lru_cache(maxsize=262144)
def term_of(word: str) -> str:
    """Return the index term of one word (any spelling or clitic form)."""
    s = stem(word)
    return _plurals().get(s, s)


@lru_cache(maxsize=262144)
def fold_of(word: str) -> str:
    """Return the name key of one original word."""
    return fold_key(word).lower()


def iter_terms(text: str) -> Iterator[Term]:
    """Yield the index terms of ``text`` with original spans."""
    for norm, start, end in iter_spans(text):
        if len(norm) > MAX_WORD_CHARS:
            continue
        t = term_of(norm)
        if t:
            yield Term(t, fold_of(text[start:end]) or t, start, end)


def analyze(text: str) -> tuple[str, str]:
    """Return (terms, folds) of ``text`` as whitespace-joined strings for the index."""
    terms: list[str] = []
    folds: list[str] = []
    for t in iter_terms(text):
        terms.append(t.term)
        folds.append(t.fold)
    return " ".join(terms), " ".join(folds)

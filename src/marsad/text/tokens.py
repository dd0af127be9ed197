"""Tokenization over normalized text, with every token pointing back to the original characters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from marsad.text.normalize import normalize, normalize_text

# A token is a run of letters/digits (Unicode-aware; diacritics are gone after normalization),
# or a single other non-space symbol so punctuation can still be seen by the page rules.
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)

# Proclitics stripped for matching, longest first. Only stripped when at least MIN_STEM_LETTERS
# letters remain: و+لد (ولد, "boy") must stay a word.
_PROCLITICS = ("وبال", "وكال", "وفال", "فبال", "ولل", "فلل", "وال", "بال", "كال", "فال", "لل", "ال", "و", "ف", "ب", "ل", "ك")
#: Shortest remainder after stripping a proclitic; 3 letters is the Arabic root size (chosen so
#: that ال+قدس strips but و+لد does not).
MIN_STEM_LETTERS = 3


@dataclass(frozen=True, slots=True)
class Token:
    """A word: its original surface, its normalized form and its original character span."""

    text: str
    norm: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into word tokens with original offsets and normalized forms."""
    return list(iter_tokens(text))


def iter_tokens(text: str) -> Iterator[Token]:
    """Yield word tokens of ``text`` lazily (same as ``tokenize``)."""
    n = normalize(text)
    for m in _WORD.finditer(n.text):
        start, end = n.to_original(m.start(), m.end())
        yield Token(text[start:end], m.group(), start, end)


def words(text: str) -> list[str]:
    """Return the normalized word forms of ``text`` (fast path without offsets)."""
    return _WORD.findall(normalize_text(text))


def strip_proclitics(norm_word: str) -> str:
    """Strip one leading proclitic cluster (و، ف، ب، ل، ك، ال، لل، وال …) from a normalized word."""
    for p in _PROCLITICS:
        if norm_word.startswith(p) and len(norm_word) - len(p) >= MIN_STEM_LETTERS:
            return norm_word[len(p) :]
    return norm_word


def clitic_variants(norm_word: str) -> set[str]:
    """Return the word and every form left after stripping a known proclitic from it."""
    out = {norm_word}
    for p in _PROCLITICS:
        if norm_word.startswith(p) and len(norm_word) - len(p) >= MIN_STEM_LETTERS:
            out.add(norm_word[len(p) :])
    return out

"""Tokenization over normalized text, with every token pointing back to the original characters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from marsad.text.clitics import MATCHING, MIN_STEM_LETTERS, strip_proclitic
from marsad.text.normalize import normalize, normalize_text

# A token is a run of letters/digits (Unicode-aware; diacritics are gone after normalization),
# or a single other non-space symbol so punctuation can still be seen by the page rules.
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)

#: A token of running text for the taggers: a run of word characters (diacritics kept, as the
#: original text has them) or one other non-space symbol, so punctuation ends sentences.
TOKEN = re.compile(r"[\w\u064B-\u065F\u0670]+|[^\w\s]")
#: A keyword candidate word: starts with a letter (numbers and dates are not keywords).
LETTER_WORD = re.compile(r"[^\W\d_][\w\u064B-\u065F\u0670]*")


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
    for norm, start, end in iter_spans(text):
        yield Token(text[start:end], norm, start, end)


def iter_spans(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield ``(normalized form, original start, original end)`` of each word of ``text``: the
    tokens of ``iter_tokens`` as plain tuples, for the loops that read every word of many texts."""
    n = normalize(text)
    offsets = n.offsets
    for m in _WORD.finditer(n.text):
        start, end = m.span()  # a word is never empty: its span maps as in Normalized.to_original
        yield m.group(), offsets[start], offsets[end - 1] + 1


def words(text: str) -> list[str]:
    """Return the normalized word forms of ``text`` (fast path without offsets)."""
    return _WORD.findall(normalize_text(text))


def word_chunks(text: str, size: int) -> Iterator[list[str]]:
    """Yield the normalized word forms of ``text`` (as ``words``) in lists of at most ``size``."""
    chunk: list[str] = []
    for m in _WORD.finditer(normalize_text(text)):
        chunk.append(m.group())
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def strip_proclitics(norm_word: str) -> str:
    """Strip one leading proclitic cluster (و، ف، ب، ل، ك، ال، لل، وال …) from a normalized word."""
    return strip_proclitic(norm_word, MATCHING)[1]


def clitic_variants(norm_word: str) -> set[str]:
    """Return the word and every form left after stripping a known proclitic from it."""
    out = {norm_word}
    for p in MATCHING:
        if norm_word.startswith(p) and len(norm_word) - len(p) >= MIN_STEM_LETTERS:
            out.add(norm_word[len(p) :])
    return out

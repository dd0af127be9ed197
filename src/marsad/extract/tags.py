"""Split a page's tag line into tags, joining multi-word tags that were only space-separated.

Aggregators often print tags as ``روسيا كوريا الشمالية كيم بوتين`` with nothing between them.
A run of words is kept together when it is a known multi-word name, or when the page itself uses
it as a phrase often and its words rarely appear apart (cohesion). Repeats of a tag in other
letters (``کوریا الشمالیة``, Persian keyboard) fold to the same key and are dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

from marsad.models import Field, Span
from marsad.text.fold import fold_key
from marsad.text.normalize import clean_display, normalize_text
from marsad.text.tokens import Token, clitic_variants, tokenize, words

# Explicit separators: when a tag line has any of these, they are the tag boundaries.
_EXPLICIT = re.compile(r"\s*(?:[،,;؛|#\n\t/]|\s-\s|\s{2,})\s*")
#: Longest multi-word tag considered; names of places and people rarely exceed four words.
MAX_TAG_WORDS = 4


@lru_cache(maxsize=1)
def known_names() -> frozenset[str]:
    """Return normalized multi-word names that are always one tag (text/data/known_names.txt)."""
    raw = resources.files("marsad.text").joinpath("data/known_names.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in raw.splitlines() if line.strip() and not line.startswith("#"))


class PhraseStats:
    """Counts of words and word runs in a text, where a run's first word may carry a proclitic."""

    def __init__(self, text: str) -> None:
        self._words = words(text)
        self._unigrams: Counter[str] = Counter()
        for w in self._words:
            for v in clitic_variants(w):
                self._unigrams[v] += 1

    def word_count(self, word: str) -> int:
        """Return how often ``word`` occurs, with or without a proclitic."""
        return self._unigrams[word]

    def phrase_count(self, phrase: Sequence[str]) -> int:
        """Return how often the word run ``phrase`` occurs (first word may carry a proclitic)."""
        n = len(phrase)
        rest = list(phrase[1:])
        count = 0
        for i in range(len(self._words) - n + 1):
            if self._words[i + 1 : i + n] == rest and phrase[0] in clitic_variants(self._words[i]):
                count += 1
        return count


def _is_unit(tokens: Sequence[Token], stats: PhraseStats, min_count: int, min_cohesion: float) -> bool:
    norms = [t.norm for t in tokens]
    if " ".join(norms) in known_names():
        return True
    together = stats.phrase_count(norms)
    if together < min_count:
        return False
    rarest = min(stats.word_count(w) for w in norms)
    return rarest > 0 and together / rarest >= min_cohesion


def segment(tokens: Sequence[Token], stats: PhraseStats, min_count: int, min_cohesion: float) -> list[list[Token]]:
    """Split space-separated tag words into tags, preferring the segmentation that joins most words."""
    n = len(tokens)
    # best[i] = (words joined into multi-word tags, -number of tags) for tokens[i:]; maximize.
    best: list[tuple[int, int]] = [(0, 0)] * (n + 1)
    choice = [1] * (n + 1)
    for i in range(n - 1, -1, -1):
        best[i] = (best[i + 1][0], best[i + 1][1] - 1)
        choice[i] = 1
        for k in range(2, min(MAX_TAG_WORDS, n - i) + 1):
            if _is_unit(tokens[i : i + k], stats, min_count, min_cohesion):
                cand = (best[i + k][0] + k, best[i + k][1] - 1)
                if cand > best[i]:
                    best[i], choice[i] = cand, k
    out: list[list[Token]] = []
    i = 0
    while i < n:
        out.append(list(tokens[i : i + choice[i]]))
        i += choice[i]
    return out


def split_tags(
    value: str,
    offset: int,
    page_text: str,
    *,
    min_count: int = 2,
    min_cohesion: float = 0.5,
    exclude: Span | None = None,
) -> list[Field]:
    """Split a tag line's value (found at ``offset`` in ``page_text``) into deduplicated tag fields."""
    pieces: list[tuple[int, int]] = []
    if _EXPLICIT.search(value.strip()):
        pos = 0
        for m in _EXPLICIT.finditer(value):
            pieces.append((pos, m.start()))
            pos = m.end()
        pieces.append((pos, len(value)))
    else:
        corpus = page_text if exclude is None else page_text[: exclude.start] + page_text[exclude.end :]
        stats = PhraseStats(corpus)
        toks = tokenize(value)
        for group in segment(toks, stats, min_count, min_cohesion):
            pieces.append((group[0].start, group[-1].end))
    tags: list[Field] = []
    seen: set[str] = set()
    for start, end in pieces:
        raw = value[start:end]
        stripped = raw.strip(" \t\u00a0\"'«»")
        if not stripped or not normalize_text(stripped).strip():
            continue
        lead = raw.index(stripped)
        s = offset + start + lead
        key = fold_key(stripped)
        if key in seen:
            continue
        seen.add(key)
        tags.append(Field(clean_display(stripped), Span(s, s + len(stripped))))
    return tags

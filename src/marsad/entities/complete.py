"""Span completion: a name the tagger cut short is extended to the longer name the page itself spells.

The tagger sometimes keeps only the first word of a foreign name (بيونغ of بيونغ يانغ, تشوى of
تشوى سون هوى) and tags the rest as another name or not at all. When the page names the full form
elsewhere, the words that follow the short span are compared with it; if they spell it, the span
grows to cover them and any mention inside the grown part is dropped (it was the cut-off rest).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from typing import Protocol, TypeVar

from marsad.entities.gazetteer import first_name_keys
from marsad.entities.hygiene import word_key
from marsad.text.clitics import proclitic_readings
from marsad.text.fold import fold_key
from marsad.text.tokens import TOKEN

#: How far past a short span the rest of a name is looked for, in characters: a long name's other
#: words (four words of ten letters with spaces) fit; a sentence further on never does.
LOOKAHEAD_CHARS = 60
#: آل ("the family of"), as written: its folding key is also that of إل (the letter L: آر إل).
FAMILY = "آل"


class Span(Protocol):
    """What completion reads and changes on a detected mention."""

    text: str
    start: int
    end: int
    key: str
    source: str
    type: str
    entity_id: str | None


S = TypeVar("S", bound=Span)
#: The word just before a span, on the same line: a run of non-spaces, then spaces (no line break).
_LAST_WORD = re.compile(r"(\S+)[^\S\n]+$")


def _following_keys(page_text: str, end: int, limit: int) -> list[tuple[str, int]]:
    """Return (folding key, end offset) of the words right after ``end``, stopping at punctuation,
    at a line break (the next field) and ``LOOKAHEAD_CHARS`` on."""
    out: list[tuple[str, int]] = []
    last = end
    for m in TOKEN.finditer(page_text, end):
        key = word_key(m.group())
        if not key or len(out) == limit or m.start() > end + LOOKAHEAD_CHARS or "\n" in page_text[last : m.start()]:
            break
        out.append((key, m.end()))
        last = m.end()
    return out


def complete_spans(page_text: str, per_article: Sequence[list[S]]) -> list[list[S]]:
    """Grow the tagger's short spans to a longer name of the page that the next words spell; drop what they cover."""
    longer: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for ms in per_article:
        for m in ms:
            words = tuple(m.key.split())
            if len(words) > 1 and words not in longer[words[0]]:
                longer[words[0]].append(words)
    out: list[list[S]] = []
    for ms in per_article:
        grown: list[tuple[int, int]] = []  # (old end, new end) of each grown span, in text order
        for m in ms:
            words = tuple(m.key.split())
            if m.source != "ner" or not words or m.entity_id:
                continue  # a dictionary identity belongs to the short form; the longer name is another
            if m.type == "PER" and len(words) > 1 and m.text.split()[-1] == FAMILY \
                    and (after := _following_keys(page_text, m.end, 1)):
                # آل ("the family of") never ends a name: the tagger cut محمد بن نايف بن عبدالعزيز آل | سعود.
                grown.append((m.end, after[0][1]))
                m.end = after[0][1]
                m.text, m.key = page_text[m.start : m.end], " ".join((*words, after[0][0]))
                continue
            # The short span may carry a proclitic the full name lacks (وشبه الجزيرة ... شبه الجزيرة الكورية).
            firsts = {fold_key(rest) for _, rest in proclitic_readings(words[0])}
            names = sorted((n for f in firsts for n in longer.get(f, ())
                            if len(n) > len(words) and n[1 : len(words)] == words[1:]), key=len, reverse=True)
            if not names:
                continue
            after = _following_keys(page_text, m.end, len(names[0]) - len(words))
            for name in names:
                rest = name[len(words):]
                if [k for k, _ in after[: len(rest)]] == list(rest):
                    grown.append((m.end, after[len(rest) - 1][1]))
                    m.end = grown[-1][1]
                    m.text, m.key = page_text[m.start : m.end], " ".join((*words, *rest))
                    break
        taken = sorted((m.start, m.end) for m in ms)
        for m in ms:
            _grow_left(page_text, m, taken)
        grown.sort()
        starts = [a for a, _ in grown]
        out.append([m for m in ms if not _inside(m.start, grown, starts)])
    return out


def _inside(pos: int, grown: list[tuple[int, int]], starts: list[int]) -> bool:
    """Return whether ``pos`` falls in a grown part (between a span's old and new end)."""
    i = bisect_right(starts, pos) - 1
    return i >= 0 and grown[i][0] <= pos < grown[i][1]


def _grow_left(page_text: str, m: Span, taken: list[tuple[int, int]]) -> None:
    """Take in a first name written just before a person's name that starts with one (المخلوع علي
    عبدالله صالح: the tagger marked عبدالله صالح): Arabic names chain given names, so the word before
    is the person's own first name. Not over على written علي, another mention, or a title."""
    names = first_name_keys()
    words = m.key.split()
    if m.source != "ner" or m.type != "PER" or m.entity_id or not words or words[0] not in names:
        return
    before = _LAST_WORD.search(page_text, max(0, m.start - LOOKAHEAD_CHARS), m.start)
    if before is None or before.group(1).endswith("ى"):
        return
    start = before.start(1)
    key = word_key(before.group(1))
    i = bisect_right(taken, (start, len(page_text) + 1)) - 1
    if key not in names or (i >= 0 and taken[i][1] > start and taken[i] != (m.start, m.end)):
        return
    m.start, m.text, m.key = start, page_text[start : m.end], " ".join((key, *words))

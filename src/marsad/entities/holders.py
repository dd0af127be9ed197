"""Office-holder titles written alone: خادم الحرمين الشريفين with no name after it is the King the page names.

Issue 14 asks that "a bare title that refers to one known office-holder in a store's context may
link to him". Headlines name the King and the crown princes by office far more often than by name
(خادم الحرمين يهنئ …), and a headline that names nobody loses what the story stage compares first.
Here the context is the page: a holder title (``data/holders.tsv``) written alone is a mention of the
one person the same page names with that office (in a title before or after his name); when the
page names none, or two, it names nobody. The office of a person is read off his mentions' titles
by the same longest-match scan, so ولي ولي العهد is never read as ولي العهد.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Protocol

from marsad.entities.hygiene import holder_heads, holders, title_chain, word_key
from marsad.models import Mention
from marsad.text.clitics import proclitic_readings
from marsad.text.normalize import normalize, normalize_text
from marsad.text.tokens import TOKEN

#: Longest holder title, in words (ولي ولي العهد السعودي).
MAX_HOLDER_WORDS = 4
_COMMAS = frozenset("،,")


class Named(Protocol):
    """A mention as this module reads it: where it is, its type, its entity and its titles."""

    start: int
    end: int
    type: str
    entity_id: str | None
    title: str | None


class Titled(Protocol):
    """An entity as this module reads it: its display name."""

    name: str


@lru_cache(maxsize=1)
def _first_words() -> frozenset[str]:
    return frozenset(k[0] for k in holders())


@lru_cache(maxsize=65536)  # asked for every word of every page: news vocabulary repeats
def _openings(word: str) -> tuple[tuple[int, str], ...]:
    """Return (proclitic letters, key) of the word's readings that may open a holder title."""
    # The same short limits as the titles' readings: a title's first word may be short (ولي).
    readings = ((strip, word_key(rest)) for strip, rest in proclitic_readings(normalize_text(word), 2, 1))
    return tuple((strip, key) for strip, key in readings if key in _first_words())


def holder_at(words: Sequence[str], i: int) -> tuple[int, int, str]:
    """Return (words, proclitic letters, office) of the longest holder title opening at word ``i``,
    whose first word may carry و، ف or a preposition (لخادم الحرمين), or (0, 0, "")."""
    table = holders()
    best = (0, 0, "")
    for strip, first in _openings(words[i]):
        for n in range(min(MAX_HOLDER_WORDS, len(words) - i), best[0], -1):
            entry = table.get((first, *(word_key(w) for w in words[i + 1 : i + n])))
            if entry is not None:
                best = (n, strip, entry.kind)
                break
    return best


def offices(title: str | None) -> set[str]:
    """Return the offices a mention's titles hold (خادم الحرمين الشريفين الملك → king)."""
    words = (title or "").split()
    out: set[str] = set()
    i = 0
    while i < len(words):
        n, _, office = holder_at(words, i)
        if n:
            out.add(office)
        i += n or 1
    return out


def _heads_genitive(word: str) -> bool:
    """Return whether a word (clitics read off) heads a holder title written after it as its genitive."""
    return any(word_key(rest) in holder_heads() for _, rest in proclitic_readings(normalize_text(word), 2, 1))


def _overlapping(taken: Sequence[Named], start: int, end: int, typ: str | None = None) -> Named | None:
    return next((m for m in taken if m.start < end and start < m.end and typ in (None, m.type)), None)


def scan(page_text: str, spans: Iterable[tuple[int, int]], taken: Sequence[Named]) -> list[tuple[int, int, str, Named | None]]:
    """Return (start, end, office, named) for each holder title in the spans; ``named`` is the mention
    the title belongs to (None: written alone).

    A title belongs to a mention that overlaps it, that starts at the word after it and its other
    titles (ولي العهد الأمير محمد بن نايف; ولي العهد الأردني names Jordan's, whose nisba is a mention
    of Jordan), or that ends at the word before it, unless the title opens with و or ف
    (محمد بن نايف ولي العهد is his office; خادم الحرمين وولي العهد are two people)."""
    out: list[tuple[int, int, str, Named | None]] = []
    for a, b in spans:
        toks = [(m.group(), a + m.start(), a + m.end()) for m in TOKEN.finditer(page_text[a:b])]
        words = [t[0] for t in toks]
        i = 0
        while i < len(toks):
            n, strip, office = holder_at(words, i)
            if not n:
                i += 1
                continue
            if i and not strip and _heads_genitive(words[i - 1]):
                i += n  # مستشار خادم الحرمين، كأس خادم الحرمين: another person, or a thing
                continue
            start = toks[i][1] + normalize(words[i]).to_original(strip, strip)[0]
            end = toks[i + n - 1][2]
            after = title_chain(words, i + n)
            named = _overlapping(taken, start, end, "PER")  # not the nisba of العاهل السعودي
            if named is None and after < len(toks):
                named = _overlapping(taken, toks[after][1], toks[after][2])
            before = i - 2 if i > 1 and words[i - 1] in _COMMAS else i - 1  # محمد بن سلمان، ولي ولي العهد
            if named is None and before >= 0 and not strip:
                named = _overlapping(taken, toks[before][1], toks[before][2])
            out.append((start, end, office, named))
            i += n
    return out


def holder_mentions(page_text: str, articles: Sequence[tuple[list[tuple[int, int]], Sequence[Named]]],
                    entities: Mapping[str, Titled]) -> list[list[Mention]]:
    """Return, for each article (its field spans and its linked mentions), a mention of the holder
    for each holder title written alone, when one person of the page holds that office."""
    found = [scan(page_text, spans, taken) for spans, taken in articles]
    held: dict[str, set[str]] = {}
    for (_, taken), titles in zip(articles, found, strict=True):
        owners = [(o, m) for m in taken for o in offices(m.title)]
        owners += [(office, m) for _, _, office, m in titles if m is not None]
        for office, m in owners:
            if m.type == "PER" and m.entity_id and m.entity_id in entities:
                held.setdefault(office, set()).add(m.entity_id)
    out: list[list[Mention]] = []
    for titles in found:
        out.append([])
        for start, end, office, named in titles:
            ids = held.get(office, set())
            if named is None and len(ids) == 1:
                eid = next(iter(ids))
                text = page_text[start:end]
                out[-1].append(Mention(text, start, end, "PER", eid, entities[eid].name, text))
    return out

"""Entity hygiene as data: what is never an entity, and the titles that are a person's attribute.

Committed lists drive it (``entities/data/``, each line with its kind and reason):
``stoplist.tsv`` (religious formulas, honorifics and titles alone, generic nouns, currencies, days
and months) ``titles.tsv`` (الملك، الأمير، ولي العهد، خادم الحرمين الشريفين، سمو، معالي …),
``generic_events.tsv`` (a kind of competition, not one: البطولة العربية) and ``heads.tsv`` (a head
noun that gives a name its type: المسجد الأقصى is a place).
A mention loses its leading titles (kept as ``title``) and trailing formulas (محمد رحمه الله);
what is left is dropped when it is empty or on the stop-list. Lists are matched word by word on
the name-folding key, a leading conjunction allowed (والأمير), so they hold no spelling variants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Protocol

from marsad.entities.gazetteer import given_name_keys
from marsad.text.clitics import ARTICLE, FOR_THE, drop_article, proclitic_readings, strip_proclitic
from marsad.text.fold import fold_key
from marsad.text.normalize import normalize_text

#: Longest title phrase, in words (النائب الثاني لرئيس مجلس الوزراء is 5, the longest listed).
MAX_TITLE_WORDS = 5
#: Words looked at before a mention for a title it does not include (خادم الحرمين الشريفين الملك = 4).
TITLE_LOOKBACK_WORDS = 6
#: Longest formula after a name, in words (صلى الله عليه وسلم is 4).
MAX_FORMULA_WORDS = 4
#: Characters read back for those words: six long words and their spaces.
TITLE_LOOKBACK_CHARS = 120
#: Shortest name kept, in letters: two-letter names exist (لي، يو) but one letter is an initial.
MIN_NAME_LETTERS = 2
_WORD = re.compile(r"\S+")
#: How far before a mention a head noun is looked for: one word and its quotes (ملعب «ويمبلي»).
HEAD_LOOKBACK_CHARS = 30
_QUOTES_AND_SPACE = " \t\u00a0\"'«»“”„‘’("
#: بطولة ("championship"; also "starring") as a folding key.
STARRING = fold_key(normalize_text("بطولة"))


class Span(Protocol):
    """A mention as hygiene sees it: its text and where it sits in the page."""

    text: str
    start: int
    end: int
    key: str
    type: str
    title: str | None


@dataclass(frozen=True, slots=True)
class Listed:
    """One line of a hygiene list."""

    form: str
    kind: str
    reason: str


def _rows(name: str) -> list[Listed]:
    text = resources.files("marsad.entities").joinpath(f"data/{name}").read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            form, kind, reason = line.split("\t")
            out.append(Listed(form, kind, reason))
    return out


def word_key(word: str) -> str:
    """Return the folding key of one word."""
    return fold_key(normalize_text(word))


def phrase_key(text: str) -> tuple[str, ...]:
    """Return the per-word folding keys of a phrase."""
    return tuple(k for k in (word_key(w) for w in text.split()) if k)


def _phrases(name: str) -> dict[tuple[str, ...], Listed]:
    """Return word keys → entry for the phrases of a hygiene list."""
    return {phrase_key(r.form): r for r in _rows(name)}


@lru_cache(maxsize=1)
def stoplist() -> dict[tuple[str, ...], Listed]:
    """Return word keys → entry for phrases that are never an entity."""
    return _phrases("stoplist.tsv")


@lru_cache(maxsize=1)
def titles() -> dict[tuple[str, ...], Listed]:
    """Return word keys → entry for the titles that may precede a person's name."""
    return _phrases("titles.tsv")


@lru_cache(maxsize=1)
def holders() -> dict[tuple[str, ...], Listed]:
    """Return word keys → entry (its kind is the office) for titles that, alone, name one person."""
    return _phrases("holders.tsv")


@lru_cache(maxsize=1)
def holder_heads() -> frozenset[str]:
    """Return the keys of words that make a holder title after them another's genitive (and heads.tsv's)."""
    return frozenset(k[0] for k in _phrases("holder_heads.tsv")) | frozenset(head_types())


@lru_cache(maxsize=65536)  # asked for the first word of every mention: names repeat
def _bare(word: str) -> tuple[str, ...]:
    """Return the word's key and its readings without a conjunction, a preposition or the لل of
    ل + ال (ولله and لله are الله; وهو is هو)."""
    return (word_key(word), *(word_key(rest) for _, rest in proclitic_readings(normalize_text(word), 2, 1)[1:]))


@lru_cache(maxsize=1)
def _title_lengths() -> dict[str, int]:
    """The longest title, in words, that opens with each first word key."""
    out: dict[str, int] = {}
    for key in titles():
        if key:
            out[key[0]] = max(out.get(key[0], 0), len(key))
    return out


def _title_at(words: list[str], i: int, first: bool, place: bool) -> int:
    """Return how many words from ``i`` form one title (0: none); the first word may carry و/ف.
    Place descriptors (منطقة، محافظة) count only for a place, and only when no title follows."""
    if i >= len(words):
        return 0
    table = titles()
    heads = _bare(words[i]) if first else (word_key(words[i]),)
    longest = max(_title_lengths().get(h, 0) for h in heads)
    for n in range(min(longest, MAX_TITLE_WORDS, len(words) - i), 0, -1):
        rest = tuple(word_key(w) for w in words[i + 1 : i + n])
        entry = next((table[k] for k in ((h, *rest) for h in heads) if k in table), None)
        if entry is None:
            continue
        if entry.kind == "place" and (not place or _title_at(words, i + n, False, False)):
            return 0
        return n
    return 0


@lru_cache(maxsize=1)
def _royal_words() -> frozenset[str]:
    """Return the keys of one-word royal titles (الملك، الأمير، السلطان)."""
    return frozenset(k[0] for k, e in titles().items() if e.kind == "royal" and len(k) == 1)


def _royal_led(words: list[str], lead: int) -> bool:
    """Return whether a mention's leading titles hold a royal one (a first word may carry و)."""
    return any(k in _royal_words() for w in words[:lead] for k in _bare(w))


def leading_titles(words: list[str], place: bool = False) -> int:
    """Return how many leading words are titles (several may follow each other)."""
    i = 0
    while i < len(words):
        n = _title_at(words, i, i == 0, place)
        if not n:
            break
        i += n
    return i


def title_chain(words: list[str], i: int) -> int:
    """Return the index after the titles written from ``i`` on, where an office (وزير، رئيس) takes the
    one word with the article that it heads (ولي ولي العهد وزير الدفاع الأمير محمد بن سلمان)."""
    while i < len(words) and (n := _title_at(words, i, False, False)):
        entry = titles()[tuple(word_key(w) for w in words[i : i + n])]
        i += n
        if entry.kind == "office" and i < len(words) and word_key(words[i]).startswith(ARTICLE) \
                and not _title_at(words, i, False, False):
            i += 1
    return i


def trailing_title(words: list[str]) -> int:
    """Return how many trailing words are a title written after the name (محمد بن سلمان ولي ولي العهد).

    Cut where a title of two or more words starts, or an office (وزير، رئيس) followed by what it
    heads; a one-word title at the very end stays (محمد أمير is a name)."""
    for j in range(1, len(words)):
        n = _title_at(words, j, False, False)
        if not n:
            continue
        entry = titles()[tuple(word_key(w) for w in words[j : j + n])]
        if n >= 2 or (entry.kind == "office" and j + n < len(words)):
            return len(words) - j
    return 0


def trailing_formula(words: list[str]) -> int:
    """Return how many trailing words are a formula (رحمه الله، حفظه الله) said after a name."""
    table = stoplist()
    for n in range(min(MAX_FORMULA_WORDS, len(words) - 1), 0, -1):
        entry = table.get(phrase_key(" ".join(words[-n:])))
        if entry is not None and entry.kind == "formula":
            return n
    return 0


def is_junk(text: str) -> bool:
    """Return whether a mention's words are never an entity (stop-listed, or titles only)."""
    words = text.split()
    key = phrase_key(text)
    if not key:
        return True
    if any((head, *key[1:]) in stoplist() for head in _bare(words[0])):
        return True
    return leading_titles(words) == len(words)


def _table(name: str) -> dict[str, str]:
    """Return word key → second column of a two-column hygiene list."""
    return {word_key(r.form): r.kind for r in _rows(name)}


@lru_cache(maxsize=1)
def head_types() -> dict[str, str]:
    """Return head-noun key (without the article) → the type it gives a name (``data/heads.tsv``)."""
    return {drop_article(k): t for k, t in _table("heads.tsv").items()}


@lru_cache(maxsize=1)
def generic_event_words() -> dict[str, str]:
    """Return word key → role (head, modifier or sport) of generic competition names (``data/generic_events.tsv``)."""
    return _table("generic_events.tsv")


def head_type(key: str) -> str | None:
    """Return the type a name's head noun gives it (المسجد الأقصى: LOC), for names of two or more words."""
    words = key.split()
    return head_types().get(drop_article(words[0])) if len(words) >= 2 else None


def is_generic_event(text: str) -> bool:
    """Return whether a mention is a kind of competition, not one (البطولة العربية، بطولة كأس السوبر,
    بطولة البولينغ): a head followed only by modifiers, or only by a sport's words. Both together
    narrow it to one (البطولة العربية لكرة السلة)."""
    table = generic_event_words()
    key = phrase_key(text)
    if not key or table.get(key[0]) != "head":
        return False
    roles = {table.get(k) for k in key[1:]} - {"head"}  # بطولة الدوري المحلي: a second head is no narrower
    return roles <= {"modifier"} or roles == {"sport"}


def is_common_misc(text: str) -> bool:
    """Return whether a MISC mention is a common noun: one word with the article (الإنسولين،
    الكرسي، السوبر) or of two letters (دي، سي). The tagger's MISC is its weakest type (issue 14's
    top MISC were such nouns); named events and products have more words or no article."""
    words = text.split()
    if len(words) != 1:
        return False
    return len(normalize_text(words[0])) <= 2 or any(k.startswith(ARTICLE) for k in _bare(words[0]))


def title_before(page_text: str, start: int) -> str | None:
    """Return the titles written just before a mention (خادم الحرمين الشريفين الملك سلمان), if any."""
    before = page_text[max(0, start - TITLE_LOOKBACK_CHARS) : start]
    words = before.split()[-TITLE_LOOKBACK_WORDS:]
    if not words or not before[-1:].isspace():
        return None
    for i in range(len(words)):
        tail = words[i:]
        if leading_titles(tail) == len(tail):
            return " ".join(tail)
    return None


def head_before(page_text: str, start: int) -> str | None:
    """Return the type a head noun written just before a mention gives it (ملعب «ويمبلي»: LOC), if any."""
    window = page_text[max(0, start - HEAD_LOOKBACK_CHARS) : start].rsplit("\n", 1)[-1]  # not a heading's last word
    before = window.rstrip(_QUOTES_AND_SPACE)
    words = before.split()
    if not words or len(before) == len(window):
        return None  # no space or quote between: the word is glued to the name, not a head before it
    return head_types().get(drop_article(word_key(words[-1])))


@lru_cache(maxsize=1)
def waw_names() -> frozenset[str]:
    """Return the keys of given names that begin with و (``data/waw_names.tsv``)."""
    text = resources.files("marsad.entities").joinpath("data/waw_names.tsv").read_text(encoding="utf-8")
    return frozenset(word_key(w) for w in text.split() if not w.startswith("#") and w.strip())


def _drop_conjunction(mention: Span) -> None:
    """Take a glued و off a person's name (ومحمد بن علي), unless the name itself begins with و (وليد)."""
    first = mention.text.split(maxsplit=1)[0] if mention.text.strip() else ""
    if mention.type != "PER" or not first.startswith("و") or len(normalize_text(first)) < 4:
        return
    if word_key(first) in waw_names():
        return
    mention.start += 1
    mention.text = mention.text[1:]
    mention.key = " ".join(phrase_key(mention.text))


def _starring(words: list[str]) -> int:
    """Return how many leading words say "starring" (بطولة, then an artist's title) before a name, or 0.

    بطولة is "championship" and also "starring (a cast)". Before an artist's title (الفنان، الممثل) or
    a given name (بول رود) it is the second, unless a sport or a kind of competition follows
    (بطولة الأمير مشاري لكرة الطائرة, بطولة محمد بن راشد للجولف are championships named after a
    person); the words after it are the actor."""
    if len(words) < 2 or word_key(words[0]) != STARRING:
        return 0
    events = generic_event_words()
    if any(k in events for w in words[1:] for k in _bare(w)):
        return 0
    n = 1
    while n < len(words) and (t := _title_at(words, n, n == 1, False)):
        entry = titles().get(phrase_key(" ".join(words[n : n + t])))
        if entry is not None and entry.kind != "artist":
            return 0  # بطولة الأمير X: a championship named after a royal
        n += t
    return n if n < len(words) and (n > 1 or word_key(words[n]) in given_name_keys()) else 0


def _named_after(words: list[str], start: int, end: int) -> int | None:
    """Return the index of the first word from ``start`` written ل + ال (للعلوم، للمناصحة), if any.

    No person's name has such a word: a span of the tagger's that does is a person's name inside
    an institution's (جامعة الملك عبدالعزيز للعلوم، مركز محمد بن نايف للمناصحة) or a name glued
    to the phrase after it (وليًا للعهد). لله (عطا لله) keeps fewer than three letters after لل."""
    for i in range(start, end):
        if strip_proclitic(normalize_text(words[i]), FOR_THE)[0]:
            return i
    return None


#: What is written before a quoted name that is told or writes (لـ«الشرق الأوسط»، واشنطن - «الرياض»):
#: the preposition ل (with or without a tatweel) as a word, or a dateline's dash.
_ADDRESSED = re.compile(r"(?:(?:^|\s)لـ?|\s[-–ـ]\s?)$")
#: Characters read before the opening quote for that: " لـ" or " - " with a space to spare.
ADDRESSED_LOOKBACK_CHARS = 5
_OPEN_QUOTES, _CLOSE_QUOTES = "«\"“", "»\"”"


@lru_cache(maxsize=1)
def publications() -> dict[tuple[str, ...], Listed]:
    """Return word keys → entry for newspapers named after a place (``data/publications.tsv``)."""
    return _phrases("publications.tsv")


def quoted(page_text: str, start: int, end: int) -> bool:
    """Return whether a name is written between quotation marks («الشرق الأوسط»)."""
    return start >= 1 and page_text[start - 1] in _OPEN_QUOTES and page_text[end : end + 1] in _CLOSE_QUOTES


def addressed(page_text: str, start: int, end: int) -> bool:
    """Return whether a quoted name is the one told, or the byline (قال لـ«الشرق الأوسط»، جدة - «الرياض»).

    A place so written is a newspaper, agency or channel named after it: on the shared days 859 of
    the 2,059 mentions of the region الشرق الأوسط were the newspaper told, and 87 of الرياض."""
    before = page_text[max(0, start - 1 - ADDRESSED_LOOKBACK_CHARS) : start - 1]
    return quoted(page_text, start, end) and bool(_ADDRESSED.search(before))


def tidy(page_text: str, mention: Span) -> bool:
    """Strip titles, a glued و and trailing formulas from a mention in place; return False when nothing is left."""
    _drop_conjunction(mention)
    spans = [(m.start(), m.end()) for m in _WORD.finditer(mention.text)]
    words = [mention.text[a:b] for a, b in spans]
    star = _starring(words)
    if star:
        mention.type = "PER"  # بطولة الفنان X: a film's or a play's cast, not a championship
    lead = star or leading_titles(words, place=mention.type == "LOC")
    if mention.type != "PER" and _royal_led(words, lead):
        # مستشفى الملك فيصل، جامعة الملك سعود: a royal's name in the tagger's place or organisation
        # span is an institution named after him; cut to the name it is neither (231 ORG فيصل).
        return False
    tail = trailing_formula(words[lead:]) if lead < len(words) else 0
    after = trailing_title(words[lead : len(words) - tail]) if lead + tail < len(words) else 0
    tail += after
    if mention.type == "PER" and (cut := _named_after(words, lead + 1, len(words) - tail)) is not None:
        if cut - lead < 2:
            return False  # one word left of a cut name: a given name alone (عبدالعزيز) or debris (ليًا)
        tail, after = len(words) - cut, 0
    if lead + tail >= len(words):
        return False
    if lead or tail:
        a, b = spans[lead][0], spans[len(words) - tail - 1][1]
        said = [*words[1 if star else 0 : lead], *words[len(words) - tail : len(words) - tail + after]]
        if said:
            mention.title = " ".join(said)
        mention.start, mention.end = mention.start + a, mention.start + b
        mention.text = mention.text[a:b]
        mention.key = " ".join(phrase_key(mention.text))
    if (mention.type == "LOC" and addressed(page_text, mention.start, mention.end)) or (
            phrase_key(mention.text) in publications() and quoted(page_text, mention.start, mention.end)):
        return False  # the newspaper named after the place, not the place (outlets are sources, not entities)
    if mention.title is None:
        mention.title = title_before(page_text, mention.start)
    if mention.type == "MISC" and (head := head_before(page_text, mention.start)):
        mention.type = head  # the tagger's weakest type yields to the kind the text names it by
    if is_junk(mention.text) or is_generic_event(mention.text) or (mention.type == "MISC" and is_common_misc(mention.text)):
        return False
    # One letter left (a stray clitic or initial) names nothing.
    return len(mention.key.replace(" ", "")) >= MIN_NAME_LETTERS

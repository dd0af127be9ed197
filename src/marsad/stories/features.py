"""What two articles share and what differs: the features of the story pair score.

A story is one event, so the score must tell two reports of one event (often in different words)
from two instances of one template (a wedding notice of another family, a congratulation cable to
another country, the weather bulletin of another day), which share almost all their words. The
shared-content signals (headline embedding, IDF-weighted term and entity overlap, MinHash Jaccard)
cannot; the template signals look at the *differing* slots instead: the rare words (names,
places) that one headline or lead has where the other has different ones, and an unchanged
headline over a body that changed between days.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from importlib import resources

import numpy as np

from marsad.dedup.fingerprint import estimate_jaccard
from marsad.text.stopwords import stopwords
from marsad.text.tokens import strip_proclitics, words

#: Words of the body read as the lead for the term overlap (about the first two sentences).
LEAD_WORDS = 60
#: Characters read for the lead: 60 words of Arabic news average ~400 characters; 20 per word is
#: more than any real lead needs and keeps a 10 MB text from being normalized whole.
LEAD_CHARS = LEAD_WORDS * 20
#: Shortest content term: two-letter tokens are mostly clitic debris after normalization.
MIN_TERM_LETTERS = 3
#: Marks an entity id among an article's stored terms (content terms are Arabic words or digits).
ENTITY_PREFIX = "@"
#: Marks a headline term among an article's stored terms (headline terms are also content terms;
#: the marked copy says which of them were in the headline).
TITLE_PREFIX = "^"
#: Marks an entity named in the headline (the filled slot of a template: the country congratulated,
#: the family wed, the soldier killed).
TITLE_ENTITY_PREFIX = "%"
#: A term is "rare" (name-like: people, families, places, countries) when its IDF is at least this
#: share of the largest IDF the corpus gives: on SaudiNewsNet (12 days) 0.6 puts the cut near a
#: document frequency of 0.3%, below the template words of notices (زواج, برقية, تهنئة) and
#: above the names that fill their slots.
RARE_IDF_SHARE = 0.6
#: Days beyond which the gap feature stops growing: the story window is a few days, and a
#: logistic score must not extrapolate a linear gap to years.
MAX_GAP_DAYS = 7.0

#: The pair features, in the order of ``pair_features`` (the score's weights follow this order).
FEATURES = (
    "cos",  # headline-embedding cosine
    "overlap",  # IDF-weighted Jaccard of headline + lead content terms
    "title_overlap",  # IDF-weighted Jaccard of headline terms
    "entities",  # IDF-weighted Jaccard of canonical entity ids
    "jaccard",  # MinHash Jaccard of the whole texts (word 3-shingles)
    "days",  # days apart, capped at MAX_GAP_DAYS
    "same_source",  # one outlet (templates are often one outlet's daily items)
    "title_swap",  # rare headline words each side has and the other lacks (a filled slot changed)
    "lead_swap",  # the same over headline + lead
    "same_title_later",  # same headline on different days over a body that is not a copy
    "overlap_x_swap",  # much shared wording AND swapped slots: the template signature
    "title_entities",  # Jaccard of the entities named in the two headlines
    "title_entity_conflict",  # both headlines name entities, none in common
    "overlap_x_conflict",  # much shared wording AND headlines naming different entities
    "shared_rare",  # how rare the rarest words the two share are (a follow-up keeps the event's names)
)
#: Shared content terms averaged by ``shared_rare``. A Jaccard falls as a text grows, but a follow-up
#: in other words still shares a few of the event's rare words (a town, a name): the mean IDF share
#: of the rarest shared terms does not depend on length. One term would let a single chance word
#: (a typo both outlets made) decide; on the dev days (leave-one-day-out) 1 and 3 scored alike
#: (log loss 0.215 / 0.216, against 0.246 without it) and 5 worse (0.224).
SHARED_RARE_TERMS = 3


@dataclass(slots=True)
class StoryArticle:
    """What the story stage knows of one article."""

    id: int
    date: datetime
    title: str | None
    source: str | None
    vector: np.ndarray
    terms: set[str]
    title_terms: set[str] = field(default_factory=set)
    entities: set[str] = field(default_factory=set)
    signature: np.ndarray | None = None
    title_entities: set[str] = field(default_factory=set)


def content_terms(title: str | None, text: str) -> set[str]:
    """Return the content terms of a headline and lead: normalized, proclitic-stripped, no stopwords."""
    return _terms(words((title or "")[:LEAD_CHARS]) + words(text[:LEAD_CHARS])[:LEAD_WORDS])


def title_terms(title: str | None) -> set[str]:
    """Return the content terms of a headline alone."""
    return _terms(words((title or "")[:LEAD_CHARS]))


def _terms(ws: Iterable[str]) -> set[str]:
    stop = stopwords()
    out = set()
    for w in ws:
        if w in stop:
            continue
        t = strip_proclitics(w)
        if len(t) >= MIN_TERM_LETTERS or t.isdigit():
            out.add(t)
    return out


def _written(text: str) -> str:
    """Return a text's words, proclitics stripped, space-separated with a space on each side: a phrase
    written in it as whole words is then `` {phrase} `` in the result."""
    return f" {' '.join(strip_proclitics(w) for w in words(text))} "


@lru_cache(maxsize=1)
def bulletin_cues() -> tuple[str, ...]:
    """The headline phrases of a weather forecast bulletin (``data/bulletins.tsv``), as ``_written`` forms."""
    raw = resources.files("marsad.stories").joinpath("data/bulletins.tsv").read_text(encoding="utf-8")
    phrases = (line.split("\t", 1)[0] for line in raw.splitlines() if line.strip() and not line.startswith("#"))
    return tuple(cue for cue in map(_written, phrases) if cue.strip())


@lru_cache(maxsize=4096)  # asked for both sides of every candidate pair: headlines repeat in a window
def is_bulletin(title: str | None) -> bool:
    """Return True when a headline writes a forecast bulletin's phrase (whole words, in order)."""
    written = _written((title or "")[:LEAD_CHARS])
    return any(cue in written for cue in bulletin_cues())


def spelled_in(title: str | None, forms: Iterable[tuple[str, str]]) -> set[str]:
    """Return the ids of the entities whose spelling the headline writes as whole words (clitics allowed).

    The tagger misses names in short headlines (خادم الحرمين يهنئ السيسي …) that it finds in the body;
    the headline still names them, and the headline's entities are the template's filled slot."""
    if not title:
        return set()
    written = _written(title[:LEAD_CHARS])
    out = set()
    for eid, text in forms:
        spelled = _written(text)
        if len(spelled.replace(" ", "")) >= MIN_TERM_LETTERS and spelled in written:
            out.add(eid)
    return out


def stored_terms(title: str | None, text: str, entities: Iterable[str], in_title: Iterable[str] = ()) -> list[str]:
    """Return the terms kept for an article: content terms, marked headline terms, marked entity ids
    and marked headline entity ids."""
    return (
        sorted(content_terms(title, text))
        + sorted(TITLE_PREFIX + t for t in title_terms(title))
        + sorted(ENTITY_PREFIX + e for e in entities)
        + sorted(TITLE_ENTITY_PREFIX + e for e in in_title)
    )


@dataclass(slots=True)
class Terms:
    """An article's stored terms, split by kind."""

    content: set[str] = field(default_factory=set)
    title: set[str] = field(default_factory=set)
    entities: set[str] = field(default_factory=set)
    title_entities: set[str] = field(default_factory=set)


def split_terms(stored: Sequence[str]) -> Terms:
    """Split an article's stored terms into content terms, headline terms, entity ids and headline entity ids."""
    out = Terms()
    for t in stored:
        if t.startswith(ENTITY_PREFIX):
            out.entities.add(t[len(ENTITY_PREFIX) :])
        elif t.startswith(TITLE_PREFIX):
            out.title.add(t[len(TITLE_PREFIX) :])
        elif t.startswith(TITLE_ENTITY_PREFIX):
            out.title_entities.add(t[len(TITLE_ENTITY_PREFIX) :])
        else:
            out.content.add(t)
    return out


def weighted_overlap(a: set[str], b: set[str], idf: dict[str, float], default: float = 1.0) -> float:
    """Return the IDF-weighted Jaccard of two term sets (``default`` weight for unknown terms)."""
    inter = a & b
    if not inter:
        return 0.0
    num = sum(idf.get(t, default) for t in inter)
    den = num + sum(idf.get(t, default) for t in a ^ b)
    return num / den if den else 0.0


def entity_overlap(a: set[str], b: set[str], idf: dict[str, float], default: float = 1.0) -> float:
    """Return the IDF-weighted Jaccard of two articles' entity-id sets (weights keyed with ENTITY_PREFIX)."""
    return weighted_overlap({ENTITY_PREFIX + e for e in a}, {ENTITY_PREFIX + e for e in b}, idf, default)


def slot_swap(a: set[str], b: set[str], idf: dict[str, float], rare: float, default: float) -> float:
    """Return how much rare wording each side has that the other lacks, as a share of all rare wording.

    Two headlines that share their template and differ in one name each (بوركينا فاسو / بوليفيا)
    score high; a paraphrase that adds a rare word on one side only scores 0 (``min`` of the two
    sides), and headlines without rare words score 0.
    """
    only_a = sum(w for t in a - b if (w := idf.get(t, default)) >= rare)
    only_b = sum(w for t in b - a if (w := idf.get(t, default)) >= rare)
    total = sum(w for t in a | b if (w := idf.get(t, default)) >= rare)
    return min(only_a, only_b) / total if total else 0.0


def signature_jaccard(a: np.ndarray | None, b: np.ndarray | None) -> float:
    """Return the MinHash Jaccard estimate of two signatures (0 when either is missing)."""
    if a is None or b is None or len(a) != len(b) or not len(a):
        return 0.0
    return estimate_jaccard(a, b)


@dataclass(slots=True)
class Weighed:
    """An article's term and entity weights, looked up once and reused for every pair it is in."""

    terms: dict[str, float]
    title: dict[str, float]
    entities: dict[str, float]
    rare_terms: dict[str, float]
    rare_title: dict[str, float]
    sums: tuple[float, float, float, float, float]  # terms, title, entities, rare terms, rare title
    unseen: float = 1.0  # the weight of a term never seen: the top of the IDF scale


def weigh(a: StoryArticle, idf: dict[str, float], default: float) -> Weighed:
    """Return the weights of an article's terms under ``idf`` (``default`` for unseen terms)."""
    rare = RARE_IDF_SHARE * default
    terms = {t: idf.get(t, default) for t in a.terms}
    title = {t: idf.get(t, default) for t in a.title_terms}
    ents = {e: idf.get(ENTITY_PREFIX + e, default) for e in a.entities}
    rare_terms = {t: w for t, w in terms.items() if w >= rare}
    rare_title = {t: w for t, w in title.items() if w >= rare}
    return Weighed(terms, title, ents, rare_terms, rare_title, (
        sum(terms.values()), sum(title.values()), sum(ents.values()), sum(rare_terms.values()), sum(rare_title.values())),
        default)


def _jaccard(a: dict[str, float], b: dict[str, float], sum_a: float, sum_b: float) -> float:
    """Return the weighted Jaccard of two weighted sets (weights agree on shared keys)."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    inter = sum(w for t, w in small.items() if t in large)
    den = sum_a + sum_b - inter
    return inter / den if den > 0 else 0.0


def _swap(a: dict[str, float], b: dict[str, float], sum_a: float, sum_b: float) -> float:
    """``slot_swap`` over pre-weighed rare terms."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    inter = sum(w for t, w in small.items() if t in large)
    total = sum_a + sum_b - inter
    return min(sum_a - inter, sum_b - inter) / total if total > 0 else 0.0


def _shared_rare(a: dict[str, float], b: dict[str, float], unseen: float) -> float:
    """Return the mean IDF share of the ``SHARED_RARE_TERMS`` rarest terms two articles share."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    top = sorted((w for t, w in small.items() if t in large), reverse=True)[:SHARED_RARE_TERMS]
    return min(1.0, sum(top) / (SHARED_RARE_TERMS * unseen)) if unseen > 0 else 0.0


def pair_features(a: StoryArticle, b: StoryArticle, idf: dict[str, float], default: float) -> np.ndarray:
    """Return the feature vector of two articles (order of ``FEATURES``); total over any input."""
    return weighed_features(a, b, weigh(a, idf, default), weigh(b, idf, default))


def weighed_features(a: StoryArticle, b: StoryArticle, wa: Weighed, wb: Weighed) -> np.ndarray:
    """``pair_features`` with both articles' weights already looked up (the story stage's fast path)."""
    cos = max(0.0, min(1.0, float(a.vector @ b.vector))) if a.vector.size and b.vector.size else 0.0
    overlap = _jaccard(wa.terms, wb.terms, wa.sums[0], wb.sums[0])
    jaccard = signature_jaccard(a.signature, b.signature)
    try:
        days = min(MAX_GAP_DAYS, abs((a.date - b.date).total_seconds()) / 86400.0)
    except OverflowError:
        days = MAX_GAP_DAYS
    if not math.isfinite(days):
        days = MAX_GAP_DAYS
    same_title = bool(a.title_terms) and a.title_terms == b.title_terms
    title_swap = _swap(wa.rare_title, wb.rare_title, wa.sums[4], wb.sums[4])
    lead_swap = _swap(wa.rare_terms, wb.rare_terms, wa.sums[3], wb.sums[3])
    ta, tb = a.title_entities, b.title_entities
    title_ents = len(ta & tb) / len(ta | tb) if ta | tb else 0.0
    conflict = float(bool(ta) and bool(tb) and not ta & tb)
    return np.array(
        [
            cos,
            overlap,
            _jaccard(wa.title, wb.title, wa.sums[1], wb.sums[1]),
            _jaccard(wa.entities, wb.entities, wa.sums[2], wb.sums[2]),
            jaccard,
            days,
            float(bool(a.source) and a.source == b.source),
            title_swap,
            lead_swap,
            float(same_title and a.date.date() != b.date.date() and jaccard < SAME_TEXT_JACCARD),
            overlap * max(title_swap, lead_swap),
            title_ents,
            conflict,
            overlap * conflict,
            _shared_rare(wa.terms, wb.terms, max(wa.unseen, wb.unseen)),
        ],
        dtype=np.float64,
    )


#: MinHash Jaccard at or above which two bodies are one text (edited copies); below it an unchanged
#: headline on another day is a new issue of a recurring item. The near-duplicate threshold.
SAME_TEXT_JACCARD = 0.5

"""The search query language, parsed without ever raising.

``word`` (all words must match) · ``"a phrase"`` · ``a OR b`` · ``-word`` / ``-"a phrase"`` (exclude) ·
``source:name`` · ``entity:name`` · ``story:12`` · ``date:2015-07-21`` · ``date:2015-07-21..2015-07-25``
(either end may be left open). Anything unparsable becomes plain words or an error message on the
result, never an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from marsad.search.analysis import iter_terms

#: Longest query accepted (characters); a headline is ~100, a pasted paragraph ~1000. Longer input
#: is cut here so a hostile multi-megabyte query costs nothing.
MAX_QUERY_CHARS = 1000
#: Most word/phrase clauses used from one query; more only slows the query without changing the top hits.
MAX_CLAUSES = 32
#: Most words in one phrase.
MAX_PHRASE_WORDS = 16

FILTER_KEYS = ("source", "entity", "story", "date")
_PART = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)"?|(\S+))', re.UNICODE)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class Clause:
    """One word or phrase: its (term, fold) keys in order; one key means a single word."""

    keys: tuple[tuple[str, str], ...]
    text: str

    @property
    def is_phrase(self) -> bool:
        """Return True for a multi-word clause (matched as a phrase)."""
        return len(self.keys) > 1


@dataclass(slots=True)
class ParsedQuery:
    """A parsed query: AND of OR-groups, exclusions and filters, plus any problems found."""

    groups: list[list[Clause]] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    stories: list[int] = field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def has_filters(self) -> bool:
        """Return True if any filter is set."""
        return bool(self.sources or self.entities or self.stories or self.date_from or self.date_to)

    @property
    def is_empty(self) -> bool:
        """Return True if the query asks for nothing at all."""
        return not self.groups and not self.excluded and not self.has_filters

    def clauses(self) -> list[Clause]:
        """Return every positive clause (for highlighting)."""
        return [c for g in self.groups for c in g]


def _valid_date(s: str) -> bool:
    if not _DATE.match(s):
        return False
    try:
        date.fromisoformat(s)
    except ValueError:
        return False
    return True


def _clause(text: str) -> Clause | None:
    keys = tuple((t.term, t.fold) for t in iter_terms(text))[:MAX_PHRASE_WORDS]
    return Clause(keys, text) if keys else None


def _date_filter(q: ParsedQuery, value: str) -> None:
    lo, sep, hi = value.partition("..")
    if not sep:
        hi = lo
    for part in (lo, hi):
        if part and not _valid_date(part):
            q.errors.append(f"bad date {part!r}: use YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD")
            return
    if not lo and not hi:
        q.errors.append("empty date range")
        return
    q.date_from = lo or None
    q.date_to = hi or None


def parse_query(text: str) -> ParsedQuery:
    """Parse a query string; problems are reported in ``errors``, never raised."""
    q = ParsedQuery()
    if not isinstance(text, str):
        q.errors.append("query must be text")
        return q
    if len(text) > MAX_QUERY_CHARS:
        q.errors.append(f"query cut to {MAX_QUERY_CHARS} characters")
        text = text[:MAX_QUERY_CHARS]
    text = text.replace("\x00", " ")
    pending_or = False
    n = 0
    for m in _PART.finditer(text):
        neg, key, quoted, bare = m.group(1), m.group(2), m.group(3), m.group(4)
        value = quoted if quoted is not None else (bare or "")
        if key is None and quoted is None and neg == "" and value in ("OR", "|"):
            pending_or = bool(q.groups)
            continue
        if key is not None and key.lower() in FILTER_KEYS:
            k = key.lower()
            value = value.strip()
            if not value:
                q.errors.append(f"empty {k}: filter")
            elif k == "source":
                q.sources.append(value)
            elif k == "entity":
                q.entities.append(value)
            elif k == "story":
                if value.isdigit() and len(value) < 19:
                    q.stories.append(int(value))
                else:
                    q.errors.append(f"bad story id {value!r}")
            else:
                _date_filter(q, value)
            pending_or = False
            continue
        if key is not None:  # an unknown key: its text is searched as words
            value = f"{key} {value}"
        clause = _clause(value)
        if clause is None:
            continue
        if n >= MAX_CLAUSES:
            q.errors.append(f"only the first {MAX_CLAUSES} words are used")
            break
        n += 1
        if neg:
            q.excluded.append(clause)
        elif pending_or:
            q.groups[-1].append(clause)
        else:
            q.groups.append([clause])
        pending_or = False
    return q

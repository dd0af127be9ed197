"""Arabic publication dates: month names of every regional series, Arabic-Indic digits, relative
phrases resolved against the crawl time, Hijri dates, and ISO/RFC strings from metadata.

Gaps this module fills around dateparser 1.5 (measured here): it returns nothing for the
Levantine/Maghrebi month names (``كانون الثاني``, ``جانفي``, ``جويلية``), for dual forms
(``24 نيسان / أبريل 2020``), for ``مساءً``/``صباحاً`` times and for any Hijri date. dateparser is
kept as the last resort for whatever other shapes it knows. Hijri dates are converted with
hijridate (Umm al-Qura calendar, valid 1343–1500 AH).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime

from marsad.models import Span

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

# Month names by number. Each series is listed with common spelling variants (hamza, ta/ha).
_GREGORIAN: dict[int, tuple[str, ...]] = {
    # Egypt/Gulf (transliterated) · Levant/Iraq (Syriac) · Algeria/Tunisia (French) · Morocco
    1: ("يناير", "كانون الثاني", "جانفي", "جانفييه"),
    2: ("فبراير", "شباط", "فيفري", "فبرير"),
    3: ("مارس", "آذار", "اذار", "أذار"),
    4: ("أبريل", "ابريل", "إبريل", "نيسان", "أفريل", "افريل"),
    5: ("مايو", "أيار", "ايار", "ماي"),
    6: ("يونيو", "يونيه", "حزيران", "جوان"),
    7: ("يوليو", "يوليه", "تموز", "جويلية", "يوليوز"),
    8: ("أغسطس", "اغسطس", "آب", "اب", "أوت", "اوت", "غشت"),
    9: ("سبتمبر", "أيلول", "ايلول", "شتنبر"),
    10: ("أكتوبر", "اكتوبر", "تشرين الأول", "تشرين الاول", "أكتوبر"),
    11: ("نوفمبر", "تشرين الثاني", "نونبر"),
    12: ("ديسمبر", "كانون الأول", "كانون الاول", "دجنبر"),
}
_HIJRI: dict[int, tuple[str, ...]] = {
    1: ("محرم",),
    2: ("صفر",),
    3: ("ربيع الأول", "ربيع الاول"),
    4: ("ربيع الآخر", "ربيع الثاني", "ربيع الاخر"),
    5: ("جمادى الأولى", "جمادى الاولى", "جمادي الأولى", "جمادي الاولى"),
    6: ("جمادى الآخرة", "جمادى الثانية", "جمادى الاخرة", "جمادي الآخرة", "جمادي الثانية"),
    7: ("رجب",),
    8: ("شعبان",),
    9: ("رمضان",),
    10: ("شوال",),
    11: ("ذو القعدة", "ذي القعدة"),
    12: ("ذو الحجة", "ذي الحجة"),
}


def _alternation(table: dict[int, tuple[str, ...]]) -> str:
    names = sorted({n for names in table.values() for n in names}, key=len, reverse=True)
    return "|".join(re.escape(n) for n in names)


_MONTH_OF = {n: m for m, names in _GREGORIAN.items() for n in names}
_HIJRI_OF = {n: m for m, names in _HIJRI.items() for n in names}
_G = _alternation(_GREGORIAN)
_H = _alternation(_HIJRI)
_TIME = r"(?:\s*[-،,]?\s*(?:الساعة\s*)?(?P<hh>\d{1,2}):(?P<mi>\d{2})(?::(?P<ss>\d{2}))?\s*(?P<ampm>مساءً|مساء|صباحاً|صباحا|م|ص|PM|AM|pm|am)?)?"
_GREG_RE = re.compile(
    rf"(?<!\d)(?P<d>\d{{1,2}})\s*(?:من\s+)?(?P<m1>{_G})(?:\s*[/(\-]\s*(?P<m2>{_G})\s*\)?)?\s*[،,]?\s*(?P<y>\d{{4}})(?!\d){_TIME}"
)
_HIJRI_RE = re.compile(rf"(?<!\d)(?P<d>\d{{1,2}})\s*(?P<m>{_H})\s*[،,]?\s*(?P<y>1[34]\d\d)(?!\d)\s*(?:هـ|ه\b|هجري)?")
_NUMERIC_RE = re.compile(
    r"(?<![\d/.-])(?P<a>\d{1,4})[/.-](?P<b>\d{1,2})[/.-](?P<c>\d{1,4})(?![\d/.-])"
    r"(?:\s*(?:هـ|ه\b)(?P<hijri>)?)?" + _TIME
)
_ISO_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d|$)")

_UNITS: dict[str, tuple[str, int]] = {
    # singular, dual, plural forms → (timedelta keyword, multiplier)
    "ثانية": ("seconds", 1), "ثانيتين": ("seconds", 2), "ثوان": ("seconds", 1), "ثواني": ("seconds", 1),
    "دقيقة": ("minutes", 1), "دقيقتين": ("minutes", 2), "دقائق": ("minutes", 1),
    "ساعة": ("hours", 1), "ساعتين": ("hours", 2), "ساعات": ("hours", 1),
    "يوم": ("days", 1), "يومين": ("days", 2), "أيام": ("days", 1), "ايام": ("days", 1),
    "أسبوع": ("weeks", 1), "اسبوع": ("weeks", 1), "أسبوعين": ("weeks", 2), "اسبوعين": ("weeks", 2),
    "أسابيع": ("weeks", 1), "اسابيع": ("weeks", 1),
    "شهر": ("days", 30), "شهرين": ("days", 60), "أشهر": ("days", 30), "اشهر": ("days", 30), "شهور": ("days", 30),
}
_REL_UNITS = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_RELATIVE_RE = re.compile(rf"(?:منذ|قبل)\s+(?:(?P<n>\d+)\s+)?(?P<u>{_REL_UNITS})(?![\u0621-\u064a])")
_YESTERDAY_RE = re.compile(r"(?<![\u0621-\u064a])(?:أمس|امس|البارحة)(?![\u0621-\u064a])")


#: Longest string read as one date value: the longest real dateline seen is ~60 characters
#: (weekday, both calendars, time); anything much longer is a field that holds something else.
MAX_DATE_CHARS = 200
#: Earliest publication year taken as real: older values are typos or placeholders (0001-01-01).
MIN_YEAR = 1900
#: How far past the wall clock a publication time may lie: a zone-less time read in the wrong zone
#: is off by up to 14 h, and a Hijri date converted by the Umm al-Qura tables by a day.
MAX_FUTURE = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class FoundDate:
    """A date found in text: the original string, where it was, the resolved time and how.

    ``when`` keeps the offset the source wrote (``+02:00``), or the reading zone for a time
    written without one, so the instant and the source's own calendar day are both known.
    """

    original: str
    when: datetime
    kind: str
    span: Span | None = None

    @property
    def utc(self) -> datetime:
        """Return the instant in UTC."""
        return self.when.astimezone(UTC)


def plausible(when: datetime, now: datetime | None = None) -> bool:
    """Return True for a publication time between ``MIN_YEAR`` and ``MAX_FUTURE`` past ``now``."""
    limit = (now or datetime.now(UTC)) + MAX_FUTURE
    if when.year < MIN_YEAR or when.year > limit.year + 1:
        return False  # checked on the year first: arithmetic near year 1 or 9999 overflows
    try:
        return when <= limit and when.astimezone(UTC).year >= MIN_YEAR
    except (OverflowError, ValueError):
        return False


def resolve(value: str, *, now: datetime | None = None, tz: tzinfo = UTC) -> tuple[datetime | None, str | None]:
    """Return ``(time, None)`` for a usable publication date, or ``(None, problem)`` why not.

    Problems: ``unparseable`` (no date could be read) and ``out_of_range`` (before ``MIN_YEAR``
    or in the future): the original string is kept by the caller, never the bad value.
    """
    found = parse_date_full(value, now=now, tz=tz)
    if found is None:
        return None, "unparseable"
    if not plausible(found.when):
        return None, "out_of_range"
    return found.when, None


def to_western_digits(text: str) -> str:
    """Return ``text`` with Arabic-Indic and Persian digits replaced by ASCII digits (same length)."""
    return text.translate(_DIGITS)


def _hour(hh: str | None, ampm: str | None) -> int:
    h = int(hh) if hh else 0
    if ampm and ampm.lower() in ("مساء", "مساءً", "م", "pm") and h < 12:
        h += 12
    if ampm and ampm.lower() in ("صباحا", "صباحاً", "ص", "am") and h == 12:
        h = 0
    return h


def _make(y: int, mo: int, d: int, m: re.Match[str], tz: tzinfo) -> datetime | None:
    try:
        hh = m.groupdict().get("hh")
        return datetime(y, mo, d, _hour(hh, m.groupdict().get("ampm")), int(m.groupdict().get("mi") or 0),
                        int(m.groupdict().get("ss") or 0), tzinfo=tz)
    except (ValueError, TypeError, OverflowError):
        return None


def _hijri_to_utc(y: int, mo: int, d: int, tz: tzinfo) -> datetime | None:
    from hijridate import Hijri

    try:
        g = Hijri(y, mo, d).to_gregorian()
    except (ValueError, OverflowError):
        return None
    return datetime(g.year, g.month, g.day, tzinfo=tz)


def _candidates(text: str, now: datetime | None, tz: tzinfo) -> list[FoundDate]:
    """Return every date expression in ``text`` (digits already western; same offsets as the original)."""
    out: list[FoundDate] = []
    for m in _GREG_RE.finditer(text):
        month = _MONTH_OF[m.group("m1")]
        dt = _make(int(m.group("y")), month, int(m.group("d")), m, tz)
        if dt is not None:
            out.append(FoundDate(m.group().strip(), dt, "gregorian", Span(m.start(), m.start() + len(m.group().rstrip()))))
    for m in _HIJRI_RE.finditer(text):
        dt = _hijri_to_utc(int(m.group("y")), _HIJRI_OF[m.group("m")], int(m.group("d")), tz)
        if dt is not None:
            out.append(FoundDate(m.group().strip(), dt, "hijri", Span(m.start(), m.start() + len(m.group().rstrip()))))
    for m in _NUMERIC_RE.finditer(text):
        a, b, c = int(m.group("a")), int(m.group("b")), int(m.group("c"))
        y, mo, d = (a, b, c) if a > 31 else (c, b, a)  # Arabic sites write d/m/y, never m/d/y
        span = Span(m.start(), m.start() + len(m.group().rstrip()))
        if m.group("hijri") is not None or 1300 <= y < 1500:
            dt = _hijri_to_utc(y, mo, d, tz)
            kind = "hijri"
        else:
            dt = _make(y, mo, d, m, tz) if 1900 <= y <= 2100 else None
            kind = "numeric"
        if dt is not None:
            out.append(FoundDate(m.group().strip(), dt, kind, span))
    if now is not None:
        base = now if now.tzinfo else now.replace(tzinfo=UTC)
        for m in _RELATIVE_RE.finditer(text):
            unit, mult = _UNITS[m.group("u")]
            n = int(m.group("n") or 1) * mult
            try:
                dt = base - timedelta(**{unit: n})
            except OverflowError:
                continue
            out.append(FoundDate(m.group(), dt, "relative", Span(m.start(), m.end())))
        for m in _YESTERDAY_RE.finditer(text):
            if base.year > 1:
                out.append(FoundDate(m.group(), base - timedelta(days=1), "relative", Span(m.start(), m.end())))
    out.sort(key=lambda f: f.span.start if f.span else 0)
    return out


def parse_date(value: str, *, now: datetime | None = None, tz: tzinfo = UTC) -> datetime | None:
    """Resolve one date string (ISO, RFC 822, Arabic, Hijri, relative to ``now``), or None.

    The result keeps the offset the string gave; times without a zone are read in ``tz`` (UTC by
    default: a page rarely says its zone).
    """
    found = parse_date_full(value, now=now, tz=tz)
    return found.when if found else None


def parse_date_full(value: str, *, now: datetime | None = None, tz: tzinfo = UTC) -> FoundDate | None:
    """Like ``parse_date`` but keep the original string and which rule resolved it."""
    text = to_western_digits(value.strip())
    if not text or len(text) > MAX_DATE_CHARS:
        return None
    if _ISO_SHAPE.match(text):
        # Machine-written: either it is a valid ISO 8601 value or it is wrong (2015-02-30,
        # T25:00); guessing a nearby date from its parts would store a time nobody wrote.
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return FoundDate(value.strip(), dt.replace(tzinfo=tz) if dt.tzinfo is None else dt, "iso")
    try:
        rfc = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        rfc = None
    if rfc is not None:
        written = re.search(r"(?<!\d)(\d{4})(?!\d)", text)
        if written and int(written.group(1)) != rfc.year:
            # email.utils reads years below 100 as 19xx/20xx even when written with four digits (0001).
            try:
                rfc = rfc.replace(year=int(written.group(1)))
            except ValueError:
                return None
        return FoundDate(value.strip(), rfc.replace(tzinfo=tz) if rfc.tzinfo is None else rfc, "rfc822")
    cands = _candidates(text, now, tz)
    if cands:
        c = cands[0]
        return FoundDate(value.strip(), c.when, c.kind)
    return _dateparser(value.strip(), now, tz)


def _dateparser(value: str, now: datetime | None, tz: tzinfo) -> FoundDate | None:
    import dateparser

    settings: dict[str, object] = {"RETURN_AS_TIMEZONE_AWARE": True, "TIMEZONE": "UTC", "TO_TIMEZONE": "UTC"}
    if now is not None:
        settings["RELATIVE_BASE"] = now.astimezone(UTC).replace(tzinfo=None)
    else:
        settings["PREFER_DATES_FROM"] = "past"
    try:
        dt = dateparser.parse(value, languages=["ar", "en", "fr"], settings=settings)  # type: ignore[arg-type]
    except (ValueError, OverflowError, TypeError):
        return None
    if dt is None or (now is None and _looks_relative(value)):
        return None  # a relative phrase without a crawl time means nothing
    return FoundDate(value, dt, "dateparser")


def _looks_relative(value: str) -> bool:
    return bool(re.search(r"منذ|قبل|أمس|امس|اليوم|ago|yesterday|today", value))


def find_dates(text: str, *, now: datetime | None = None, tz: tzinfo = UTC) -> list[FoundDate]:
    """Return every date expression in ``text`` with its span (into ``text``), in order of position."""
    return _candidates(to_western_digits(text), now, tz)


def find_date(text: str, *, now: datetime | None = None, tz: tzinfo = UTC) -> FoundDate | None:
    """Return the first absolute date in ``text`` (or else the first relative one), with its span."""
    found = find_dates(text, now=now, tz=tz)
    absolute = [f for f in found if f.kind != "relative"]
    if not found:
        return None
    chosen = (absolute or found)[0]
    if chosen.span is None:
        return chosen
    # Spans were computed on the digit-normalized text, which has the same length as the original.
    return FoundDate(chosen.span.slice(text), chosen.when, chosen.kind, chosen.span)

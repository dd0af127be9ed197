"""Marsad's document model: one set of plain dataclasses that every stage reads and extends."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: Version of the JSON shape produced by ``Page.to_dict`` (bump on incompatible change).
MODEL_VERSION = 1
#: The entity types Marsad stores and shows (the tagger's CoNLL label PERS is stored as PER).
ENTITY_TYPES = ("PER", "LOC", "ORG", "MISC")


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``[start, end)`` into a page's original text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"invalid span {self.start}..{self.end}")

    def slice(self, text: str) -> str:
        """Return the characters of ``text`` this span covers."""
        return text[self.start : self.end]

    def to_list(self) -> list[int]:
        """Return ``[start, end]`` for JSON output."""
        return [self.start, self.end]


@dataclass(frozen=True, slots=True)
class Field:
    """A value: its cleaned text and where it sits in the page's original text.

    ``span`` is None only for values that never were in the page text (a JSON record's
    ``source`` field, an HTML ``<meta>`` tag).
    """

    text: str
    span: Span | None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form ``{"text", "start", "end"}``."""
        return {
            "text": self.text,
            "start": self.span.start if self.span else None,
            "end": self.span.end if self.span else None,
        }


def _span(f: Field | None) -> list[int] | None:
    return f.span.to_list() if f is not None and f.span is not None else None


@dataclass(frozen=True, slots=True)
class RelatedItem:
    """A headline from a page's related/similar-articles list; items telling one story share a group.

    ``article`` is the index (in ``Page.articles``) of the page's own article that tells the same
    story, when one does (an aggregator often lists the page's second article among "similar").
    """

    text: str
    span: Span
    group: int
    article: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"title": self.text, "group": self.group, "article": self.article,
                "start": self.span.start, "end": self.span.end}


@dataclass(frozen=True, slots=True)
class Boilerplate:
    """A stretch of the page that is not article content (promo, share line, list label, junk)."""

    kind: str
    span: Span
    text: str

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"kind": self.kind, "text": self.text, "start": self.span.start, "end": self.span.end}


@dataclass(slots=True)
class RawDocument:
    """Bytes from somewhere, before any understanding: a file, a zip member, a JSON record, a fetch."""

    data: bytes
    uri: str
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    content_type: str | None = None
    charset: str | None = None
    #: Already-structured fields (SaudiNewsNet-style records) when the input was an article record.
    record: dict[str, Any] | None = None

    @property
    def sha256(self) -> str:
        """Return the hex SHA-256 of the raw bytes (the page's identity in the store)."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass(slots=True)
class Mention:
    """A named-entity mention in an article: its words, their span in ``Page.text``, and the entity it names."""

    text: str
    start: int
    end: int
    type: str
    #: The entity's id: page-local (``e3``) from the entities stage, the store's once linked.
    id: str
    #: The entity's display name (the fullest spelling on the page, or the store's name once linked).
    name: str
    #: Titles written before a person's name (الملك، ولي العهد، الدكتور), not part of the name.
    title: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (``title`` only when there is one)."""
        out: dict[str, Any] = {"text": self.text, "start": self.start, "end": self.end, "type": self.type,
                               "id": self.id, "name": self.name}
        if self.title:
            out["title"] = self.title
        return out


@dataclass(slots=True)
class Keyword:
    """A keyword of an article: a tag the page gave, or a ranked keyphrase; linked to an entity when it names one."""

    text: str
    #: ``tag`` (the page's own tag line) or ``tfidf`` (a ranked keyphrase of the body).
    source: str
    score: float | None = None
    entity: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (a tag has no score)."""
        out: dict[str, Any] = {"text": self.text, "source": self.source}
        if self.score is not None:
            out["score"] = self.score
        out["entity"] = self.entity
        return out


@dataclass(slots=True)
class Article:
    """One article found on a page. Fields taken from the page carry spans into ``Page.text``."""

    title: Field | None = None
    source: Field | None = None
    date: Field | None = None
    #: Publication time with the offset the source gave (``+02:00``); None when no usable date.
    published: datetime | None = None
    #: Why ``date`` gave no ``published`` time: ``unparseable`` or ``out_of_range``.
    date_problem: str | None = None
    author: Field | None = None
    url: str | None = None
    tags: list[Field] = field(default_factory=list)
    headings: list[Field] = field(default_factory=list)
    paragraphs: list[Field] = field(default_factory=list)
    language: str | None = None
    span: Span | None = None
    # What the language stages add (see marsad.pipeline.STAGES); None: the stage did not run.
    entities: list[Mention] | None = None
    keywords: list[Keyword] | None = None
    #: Only the first ``MAX_TAGGED_CHARS`` of a huge article were tagged.
    entities_truncated: bool = False
    #: Why the entities stage failed on this article's page (the article is stored without them).
    entities_error: str | None = None

    @property
    def text(self) -> str:
        """Return the body: paragraphs joined by blank lines (headings excluded)."""
        return "\n\n".join(p.text for p in self.paragraphs)

    @property
    def date_utc(self) -> datetime | None:
        """Return the publication instant in UTC (the sort key), or None."""
        return self.published.astimezone(UTC) if self.published else None

    @property
    def day(self) -> str | None:
        """Return the source's own calendar day of publication (``YYYY-MM-DD``), or None.

        An outlet in UTC+2 publishing at 01:59 local time published on that local day, though
        the instant falls on the previous UTC day: daily counts use this day, not the UTC one.
        """
        return self.published.date().isoformat() if self.published else None

    @property
    def source_name(self) -> str | None:
        """Return the source's text or ``None``."""
        return self.source.text if self.source else None

    @property
    def title_text(self) -> str | None:
        """Return the title's text or ``None``."""
        return self.title.text if self.title else None

    def content_key(self) -> str:
        """Return the idempotency key: the same article from the same place hashes the same.

        The URL and source are part of the key on purpose: a wire story republished verbatim by
        two outlets is two stored articles (found later as exact duplicates), not one.
        """
        h = hashlib.sha256()
        for part in (self.url or "", self.source_name or "", self.title_text or "", self.text):
            h.update(part.encode("utf-8"))
            h.update(b"\x1f")
        return h.hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form used by ``marsad parse --json`` and the API."""
        spans: dict[str, Any] = {
            "title": _span(self.title),
            "source": _span(self.source),
            "date": _span(self.date),
            "author": _span(self.author),
            "article": self.span.to_list() if self.span else None,
            "tags": [_span(t) for t in self.tags],
            "headings": [_span(h) for h in self.headings],
            "paragraphs": [_span(p) for p in self.paragraphs],
        }
        out: dict[str, Any] = {
            "title": self.title_text,
            "source": self.source_name,
            "date": self.published.isoformat() if self.published else None,
            "day": self.day,
            "date_original": self.date.text if self.date else None,
            "date_problem": self.date_problem,
            "author": self.author.text if self.author else None,
            "url": self.url,
            "language": self.language,
            "tags": [t.text for t in self.tags],
            "headings": [h.text for h in self.headings],
            "paragraphs": [p.text for p in self.paragraphs],
            "text": self.text,
            "spans": spans,
        }
        if self.entities is not None:
            out["entities"] = [m.to_dict() for m in self.entities]
        if self.keywords is not None:
            out["keywords"] = [k.to_dict() for k in self.keywords]
        if self.entities_truncated:
            out["entities_truncated"] = True
        if self.entities_error is not None:
            out["entities_error"] = self.entities_error
        return out


@dataclass(slots=True)
class Page:
    """An understood page: its original text kept exactly, the articles in it and the page furniture."""

    text: str
    uri: str
    kind: str
    encoding: str = "utf-8"
    articles: list[Article] = field(default_factory=list)
    read_also: list[Field] = field(default_factory=list)
    related: list[RelatedItem] = field(default_factory=list)
    boilerplate: list[Boilerplate] = field(default_factory=list)
    #: How the text was obtained (e.g. "plaintext", "record", "trafilatura", "fallback").
    extractor: str = "plaintext"
    fetched_at: datetime | None = None
    sha256: str | None = None
    #: Seconds each per-document stage took on this page (extract, entities, keywords): the ingest
    #: report sums them, also when the page was understood in a worker process.
    seconds: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form used by ``marsad parse --json``."""
        return {
            "uri": self.uri,
            "kind": self.kind,
            "encoding": self.encoding,
            "extractor": self.extractor,
            "articles": [a.to_dict() for a in self.articles],
            "read_also": [f.text for f in self.read_also],
            "read_also_spans": [_span(f) for f in self.read_also],
            "related": [r.to_dict() for r in self.related],
            "boilerplate": [b.to_dict() for b in self.boilerplate],
            "model_version": MODEL_VERSION,
        }

    def iter_fields(self) -> Iterator[Field]:
        """Yield every field with a span (for checking that spans point back into the text)."""
        for a in self.articles:
            yield from (f for f in (a.title, a.source, a.date, a.author) if f is not None)
            yield from a.tags
            yield from a.headings
            yield from a.paragraphs
        yield from self.read_also


@dataclass(frozen=True, slots=True)
class Rejection:
    """Input that could not become a page, kept as a value (stored and listed), never only logged."""

    source: str
    reason: str
    detail: str = ""
    #: Which record of ``source`` (``#12`` in an array, ``:5`` a line); rejections of one source and
    #: reason are stored as one row with a count, so a million bad items cost one row.
    item: str = ""

    def to_dict(self) -> dict[str, str]:
        """Return the JSON form."""
        return {"source": self.source, "reason": self.reason, "detail": self.detail, "item": self.item}

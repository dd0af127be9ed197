"""Extraction: a RawDocument becomes a Page with articles, or a Rejection with a reason."""

from __future__ import annotations

from marsad.errors import RejectedInput
from marsad.extract.dates import resolve
from marsad.extract.decode import decode
from marsad.extract.html import parse_html
from marsad.extract.plaintext import parse_text
from marsad.extract.record import parse_record
from marsad.models import Field, Page, RawDocument, Rejection, Span
from marsad.settings import Settings

__all__ = ["extract", "looks_like_html", "parse_text"]

_HTML_SNIFF = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<div", b"<article", b"<p>", b"<!--")


def looks_like_html(raw: RawDocument) -> bool:
    """Return True if the document is HTML by its type, name or first bytes."""
    ctype = (raw.content_type or "").lower()
    if "html" in ctype:
        return True
    if raw.uri.lower().endswith((".html", ".htm", ".xhtml", ".shtml")):
        return True
    head = raw.data[:1024].lstrip().lower()
    return head.startswith(_HTML_SNIFF)


#: Longest title kept, in characters. SaudiNewsNet's 20,329 headlines are at most 132 characters
#: long; a "title" of thousands is a field holding body text, cut so that the stages that read
#: titles whole (embedding, tagging, display) stay cheap on it.
MAX_TITLE_CHARS = 300


def cap_title(page: Page) -> Page:
    """Cut every article title longer than ``MAX_TITLE_CHARS`` at a word boundary (its span follows)."""
    for article in page.articles:
        title = article.title
        if title is None or len(title.text) <= MAX_TITLE_CHARS:
            continue
        cut = title.text.rfind(" ", 0, MAX_TITLE_CHARS)
        cut = cut if cut > MAX_TITLE_CHARS // 2 else MAX_TITLE_CHARS
        span = title.span
        exact = span is not None and span.slice(page.text) == title.text
        article.title = Field(title.text[:cut], Span(span.start, span.start + cut) if exact and span else None)
    return page


def extract(raw: RawDocument, settings: Settings | None = None) -> Page | Rejection:
    """Understand one raw document; every failure becomes a Rejection value, never an exception."""
    cfg = settings or Settings()
    try:
        if raw.record is not None:
            limit = cfg.max_record_bytes
            if len(raw.data) > limit:
                raise RejectedInput("too_large", f"record of {len(raw.data)} bytes exceeds {limit}")
            return cap_title(parse_record(raw, cfg))
        limit = cfg.max_document_bytes
        if len(raw.data) > limit:
            raise RejectedInput("too_large", f"{len(raw.data)} bytes exceeds max_document_bytes={limit}")
        text, encoding = decode(raw.data, raw.charset)
        if looks_like_html(raw):
            page = parse_html(raw, text, encoding, cfg)
        else:
            page = parse_text(text, raw.uri, settings=cfg)
            page.encoding = encoding
            for article in page.articles:
                if article.date is not None:
                    article.published, article.date_problem = resolve(article.date.text, now=raw.fetched_at)
        page.fetched_at = raw.fetched_at
        page.sha256 = raw.sha256
        if not page.articles:
            raise RejectedInput("no_article", "no article body found on the page")
        return cap_title(page)
    except RejectedInput as exc:
        return Rejection(raw.uri, exc.reason, exc.detail)
    except RecursionError:
        return Rejection(raw.uri, "too_complex", "input nesting too deep to parse")

"""Structured article records (SaudiNewsNet-style JSON: source, url, date_extracted, title, author, content)."""

from __future__ import annotations

import html
from typing import Any

from marsad.errors import RejectedInput
from marsad.extract.dates import resolve
from marsad.extract.plaintext import parse_text
from marsad.models import Article, Field, Page, RawDocument, Span
from marsad.settings import Settings
from marsad.text.normalize import clean_display

_TEXT_KEYS = ("content", "text", "body", "article")
_DATE_KEYS = ("date", "published", "date_published", "date_extracted", "pubDate")


def _str(record: dict[str, Any], *keys: str) -> str | None:
    for k in keys:
        v = record.get(k)
        if isinstance(v, str) and v.strip():
            return v.strip()
    return None


def parse_record(raw: RawDocument, settings: Settings | None = None) -> Page:
    """Turn one article record into a page with exactly one article.

    The page text is ``title + "\\n\\n" + content`` so that title and body both have spans; the
    content still goes through the page rules (read-also lines, tags, promos inside it).
    """
    record = raw.record
    if not isinstance(record, dict):
        raise RejectedInput("invalid_record", "an article record must be a JSON object")
    content = _str(record, *_TEXT_KEYS)
    if content is None:
        raise RejectedInput("invalid_record", f"no text in any of {', '.join(_TEXT_KEYS)}")
    # Some outlets' feeds carry HTML entities in plain-text fields (sabq: &quot;سبق&quot;).
    content = html.unescape(content) if "&" in content else content
    title = _str(record, "title", "headline") or ""
    title = html.unescape(title) if "&" in title else title
    prefix = f"{title}\n\n" if title else ""
    text = prefix + content
    page = parse_text(text, raw.uri, settings=settings)
    page.kind = "record"
    page.extractor = "record"
    page.fetched_at = raw.fetched_at
    page.sha256 = raw.sha256
    body_start = len(prefix)
    merged = Article()
    for a in page.articles:
        merged.headings.extend(h for h in a.headings if h.span and h.span.start >= body_start)
        merged.paragraphs.extend(p for p in a.paragraphs if p.span and p.span.start >= body_start)
        merged.tags.extend(a.tags)
        merged.source = merged.source or a.source
        merged.date = merged.date or a.date
        if a.title and a.title.span and a.title.span.start >= body_start and a is not page.articles[0]:
            # A second titled article inside one record: keep its title as a heading of the record.
            merged.headings.append(a.title)
    if not merged.paragraphs:
        raise RejectedInput("no_content", "record has a title but no body text")
    if title:
        merged.title = Field(clean_display(title), Span(0, len(title)))
    src = _str(record, "source", "site", "site_name")
    if src:
        merged.source = Field(src, None)
    author = _str(record, "author", "byline")
    if author:
        merged.author = Field(clean_display(author), None)
    merged.url = _str(record, "url", "link")
    date = _str(record, *_DATE_KEYS)
    if date:
        merged.date = Field(date, None)
        # Relative phrases ("yesterday") are not resolved: a record's file time is not its crawl time.
        merged.published, merged.date_problem = resolve(date)
    merged.language = "ar"
    merged.span = Span(0, len(text))
    page.articles = [merged]
    return page

"""RSS 0.9x/1.0/2.0 and Atom feeds (feedparser): every entry becomes an article record.

An entry carries a summary now; the full page comes when the monitor fetches the entry's link.
The record goes through ``extract/record.py`` like any JSON article record, so the page rules
(read-also, tags, promos) run on the summary text too.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from marsad.models import RawDocument, Rejection
from marsad.text.markup import html_to_text

#: Bytes of a file inspected to decide that it is a feed (the root element sits near the top).
FEED_SNIFF_BYTES = 2048
_FEED_ROOTS = (b"<rss", b"<feed", b"<rdf:rdf", b"<rdf ")

Item = RawDocument | Rejection


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One feed entry in record form, plus the identity the monitor uses to see it only once."""

    entry_id: str
    record: dict[str, Any]


def looks_like_feed(data: bytes) -> bool:
    """Return True if ``data`` starts like an RSS, RDF or Atom document."""
    head = data[:FEED_SNIFF_BYTES].lower()
    return any(root in head for root in _FEED_ROOTS)


def _iso(struct: Any) -> str | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), tz=UTC).isoformat()
    except (OverflowError, ValueError, OSError, TypeError):
        return None  # a year feedparser read but datetime cannot hold (0001, 9999 with an offset)


def parse_feed(data: bytes, uri: str) -> tuple[list[FeedEntry], str | None]:
    """Return the entries of a feed and its title; raise ValueError when the bytes are not a feed."""
    import feedparser

    parsed = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=True, response_headers={"content-location": uri})
    if not parsed.entries and (parsed.bozo or not parsed.feed):
        raise ValueError(str(parsed.get("bozo_exception") or "no feed entries"))
    feed_title = parsed.feed.get("title") or None
    out: list[FeedEntry] = []
    for i, e in enumerate(parsed.entries):
        contents = [c.get("value", "") for c in e.get("content", []) if c.get("value")]
        body_html = max(contents, key=len) if contents else e.get("summary", "")
        text = html_to_text(body_html or "")
        record: dict[str, Any] = {
            "title": html_to_text(e.get("title", "")),
            "content": text,
            "url": e.get("link"),
            "source": feed_title,
            "author": e.get("author"),
            # The date as written keeps its offset (feedparser's parsed form is UTC only).
            "date": e.get("published") or e.get("updated") or _iso(e.get("published_parsed") or e.get("updated_parsed")),
            "tags": [t.get("term") for t in e.get("tags", []) if t.get("term")],
            "feed": uri,
        }
        record = {k: v for k, v in record.items() if v not in (None, "", [])}
        entry_id = e.get("id") or e.get("link") or f"{uri}#{i}:{record.get('title', '')}"
        out.append(FeedEntry(str(entry_id), record))
    return out, feed_title


def entry_document(entry: FeedEntry, when: datetime) -> Item:
    """Return the RawDocument of one entry (a Rejection when it has no text at all)."""
    import json

    if not entry.record.get("content"):
        # A title-only entry: the title stands as the text until the page is fetched.
        if not entry.record.get("title"):
            return Rejection(entry.entry_id, "empty_entry", "feed entry without title or summary")
        entry = FeedEntry(entry.entry_id, {**entry.record, "content": entry.record["title"]})
    data = json.dumps(entry.record, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return RawDocument(data, entry.record.get("url") or entry.entry_id, fetched_at=when,
                       content_type="application/json", record=entry.record)


def iter_feed(data: bytes, uri: str, when: datetime) -> Iterator[Item]:
    """Yield a record document for each entry of a feed file (or one Rejection if it is not a feed)."""
    try:
        entries, _ = parse_feed(data, uri)
    except ValueError as exc:
        yield Rejection(uri, "invalid_feed", str(exc)[:200])
        return
    for entry in entries:
        yield entry_document(entry, when)

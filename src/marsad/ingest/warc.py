"""WARC/ARC crawls (warcio), streamed record by record: HTML responses become documents, the rest is skipped."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from marsad.models import RawDocument, Rejection

#: File name endings read as web archives.
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
#: Content types taken from a crawl; everything else (images, scripts, CSS, PDFs) is skipped.
HTML_TYPES = ("text/html", "application/xhtml+xml")

Item = RawDocument | Rejection


def _warc_date(value: str | None) -> datetime:
    if value:
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


def iter_warc(stream: IO[bytes], uri: str, max_bytes: int) -> Iterator[Item]:
    """Yield a RawDocument for each successful HTML response in a WARC/ARC stream; never reads it whole."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        for index, record in enumerate(ArchiveIterator(stream, arc2warc=True)):
            if record.rec_type not in ("response", "resource"):
                continue
            target = record.rec_headers.get_header("WARC-Target-URI") or f"{uri}#{index}"
            if record.rec_type == "response":
                if record.http_headers is None:
                    continue
                status = record.http_headers.get_statuscode()
                ctype = record.http_headers.get_header("Content-Type") or ""
                if status != "200":
                    continue
            else:
                ctype = record.rec_headers.get_header("Content-Type") or ""
            if ctype.lower().split(";")[0].strip() not in HTML_TYPES:
                continue
            data = record.content_stream().read(max_bytes + 1)
            if len(data) > max_bytes:
                yield Rejection(target, "too_large", f"response larger than max_document_bytes={max_bytes}")
                continue
            yield RawDocument(
                data,
                target,
                fetched_at=_warc_date(record.rec_headers.get_header("WARC-Date")),
                content_type=ctype or "text/html",
                charset=_charset(ctype),
            )
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        yield Rejection(uri, "bad_warc", f"{type(exc).__name__}: {exc}"[:300])


def is_warc_name(path: Path) -> bool:
    """Return True if the file name says it is a web archive."""
    return path.name.lower().endswith(WARC_SUFFIXES)

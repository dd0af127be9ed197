"""Local sources: files, folders, globs, zips, JSON/JSONL article files, RSS/Atom feeds and WARC
crawls — streamed as RawDocuments.

Nothing here loads a whole collection: folders are walked lazily, zip members are read one at a
time under a size budget, and JSON arrays are streamed record by record with ijson.
"""

from __future__ import annotations

import glob
import io
import json
import os
import zipfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

import ijson

from marsad.errors import InputError
from marsad.ingest.feeds import iter_feed, looks_like_feed
from marsad.ingest.warc import is_warc_name, iter_warc
from marsad.models import RawDocument, Rejection
from marsad.settings import default

#: File name endings read as article records rather than pages.
RECORD_SUFFIXES = (".json", ".jsonl", ".ndjson")
#: File name endings read as feeds (an ``.xml`` file that is not a feed is rejected as such).
FEED_SUFFIXES = (".xml", ".rss", ".atom", ".rdf")
#: Media types that name a feed outright (servers also send feeds as text/xml; those are sniffed).
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})
#: Endings skipped when walking a folder (our own stores, editor and VCS files).
SKIP_SUFFIXES = (".db", ".db-wal", ".db-shm", ".sqlite", ".pyc", ".md", ".toml")

Item = RawDocument | Rejection


def expand_paths(specs: Iterable[str]) -> Iterator[Path]:
    """Yield files named by paths, folders (walked, sorted) and glob patterns; raise for a missing path."""
    for spec in specs:
        if any(c in spec for c in "*?["):
            matches = sorted(glob.glob(spec, recursive=True))
            if not matches:
                raise InputError(f"no files match {spec!r}")
            for m in matches:
                yield from expand_paths([m])
            continue
        path = Path(spec)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith(".") or name.endswith(SKIP_SUFFIXES):
                        continue
                    yield Path(root) / name
        elif path.is_file():
            yield path
        elif path.exists():
            raise InputError(f"{spec}: not a regular file or folder")
        else:
            raise InputError(f"{spec}: no such file or folder")


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def iter_documents(specs: Iterable[str], settings: dict[str, Any] | None = None) -> Iterator[Item]:
    """Yield a RawDocument (or a Rejection) for every page or article record under ``specs``."""
    cfg = settings or {}
    for path in expand_paths(specs):
        yield from iter_file(path, cfg)


def iter_file(path: Path, settings: dict[str, Any]) -> Iterator[Item]:
    """Yield the documents of one file (a page, a zip, or a JSON/JSONL file of records)."""
    uri = str(path)
    try:
        size = path.stat().st_size
        if zipfile.is_zipfile(path):
            yield from _iter_zip(path, settings)
            return
        if path.name.lower().endswith(RECORD_SUFFIXES):
            with path.open("rb") as fh:
                yield from iter_records(fh, uri, _mtime(path), settings)
            return
        limit = int(settings.get("max_document_bytes", default("max_document_bytes")))
        if is_warc_name(path):
            with path.open("rb") as fh:
                yield from iter_warc(fh, uri, limit)
            return
        if size > limit:
            yield Rejection(uri, "too_large", f"{size} bytes exceeds max_document_bytes={limit}")
            return
        data = path.read_bytes()
        name = path.name.lower()
        if name.endswith(FEED_SUFFIXES) or (data.lstrip().startswith(b"<?xml") and looks_like_feed(data)):
            yield from iter_feed(data, uri, _mtime(path))
            return
        yield RawDocument(data, uri, fetched_at=_mtime(path))
    except OSError as exc:
        yield Rejection(uri, "unreadable", exc.strerror or str(exc))


def iter_payload(data: bytes, uri: str, when: datetime, content_type: str | None = None,
                 settings: dict[str, Any] | None = None) -> Iterator[Item]:
    """Yield the documents of one payload held in memory: a feed's entries, JSON records, or one page."""
    cfg = settings or {}
    ctype = (content_type or "").split(";")[0].strip().lower()
    head = data.lstrip()[:1]
    if ctype in FEED_TYPES or ((ctype.endswith("xml") or head == b"<") and looks_like_feed(data)):
        yield from iter_feed(data, uri, when)
    elif ctype in ("application/json", "application/x-ndjson", "application/jsonl") or (not ctype and head in (b"[", b"{")):
        yield from iter_records(io.BytesIO(data), uri, when, cfg)
    else:
        charset = None
        if content_type and "charset=" in content_type.lower():
            charset = content_type.lower().split("charset=", 1)[1].split(";")[0].strip("\"' ")
        yield RawDocument(data, uri, fetched_at=when, content_type=content_type or None, charset=charset)


def _iter_zip(path: Path, settings: dict[str, Any]) -> Iterator[Item]:
    total_limit = int(settings.get("max_zip_total_bytes", default("max_zip_total_bytes")))
    max_ratio = float(settings.get("max_zip_ratio", default("max_zip_ratio")))
    doc_limit = int(settings.get("max_document_bytes", default("max_document_bytes")))
    total = 0
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield Rejection(str(path), "bad_zip", str(exc))
        return
    with zf:
        for info in zf.infolist():
            uri = f"{path}!{info.filename}"
            # Names are never used as paths on disk, but a traversal name marks a hostile archive.
            # (Checked before the hidden-file skip below, which would otherwise swallow "../x".)
            if info.filename.startswith("/") or ".." in Path(info.filename).parts:
                yield Rejection(uri, "unsafe_zip_name", "member name escapes the archive")
                continue
            if info.is_dir() or info.filename.startswith(("__MACOSX/", ".")):
                continue
            if info.compress_size and info.file_size / info.compress_size > max_ratio and info.file_size > 1 << 20:
                yield Rejection(uri, "zip_bomb", f"compression ratio {info.file_size / info.compress_size:.0f} > {max_ratio:.0f}")
                continue
            total += info.file_size
            if total > total_limit:
                yield Rejection(uri, "zip_bomb", f"archive expands beyond {total_limit} bytes")
                return
            try:
                with zf.open(info) as member:
                    if info.filename.lower().endswith(RECORD_SUFFIXES):
                        when = datetime(*info.date_time, tzinfo=UTC)
                        yield from iter_records(cast(IO[bytes], _Bounded(member, info.file_size)), uri, when, settings)
                    elif info.file_size > doc_limit:
                        yield Rejection(uri, "too_large", f"{info.file_size} bytes exceeds max_document_bytes={doc_limit}")
                    else:
                        data = member.read(doc_limit + 1)
                        yield RawDocument(data, uri, fetched_at=datetime(*info.date_time, tzinfo=UTC))
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
                yield Rejection(uri, "bad_zip", str(exc))


class _Bounded(io.RawIOBase):
    """A reader that refuses to return more than the size the archive declared (lying headers)."""

    def __init__(self, inner: IO[bytes], limit: int) -> None:
        self._inner = inner
        self._left = limit

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self._left <= 0:
            return 0
        view = memoryview(b)[: self._left]
        data = self._inner.read(len(view))
        view[: len(data)] = data
        self._left -= len(data)
        return len(data)


def _first_byte(fh: IO[bytes]) -> tuple[bytes, IO[bytes]]:
    buffered = fh if isinstance(fh, io.BufferedReader) else io.BufferedReader(cast(io.RawIOBase, fh))
    head = buffered.peek(64)[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1], buffered


def iter_records(fh: IO[bytes], uri: str, when: datetime, settings: dict[str, Any]) -> Iterator[Item]:
    """Stream article records from a JSON array, a single JSON object, or JSON Lines."""
    first, stream = _first_byte(fh)
    if not first:
        yield Rejection(uri, "empty", "no content")
        return
    if first == b"[":
        yield from _iter_json_array(stream, uri, when)
    elif first == b"{":
        yield from _iter_json_lines(stream, uri, when, settings)
    else:
        yield Rejection(uri, "invalid_json", "expected a JSON array, object or JSON Lines")


def _record_doc(record: Any, uri: str, when: datetime) -> Item:
    if not isinstance(record, dict):
        return Rejection(uri, "invalid_record", f"expected an object, got {type(record).__name__}")
    data = json.dumps(record, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    url = record.get("url") if isinstance(record.get("url"), str) else None
    return RawDocument(data, url or uri, fetched_at=when, content_type="application/json", record=record)


def _iter_json_array(stream: IO[bytes], uri: str, when: datetime) -> Iterator[Item]:
    index = 0
    try:
        for index, record in enumerate(ijson.items(stream, "item", use_float=True)):
            yield _record_doc(record, f"{uri}#{index}", when)
    except ijson.JSONError as exc:
        yield Rejection(uri, "invalid_json", f"after {index} records: {exc}")


def _iter_json_lines(stream: IO[bytes], uri: str, when: datetime, settings: dict[str, Any]) -> Iterator[Item]:
    limit = int(settings.get("max_record_bytes", default("max_record_bytes")))
    buffered: list[bytes] = []
    lineno = 0
    for lineno, line in enumerate(stream, start=1):
        if len(line) > limit:
            yield Rejection(f"{uri}:{lineno}", "too_large", f"line of {len(line)} bytes exceeds {limit}")
            continue
        buffered.append(line)
        if lineno == 1:
            continue
        if lineno == 2:
            # Decide between JSON Lines and one pretty-printed object: the first line alone must parse.
            try:
                first = json.loads(buffered[0])
            except ValueError:
                rest = b"".join(buffered) + stream.read(limit)
                yield from _whole_object(rest, uri, when)
                return
            yield _record_doc(first, f"{uri}:1", when)
        yield from _json_line(line, f"{uri}:{lineno}", when)
    if lineno == 1:
        yield from _whole_object(buffered[0], uri, when)


def _json_line(line: bytes, uri: str, when: datetime) -> Iterator[Item]:
    if not line.strip():
        return
    try:
        yield _record_doc(json.loads(line), uri, when)
    except ValueError as exc:
        yield Rejection(uri, "invalid_json", str(exc))


def _whole_object(data: bytes, uri: str, when: datetime) -> Iterator[Item]:
    try:
        obj = json.loads(data)
    except ValueError as exc:
        yield Rejection(uri, "invalid_json", str(exc))
        return
    articles = obj.get("articles") if isinstance(obj, dict) else None
    items: list[Any] = articles if isinstance(articles, list) else [obj]
    for i, rec in enumerate(items):
        yield _record_doc(rec, uri if len(items) == 1 else f"{uri}#{i}", when)

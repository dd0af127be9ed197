"""Local sources: files, folders, globs, zips, JSON/JSONL article files, RSS/Atom feeds and WARC
crawls — streamed as RawDocuments.

Nothing here loads a whole collection: folders are walked lazily, zip members are read one at a
time under a size budget, and JSON arrays are streamed record by record with ijson.
"""

from __future__ import annotations

import glob
import io
import logging
import os
import zipfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

from marsad.errors import InputError
from marsad.ingest.feeds import iter_feed, looks_like_feed
from marsad.ingest.records import iter_records
from marsad.ingest.warc import is_warc_name, iter_warc
from marsad.models import RawDocument, Rejection
from marsad.settings import Settings

log = logging.getLogger(__name__)

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


def iter_documents(specs: Iterable[str], settings: Settings | None = None) -> Iterator[Item]:
    """Yield a RawDocument (or a Rejection) for every page or article record under ``specs``."""
    cfg = settings or Settings()
    for path in expand_paths(specs):
        yield from iter_file(path, cfg)


def iter_file(path: Path, settings: Settings) -> Iterator[Item]:
    """Yield the documents of one file (a page, a zip, or a JSON/JSONL file of records).

    Whatever goes wrong while the file is read ends as a recorded rejection of that file: the
    documents already yielded stay, and the run goes on with the next file.
    """
    uri = str(path)
    try:
        yield from _iter_file(path, uri, settings)
    except OSError as exc:
        yield Rejection(uri, "unreadable", exc.strerror or str(exc))
    except Exception as exc:  # a reader's bug or an input no reader foresaw must not stop the run
        log.warning("reading %s failed: %s: %s", uri, type(exc).__name__, exc)
        yield Rejection(uri, "unreadable", f"{type(exc).__name__}: {exc}"[:500])


def _iter_file(path: Path, uri: str, settings: Settings) -> Iterator[Item]:
    size = path.stat().st_size
    if zipfile.is_zipfile(path):
        yield from _iter_zip(path, settings)
        return
    if path.name.lower().endswith(RECORD_SUFFIXES):
        with path.open("rb") as fh:
            yield from iter_records(fh, uri, _mtime(path), settings)
        return
    limit = settings.max_document_bytes
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


def iter_payload(data: bytes, uri: str, when: datetime, content_type: str | None = None,
                 settings: Settings | None = None) -> Iterator[Item]:
    """Yield the documents of one payload held in memory: a feed's entries, JSON records, or one page."""
    cfg = settings or Settings()
    try:
        yield from _iter_payload(data, uri, when, content_type, cfg)
    except Exception as exc:  # as in iter_file: one bad payload is a rejection, never a crash
        yield Rejection(uri, "unreadable", f"{type(exc).__name__}: {exc}"[:500])


def _iter_payload(data: bytes, uri: str, when: datetime, content_type: str | None, cfg: Settings) -> Iterator[Item]:
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


def _iter_zip(path: Path, settings: Settings) -> Iterator[Item]:
    total_limit = settings.max_zip_total_bytes
    max_ratio = settings.max_zip_ratio
    doc_limit = settings.max_document_bytes
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
                        when = _zip_time(info, path)
                        yield from iter_records(cast(IO[bytes], _Bounded(member, info.file_size)), uri, when, settings)
                    elif info.file_size > doc_limit:
                        yield Rejection(uri, "too_large", f"{info.file_size} bytes exceeds max_document_bytes={doc_limit}")
                    else:
                        data = member.read(doc_limit + 1)
                        yield RawDocument(data, uri, fetched_at=_zip_time(info, path))
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
                yield Rejection(uri, "bad_zip", str(exc))
            except Exception as exc:  # one unreadable member; the archive's other members go on
                yield Rejection(uri, "unreadable", f"{type(exc).__name__}: {exc}"[:500])


def _zip_time(info: zipfile.ZipInfo, path: Path) -> datetime:
    """Return a member's modification time, or the archive's when the DOS date is invalid (e.g. 0)."""
    try:
        return datetime(*info.date_time, tzinfo=UTC)
    except (ValueError, TypeError):
        return _mtime(path)


class _Bounded(io.RawIOBase):
    """A reader that refuses to return more than the size the archive declared (lying headers)."""

    def __init__(self, inner: IO[bytes], limit: int) -> None:
        self._inner = inner
        self._limit = limit
        self._left = limit

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._inner.seekable()

    def tell(self) -> int:
        return self._limit - self._left

    def seek(self, pos: int, whence: int = 0) -> int:
        # Only rewinds are asked for (a JSON array re-read by a second parser).
        target = pos if whence == io.SEEK_SET else self.tell() + pos
        self._inner.seek(target)
        self._left = self._limit - target
        return target

    def readinto(self, b: Any) -> int:
        if self._left <= 0:
            return 0
        view = memoryview(b)[: self._left]
        data = self._inner.read(len(view))
        view[: len(data)] = data
        self._left -= len(data)
        return len(data)

"""Article records from JSON: arrays streamed record by record, single objects, JSON Lines.

Every way a record can be bad ends as a ``Rejection`` for that record, and reading goes on:

- Depth is capped *while* parsing. Records are built from ijson's ``basic_parse`` events rather
  than ``ijson.items``, whose event prefixes grow with the nesting depth (a 40 KB file nested
  20,000 deep cost 1 GB); a record deeper than ``MAX_JSON_DEPTH`` is skipped event by event.
- A lone surrogate escape (``"\\udc00"``) is valid JSON that ijson's C backend cannot decode: the
  stream is rewound and read on with ijson's pure-Python backend, which can, and the lone
  surrogates become U+FFFD.
- A JSON Lines file whose first line is broken is still JSON Lines: only that line is rejected.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any, cast

import ijson

from marsad.models import RawDocument, Rejection
from marsad.settings import Settings

Item = RawDocument | Rejection

#: Deepest nesting accepted in one record. SaudiNewsNet records are 2 levels deep, JSON-LD news
#: objects about 6; 32 leaves room for any real feed while bounding the work one record can cause.
MAX_JSON_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Event names that open and close a container.
_OPEN = frozenset({"start_map", "start_array"})
_CLOSE = frozenset({"end_map", "end_array"})


class TooDeep(ValueError):
    """A JSON value nests deeper than ``MAX_JSON_DEPTH``."""


def clean_string(value: str) -> str:
    """Return ``value`` with lone UTF-16 surrogates (not encodable as UTF-8) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value


def _scalar(event: str, value: Any) -> Any:
    return clean_string(value) if event == "string" else value


def _build(first: tuple[str, Any], events: Iterator[tuple[str, Any]], depth: int) -> Any:
    """Build one value from its first event and the rest of its events; raise TooDeep past the cap."""
    event, value = first
    if event not in _OPEN:
        return _scalar(event, value)
    # An explicit stack, not recursion: the depth cap, not Python's recursion limit, decides.
    root: Any = {} if event == "start_map" else []
    stack: list[Any] = [root]
    keys: list[str | None] = [None]
    too_deep = depth + 1 > MAX_JSON_DEPTH
    for event, value in events:
        if event in _CLOSE:
            stack.pop()
            keys.pop()
            if not stack:
                break
            continue
        if event == "map_key":
            keys[-1] = clean_string(value)
            continue
        if too_deep or (depth + len(stack) >= MAX_JSON_DEPTH and event in _OPEN):
            too_deep = True
            if event in _OPEN:
                stack.append(None)  # keep counting to find this record's end, building nothing
                keys.append(None)
            continue
        item: Any = ({} if event == "start_map" else []) if event in _OPEN else _scalar(event, value)
        parent = stack[-1]
        if isinstance(parent, dict):
            parent[keys[-1] or ""] = item
        else:
            parent.append(item)
        if event in _OPEN:
            stack.append(item)
            keys.append(None)
    if too_deep:
        raise TooDeep(f"nested deeper than {MAX_JSON_DEPTH} levels")
    return root


def _depth_ok(value: Any) -> bool:
    """Return True if ``value`` nests at most ``MAX_JSON_DEPTH`` levels (checked without recursion)."""
    todo: list[tuple[Any, int]] = [(value, 1)]
    while todo:
        v, d = todo.pop()
        if isinstance(v, dict | list):
            if d > MAX_JSON_DEPTH:
                return False
            todo.extend((c, d + 1) for c in (v.values() if isinstance(v, dict) else v))
    return True


def _clean(value: Any) -> Any:
    """Return a parsed JSON value with lone surrogates replaced in every string (no recursion)."""
    if isinstance(value, str):
        return clean_string(value)
    todo = [value]
    while todo:
        v = todo.pop()
        if isinstance(v, dict):
            for k in list(v):
                item = v.pop(k)
                v[clean_string(k) if isinstance(k, str) else k] = clean_string(item) if isinstance(item, str) else item
                if isinstance(item, dict | list):
                    todo.append(item)
        elif isinstance(v, list):
            for i, item in enumerate(v):
                if isinstance(item, str):
                    v[i] = clean_string(item)
                elif isinstance(item, dict | list):
                    todo.append(item)
    return value


def loads(data: bytes | str) -> Any:
    """Parse one JSON value with the depth cap; raise ValueError (``TooDeep`` included) if unusable."""
    try:
        value = json.loads(data)
    except RecursionError as exc:
        raise TooDeep(f"nested deeper than {MAX_JSON_DEPTH} levels") from exc
    if not _depth_ok(value):
        raise TooDeep(f"nested deeper than {MAX_JSON_DEPTH} levels")
    return _clean(value)


def record_doc(record: Any, uri: str, item: str, when: datetime) -> Item:
    """Return the RawDocument of one record, or a Rejection if it is not a JSON object."""
    if not isinstance(record, dict):
        return Rejection(uri, "invalid_record", f"expected an object, got {type(record).__name__}", item)
    data = json.dumps(record, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    url = record.get("url") if isinstance(record.get("url"), str) else None
    where = f"{uri}{item}"
    return RawDocument(data, url or where, fetched_at=when, content_type="application/json", record=record)


def _first_byte(fh: IO[bytes]) -> tuple[bytes, IO[bytes]]:
    buffered = fh if isinstance(fh, io.BufferedReader) else io.BufferedReader(cast(io.RawIOBase, fh))
    head = buffered.peek(64)[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1], buffered


def iter_records(fh: IO[bytes], uri: str, when: datetime, settings: Settings) -> Iterator[Item]:
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


def _array_items(events: Iterable[tuple[str, Any]]) -> Iterator[Any | TooDeep]:
    """Yield each element of a top-level JSON array (a TooDeep instead of an element nested too deep)."""
    it = iter(events)
    head = next(it, None)
    if head is None or head[0] != "start_array":
        raise ValueError("expected a JSON array")
    for ev in it:
        if ev[0] == "end_array":
            return
        try:
            yield _build(ev, it, 1)
        except TooDeep as exc:
            yield exc


def _iter_json_array(stream: IO[bytes], uri: str, when: datetime) -> Iterator[Item]:
    start = stream.tell() if stream.seekable() else None
    done = 0
    backends = ["yajl2_c", "python"] if start is not None else ["yajl2_c"]
    for name in backends:
        try:
            backend = ijson.get_backend(name)
        except ImportError:
            continue
        if name != backends[0] and start is not None:
            stream.seek(start)
        try:
            for index, value in enumerate(_array_items(backend.basic_parse(stream, use_float=True))):
                if index < done:
                    continue  # read already, before the backend was switched
                done = index + 1
                if isinstance(value, TooDeep):
                    yield Rejection(uri, "too_deep", str(value), f"#{index}")
                else:
                    yield record_doc(value, uri, f"#{index}", when)
            return
        except UnicodeDecodeError as exc:
            if name == backends[-1]:
                yield Rejection(uri, "bad_encoding", f"after {done} records: {exc}")
                return
        except (ijson.JSONError, ValueError) as exc:
            yield Rejection(uri, "invalid_json", f"after {done} records: {exc}")
            return


def _iter_json_lines(stream: IO[bytes], uri: str, when: datetime, settings: Settings) -> Iterator[Item]:
    """Read one JSON object (pretty-printed or not), or else JSON Lines, one record per line."""
    limit = settings.max_record_bytes
    head = stream.read(limit + 1)  # at most one record's budget is held at once
    if len(head) <= limit:
        try:
            whole = loads(head)
        except ValueError:
            pass  # JSON Lines (or broken): read line by line below
        else:
            yield from _whole_object(whole, uri, when)
            return
    lines = _lines(io.BufferedReader(_Replay(head, stream)), limit)
    for lineno, line in enumerate(lines, start=1):
        if line is None:
            yield Rejection(uri, "too_large", f"record over max_record_bytes={limit}", f":{lineno}")
        else:
            yield from _json_line(line, uri, f":{lineno}", when)


class _Replay(io.RawIOBase):
    """A stream that returns ``head`` and then the rest of ``tail`` (bytes already read, put back)."""

    def __init__(self, head: bytes, tail: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._tail = tail

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        view = memoryview(b)
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._tail.read(len(view))
        view[: len(data)] = data
        return len(data)


def _lines(stream: IO[bytes], limit: int) -> Iterator[bytes | None]:
    """Yield each line, or None for a line over ``limit`` bytes (read past, never held whole)."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = stream.readline(limit + 1)
            yield None
            continue
        yield line


def _json_line(line: bytes, uri: str, item: str, when: datetime) -> Iterator[Item]:
    if not line.strip():
        return
    try:
        yield record_doc(loads(line), uri, item, when)
    except TooDeep as exc:
        yield Rejection(uri, "too_deep", str(exc), item)
    except ValueError as exc:
        yield Rejection(uri, "invalid_json", str(exc), item)


def _whole_object(obj: Any, uri: str, when: datetime) -> Iterator[Item]:
    articles = obj.get("articles") if isinstance(obj, dict) else None
    items: list[Any] = articles if isinstance(articles, list) else [obj]
    for i, rec in enumerate(items):
        yield record_doc(rec, uri, "" if len(items) == 1 else f"#{i}", when)

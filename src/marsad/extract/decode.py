"""Bytes to text: BOMs, declared charsets, UTF-8, then detection with charset-normalizer.

Older Arabic sites serve windows-1256 or ISO-8859-6 without saying so; a detector alone sometimes
calls such bytes a Latin code page, so the Arabic code pages are tried by name and kept when they
produce mostly Arabic letters.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from marsad.errors import RejectedInput
from marsad.text.normalize import arabic_ratio

#: Bytes looked at to decide that input is binary (a NUL or many control bytes there).
SNIFF_BYTES = 8192
#: Share of C0 control characters (other than whitespace) above which decoded text is binary.
#: Real text has none; 1% tolerates a stray form feed or escape.
MAX_CONTROL_RATIO = 0.01
#: Share of Arabic letters a candidate Arabic code page must produce to be believed over the detector.
MIN_ARABIC_RATIO = 0.6
_ARABIC_CODEPAGES = ("cp1256", "iso-8859-6")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _control_ratio(text: str) -> float:
    sample = text[:SNIFF_BYTES]
    if not sample:
        return 0.0
    bad = sum(1 for c in sample if (ord(c) < 32 and c not in "\t\n\r\f\v") or ord(c) == 127)
    return bad / len(sample)


def _check(text: str, encoding: str) -> tuple[str, str]:
    if _control_ratio(text) > MAX_CONTROL_RATIO:
        raise RejectedInput("binary", f"control characters in text decoded as {encoding}")
    if not text.strip():
        raise RejectedInput("empty", "only whitespace")
    return text, encoding


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding)`` for ``data`` or raise ``RejectedInput`` (empty, binary, undecodable)."""
    if not data or not data.strip():
        raise RejectedInput("empty", "no content")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return _check(data.decode(enc), enc)
            except UnicodeDecodeError as exc:
                raise RejectedInput("undecodable", f"{enc} BOM but invalid bytes: {exc.reason}") from exc
    if b"\x00" in data[:SNIFF_BYTES]:
        raise RejectedInput("binary", "NUL bytes")
    try:
        return _check(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            enc = codecs.lookup(declared).name
            return _check(data.decode(enc), enc)
        except (LookupError, UnicodeDecodeError):
            pass  # a lying or unknown charset: fall through to detection
    for enc in _ARABIC_CODEPAGES:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if arabic_ratio(text) >= MIN_ARABIC_RATIO:
            return _check(text, enc)
    best = from_bytes(data[: 4 * 1024 * 1024]).best()
    if best is None or best.encoding is None:
        raise RejectedInput("undecodable", "no text encoding fits these bytes")
    try:
        return _check(data.decode(best.encoding, errors="replace"), best.encoding)
    except LookupError as exc:
        raise RejectedInput("undecodable", str(exc)) from exc

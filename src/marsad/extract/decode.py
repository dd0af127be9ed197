"""Bytes to text: BOMs, declared charsets, UTF-8, then detection with charset-normalizer.

Older Arabic sites serve windows-1256 or ISO-8859-6 without saying so; a detector alone sometimes
calls such bytes a Latin code page, so the Arabic code pages are tried by name and kept when they
produce mostly Arabic letters.
"""

from __future__ import annotations

import codecs
import re

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
#: Bytes of an HTML page searched for a <meta charset> (the HTML standard's prescan reads 1024;
#: real pages put scripts and long comments first, so the first 4 KB are read).
META_PRESCAN_BYTES = 4096
#: Share of an UTF-8 text's letters that must look like mojibake pairs before a repair is tried.
MOJIBAKE_MIN_RATIO = 0.2
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# UTF-8 Arabic read as windows-1256 gives "ط§ظ„" runs; read as cp1252/latin-1 it gives "Ø§Ù„" runs.
_MOJIBAKE = {"cp1256": re.compile("[طظ][\u0600-\u06ff\u0080-\u00ff\u2000-\u206f\u02c6\u0152\u0153\u0178\u0192]"),
             "cp1252": re.compile("[ØÙÚÛ][\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a]")}
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


def meta_charset(data: bytes) -> str | None:
    """Return the charset an HTML page declares in a ``<meta>`` tag near its top, or None."""
    m = _META_CHARSET.search(data[:META_PRESCAN_BYTES])
    if m is None:
        return None
    name = m.group(1).decode("ascii", "replace")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def repair_mojibake(text: str) -> tuple[str, str | None]:
    """Return ``(text, None)`` or, for UTF-8 Arabic mis-decoded as cp1256/cp1252, the repaired text and that code page."""
    letters = sum(1 for c in text[:SNIFF_BYTES] if c.isalpha()) or 1
    for codepage, pattern in _MOJIBAKE.items():
        pairs = len(pattern.findall(text[:SNIFF_BYTES]))
        if 2 * pairs / letters < MOJIBAKE_MIN_RATIO:
            continue
        try:
            fixed = _reencode(text, codepage).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if arabic_ratio(fixed) > arabic_ratio(text):
            return fixed, codepage
    return text, None


def _reencode(text: str, codepage: str) -> bytes:
    # cp1252 leaves five bytes unmapped; decoders pass them through as U+0080-U+009F (latin-1).
    if codepage != "cp1252":
        return text.encode(codepage)
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) > 0xFF:
                raise
            out.append(ord(ch))
    return bytes(out)


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding)`` for ``data`` or raise ``RejectedInput`` (empty, binary, undecodable).

    ``declared`` is the HTTP charset; without it an HTML ``<meta charset>`` is honoured. UTF-8 text
    that is really mis-decoded Arabic (mojibake) is repaired and reported as ``utf-8+repaired-from-CP``.
    """
    text, encoding = _decode(data, declared or meta_charset(data))
    fixed, codepage = repair_mojibake(text)
    if codepage is not None:
        return fixed, f"utf-8+repaired-from-{codepage}"
    return text, encoding


def _decode(data: bytes, declared: str | None) -> tuple[str, str]:
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

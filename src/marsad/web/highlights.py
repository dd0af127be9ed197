"""Place entity mentions (spans into the original page text) and query hits on an article's clean text.

A mention's ``start``/``end`` point into the page's original text; a paragraph (or the title) carries
its own span into that text, but its clean text may differ slightly from the slice (whitespace folded,
no-break spaces made plain). ``align`` maps offsets of the slice onto the clean text, and every placed
mention is checked against its own text, so a mention is linked only where it really is.
No web framework here: plain functions the web routes and tests call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: How far (characters) to look around the expected place when the aligned offsets miss a mention.
SEARCH_SLACK = 40


def align(src: str, dst: str) -> list[int]:
    """Return ``m`` with ``m[i]`` the offset in ``dst`` of ``src[i]`` (``len(src) + 1`` entries).

    ``dst`` is ``src`` with some characters dropped or whitespace changed: equal characters (or any
    two whitespace characters) advance both, anything else in ``src`` is taken as dropped.
    """
    out: list[int] = []
    j = 0
    for ch in src:
        out.append(j)
        if j < len(dst) and (dst[j] == ch or (ch.isspace() and dst[j].isspace())):
            j += 1
    out.append(j)
    return out


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def place_mentions(
    text: str, span: Sequence[int] | None, page_text: str, mentions: Sequence[dict[str, Any]]
) -> list[tuple[int, int, dict[str, Any]]]:
    """Return ``(start, end, mention)`` offsets into ``text`` of the mentions inside ``span`` of the page.

    Overlapping mentions keep the first (longest at equal start); mentions that cannot be found are left out.
    """
    if not span or len(span) != 2 or not mentions:
        return []
    s0, s1 = int(span[0]), int(span[1])
    inside = [m for m in mentions if s0 <= int(m["start"]) and int(m["end"]) <= s1 and int(m["end"]) > int(m["start"])]
    if not inside:
        return []
    piece = page_text[s0:s1]
    amap = align(piece, text) if piece != text else None
    placed: list[tuple[int, int, dict[str, Any]]] = []
    for m in inside:
        rs, re_ = int(m["start"]) - s0, int(m["end"]) - s0
        ls, le = (amap[rs], amap[re_]) if amap is not None else (rs, re_)
        want = str(m.get("text", ""))
        if not _same(text[ls:le], want):
            found = text.find(want, max(0, ls - SEARCH_SLACK), min(len(text), le + SEARCH_SLACK))
            if found < 0:
                continue
            ls, le = found, found + len(want)
        placed.append((ls, le, m))
    placed.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    out: list[tuple[int, int, dict[str, Any]]] = []
    last = 0
    for ls, le, m in placed:
        if ls >= last:
            out.append((ls, le, m))
            last = le
    return out


def _parts(text: str, start: int, end: int, hits: Sequence[tuple[int, int]]) -> list[dict[str, Any]]:
    """Split ``text[start:end]`` into ``{"text", "hit"}`` parts by the query-hit spans."""
    parts: list[dict[str, Any]] = []
    pos = start
    for hs, he in hits:
        hs, he = max(hs, start), min(he, end)
        if he <= hs or hs < pos:
            continue
        if hs > pos:
            parts.append({"text": text[pos:hs], "hit": False})
        parts.append({"text": text[hs:he], "hit": True})
        pos = he
    if pos < end:
        parts.append({"text": text[pos:end], "hit": False})
    return parts


def entity_segments(
    text: str, placed: Sequence[tuple[int, int, dict[str, Any]]], hits: Sequence[tuple[int, int]] = ()
) -> list[dict[str, Any]]:
    """Return ``text`` as segments ``{"entity": mention | None, "parts": [{"text", "hit"}]}``.

    A segment with an entity is one mention (its id, name, type and original span); its parts carry
    the query hits inside it. Concatenating every part's text gives ``text`` back unchanged.
    """
    hits = sorted(hits)
    out: list[dict[str, Any]] = []
    pos = 0
    for ls, le, m in placed:
        if ls > pos:
            out.append({"entity": None, "parts": _parts(text, pos, ls, hits)})
        ent = {k: m.get(k) for k in ("id", "name", "type", "text", "start", "end")}
        out.append({"entity": ent, "parts": _parts(text, ls, le, hits)})
        pos = le
    if pos < len(text):
        out.append({"entity": None, "parts": _parts(text, pos, len(text), hits)})
    return out


def article_entities(mentions: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the article's distinct entities (most mentioned first): forms, first span and every span."""
    by_id: dict[str, dict[str, Any]] = {}
    for m in sorted(mentions, key=lambda m: int(m["start"])):
        eid = str(m.get("id") or "")
        if not eid:
            continue
        e = by_id.setdefault(
            eid, {"id": eid, "name": m.get("name"), "type": m.get("type"), "count": 0, "forms": [],
                  "span": [m["start"], m["end"]], "spans": []}
        )
        e["count"] += 1
        e["spans"].append([m["start"], m["end"]])
        if m.get("text") not in e["forms"]:
            e["forms"].append(m.get("text"))
    return sorted(by_id.values(), key=lambda e: (-e["count"], e["span"][0]))

"""Attention over time: the articles matching a search per day or hour, and their share of all
articles (or of each outlet's) in that day or hour, several searches side by side."""

from __future__ import annotations

from typing import Any

from marsad.errors import InputError
from marsad.ports import Store
from marsad.search import SearchEngine

#: Queries one attention view compares (each is a search).
ATTENTION_SERIES = 8
#: Time units of an attention series.
UNITS = ("day", "hour")
#: Matches of a query read for hourly or per-outlet counts, the latest first (the day histogram
#: counts every match but holds neither hours nor outlets): 20,000 is the busiest word of the
#: 20k shared-days store (المملكة) with room, read in ~0.1 s.
ATTENTION_MATCHES = 20_000


def attention(store: Store, engine: SearchEngine, terms: list[str], by: str = "day",
              per_source: bool = False) -> dict[str, Any]:
    """Return, for each query, the matching articles per day (or hour) and their share of all the
    articles stored for that day (or hour): ``{"by", "days", "buckets", "series": [{"query", "total",
    "points": [{"day", "count", "share"}]}]}``; hourly points also carry ``hour`` (``YYYY-MM-DDTHH``,
    UTC). With ``per_source`` there is one series per query and outlet (``source``, ``name``) and the
    share is of that outlet's articles in that day or hour.

    A query is anything search takes (words, phrases, ``entity:``, ``source:``). Daily totals come
    from the search index's day histogram (its first 62 days; narrow a longer store with
    ``date:A..B``); hourly and per-outlet counts from the latest ``ATTENTION_MATCHES`` matches.
    """
    if by not in UNITS:
        raise InputError(f"by must be one of {', '.join(UNITS)}, not {by!r}")
    if by == "day" and not per_source:
        return _daily(store, engine, terms)
    from marsad.ingest.outlets import outlet_name

    totals = store.bucket_counts(by)
    buckets = sorted({b for _, b in totals})
    all_totals: dict[str, int] = {}
    for (_, b), n in totals.items():
        all_totals[b] = all_totals.get(b, 0) + n
    series = []
    for term in terms:
        ids, total, errors = engine.match_ids(term, ATTENTION_MATCHES, sort="recent")
        if total > len(ids):
            errors = [*errors, f"counted the latest {len(ids)} of {total} matches"]
        counts = store.bucket_counts(by, ids) if ids else {}
        if per_source:
            for source in sorted({s for s, _ in counts}):
                series.append({"query": term, "source": source, "name": outlet_name(source),
                               "total": sum(n for (s, _), n in counts.items() if s == source), "errors": errors,
                               "points": _points(by, buckets, {b: n for (s, b), n in counts.items() if s == source},
                                                 {b: n for (s, b), n in totals.items() if s == source})})
        else:
            merged: dict[str, int] = {}
            for (_, b), n in counts.items():
                merged[b] = merged.get(b, 0) + n
            series.append({"query": term, "total": total, "errors": errors,
                           "points": _points(by, buckets, merged, all_totals)})
    return {"by": by, "days": sorted({b[:10] for b in buckets}), "buckets": buckets, "series": series}


def _points(by: str, buckets: list[str], counts: dict[str, int], totals: dict[str, int]) -> list[dict[str, Any]]:
    out = []
    for b in buckets:
        n, whole = counts.get(b, 0), totals.get(b, 0)
        point: dict[str, Any] = {"day": b[:10], "count": n, "share": round(n / whole, 4) if whole else 0.0}
        if by == "hour":
            point["hour"] = b
        out.append(point)
    return out


def _daily(store: Store, engine: SearchEngine, terms: list[str]) -> dict[str, Any]:
    """Return the daily series from the search index's day histogram (every match counted)."""
    totals = store.day_counts()
    days = sorted(totals)
    series = []
    for term in terms:
        found = engine.search(term, limit=0)
        per_day = {str(d["value"]): int(d["count"]) for d in found.facets.get("days", [])}
        series.append({
            "query": term,
            "total": found.total,
            "errors": found.errors,
            "points": [{"day": d, "count": per_day.get(d, 0), "share": round(per_day.get(d, 0) / totals[d], 4)}
                       for d in days],
        })
    return {"by": "day", "days": days, "buckets": days, "series": series}

"""Outlets: who covered a story (first report, copies, missing outlets), the outlet × story matrix
of a day, and per-outlet profiles."""

from __future__ import annotations

from typing import Any

from marsad.ingest.outlets import outlet_name, outlets
from marsad.ports import Store
from marsad.queries import list_stories, story

#: Wire agencies an article may credit (the name as Arabic outlets write it → the agency).
WIRES = {"واس": "واس", "وكالة الأنباء السعودية": "واس", "أ ف ب": "أ ف ب", "ا ف ب": "أ ف ب", "رويترز": "رويترز",
         "د ب أ": "د ب أ", "الأناضول": "الأناضول", "أ ب": "أسوشيتد برس", "يو بي آي": "يو بي آي"}


def _credited(text: str) -> list[str]:
    """Return the wire agencies a text names (as whole words)."""
    padded = f" {' '.join(text.replace('(', ' ').replace(')', ' ').replace('-', ' ').split())} "
    return sorted({agency for name, agency in WIRES.items() if f" {name} " in padded})


def story_coverage(store: Store, story_id: int) -> dict[str, Any] | None:
    """Return who covered a story: each outlet's articles and first time, who published first, who
    republished whom (a recorded exact or near duplicate of an earlier member, with the wire agency
    the copy credits), and the outlets that published every day of the story but not on it."""
    data = story(store, story_id)
    if data is None:
        return None
    arts = data["articles"]
    outlets_seen: dict[str, dict[str, Any]] = {}
    for a in arts:
        o = outlets_seen.setdefault(a["source"] or "", {"source": a["source"] or "", "name": outlet_name(a["source"]),
                                                         "articles": 0, "first": a["date"]})
        o["articles"] += 1
    order = {a["id"]: i for i, a in enumerate(arts)}
    texts = {int(t["id"]): str(t.get("text") or "") for t in store.article_texts(list(order))}
    copies = []
    for a, b, kind, score in store.duplicate_pairs(list(order)):
        if a in order and b in order:
            first, later = sorted((a, b), key=lambda i: order[i])
            copies.append({"copy": later, "copy_source": arts[order[later]]["source"], "of": first,
                           "of_source": arts[order[first]]["source"], "kind": kind, "score": round(score, 3),
                           "credits": _credited(texts.get(later, ""))})
    days = sorted({a["date"][:10] for a in arts if a["date"]})
    active = store.source_day_counts(days)
    regular = {s for s in {s for s, _ in active} if all(active.get((s, d), 0) for d in days)}
    missing = sorted(s for s in regular - set(outlets_seen) if s)
    return {
        "id": data["id"], "title": data["title"], "size": data["size"], "days": days,
        "first": arts[0] if arts and arts[0]["date"] else None,
        "outlets": sorted(outlets_seen.values(), key=lambda o: (o["first"] is None, o["first"] or "", o["source"])),
        "copies": sorted(copies, key=lambda c: (order[c["copy"]], c["of"])),
        "missing": [{"source": s, "name": outlet_name(s)} for s in missing],
    }


def _outlet(slug: str) -> dict[str, Any]:
    known = outlets().get(slug)
    return known.to_dict() if known else {"slug": slug, "name": slug, "country": None, "site": None}


def sources(store: Store) -> list[dict[str, Any]]:
    """Return every outlet with stored articles: slug, Arabic name, country, site and article count."""
    return [{**_outlet(slug), "article_count": n} for slug, n in store.sources()]


#: Most covered entities listed in an outlet's profile (its topics at a glance), counted over its
#: latest articles: about a week of a busy Saudi daily (200-260 a day on the shared days are the
#: busiest), and a cost bounded by the number of outlets: every mention of a 20,000-article store
#: took 0.45 s, a week of all outlets 0.12 s, the latest 200 per outlet 0.05 s.
PROFILE_ENTITIES = 5
PROFILE_ARTICLES = 200
#: Outlets a story needs before "who published first" is asked of it (one outlet is always first).
FIRST_MIN_OUTLETS = 2


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


#: The orders outlet profiles may be listed in (each largest first, ``name`` alphabetical).
PROFILE_SORTS = ("articles", "per_day", "first_share", "copy_share", "name")


def source_profiles(store: Store, sort: str = "articles") -> list[dict[str, Any]]:
    """Return each outlet's profile (most articles first, or by another of ``PROFILE_SORTS``): volume (articles, active days, articles per
    active day, first and last day), topics (its most covered entities), how often it published a
    multi-outlet story first, and how often it copied, or was copied by, another outlet (recorded
    exact and near duplicates of an earlier article). Topics count each outlet's latest ``PROFILE_ARTICLES`` articles."""
    firsts = store.source_firsts(FIRST_MIN_OUTLETS)
    copies = store.source_copies()
    topics = store.source_entities(PROFILE_ENTITIES, PROFILE_ARTICLES)
    names = store.entity_names(sorted({e for ts in topics.values() for e, _ in ts}))
    out = []
    for v in sorted(store.source_volumes(), key=lambda v: (-v["articles"], v["source"])):
        slug = v["source"]
        covered, first = firsts.get(slug, (0, 0))
        copied_others, copied_by = copies.get(slug, (0, 0))
        out.append({
            **_outlet(slug), "article_count": v["articles"], "active_days": v["days"],
            "per_day": round(v["articles"] / v["days"], 1) if v["days"] else None,
            "first_day": v["first_day"], "last_day": v["last_day"],
            "shared_stories": covered, "first_reports": first, "first_share": _share(first, covered),
            "copies": copied_others, "copy_share": _share(copied_others, v["articles"]), "copied_by_others": copied_by,
            "top_entities": [{"id": e, "name": names.get(e, e), "articles": n} for e, n in topics.get(slug, [])],
        })
    if sort == "name":
        out.sort(key=lambda p: (p["name"], p["slug"]))
    elif sort in PROFILE_SORTS and sort != "articles":
        key = {"per_day": "per_day", "first_share": "first_share", "copy_share": "copy_share"}[sort]
        out.sort(key=lambda p: (-(p[key] or 0), p["slug"]))
    return out


def source_profile(store: Store, slug: str) -> dict[str, Any] | None:
    """Return one outlet's profile, or None when the store has no article of it."""
    return next((p for p in source_profiles(store) if p["slug"] == slug), None)


#: Stories of a day shown as rows of its outlet × story matrix (the day's largest).
MATRIX_STORIES = 25


def day_matrix(store: Store, day: str | None = None, limit: int = MATRIX_STORIES) -> dict[str, Any]:
    """Return the outlet × story matrix of a day (the latest by default): the day's largest stories as
    rows, the outlets that published that day as columns, in each cell the outlet's articles in the
    story that day and whether it published the story's first report."""
    totals = store.day_counts()
    days = sorted(totals)
    if not days:
        return {"day": None, "days": [], "previous_day": None, "next_day": None, "outlets": [], "stories": []}
    day = day if day in days else days[-1]
    i = days.index(day)
    rows = list_stories(store, limit, 0, day, "size")["items"]
    cells = store.story_source_counts([int(r["id"]) for r in rows], day)
    active = store.source_day_counts([day])
    columns = sorted((s for s, _ in active), key=lambda s: (-active[(s, day)], s))
    stories = []
    for r in rows:
        own = {s: {"articles": n, "first": first} for (sid, s), (n, first) in cells.items() if sid == r["id"] and n}
        stories.append({**r, "outlets": len(own), "cells": own})
    return {
        "day": day, "days": days,
        "previous_day": days[i - 1] if i else None, "next_day": days[i + 1] if i + 1 < len(days) else None,
        "outlets": [{"source": s, "name": outlet_name(s), "articles": active[(s, day)]} for s in columns],
        "stories": stories,
    }

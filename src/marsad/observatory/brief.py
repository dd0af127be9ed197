"""The day's brief, the home page, the digest and attention over time (counts per day of any search)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from marsad.ingest.outlets import outlet_name
from marsad.observatory.spikes import BASELINE_DAYS, expected_count, is_rising, spike_score
from marsad.ports import Store
from marsad.queries import list_stories

#: Articles shown on the home page, grouped by day and source.
HOME_ARTICLES = 60
#: Stories shown on the home page.
HOME_STORIES = 20
BRIEF_STORIES = 20
BRIEF_ENTITIES = 15
#: Stories of the day scored for a rise (its largest by that day's articles): a rising story has at
#: least ``RISING_MIN_ARTICLES`` that day, and 100 covers every such story of the busiest shared day.
RISING_POOL = 100
#: Rising stories a brief lists.
BRIEF_RISING_STORIES = 10


def brief(store: Store, day: str | None = None) -> dict[str, Any]:
    """Return the brief of one day (the latest by default): its largest stories, the entities rising
    against the days before (``spike_score``), and the neighbouring days to move to."""
    totals = store.day_counts()
    days = sorted(totals)
    if not days:
        return {"day": None, "days": [], "previous_day": None, "next_day": None, "stories": [], "rising": [],
                "rising_stories": []}
    day = day if day in days else days[-1]
    i = days.index(day)
    window = days[max(0, i - BASELINE_DAYS) : i]
    counts = store.entity_day_counts([*window, day])
    rising: list[dict[str, Any]] = []
    for entity_id in {e for e, d in counts if d == day}:
        today = counts[(entity_id, day)]
        before = [counts.get((entity_id, d), 0) for d in window]
        before_totals = [totals[d] for d in window]
        if is_rising(today, before, before_totals, totals[day]):
            rising.append({"id": entity_id, "articles": today,
                           "expected": round(expected_count(before, before_totals, totals[day]), 2),
                           "score": round(spike_score(today, before, before_totals, totals[day]), 2)})
    rising.sort(key=lambda r: (-r["score"], r["id"]))
    rising = rising[:BRIEF_ENTITIES]
    names = store.entity_names([r["id"] for r in rising])
    for r in rising:
        r["name"] = names.get(r["id"], r["id"])
    stories = story_growth(store, list_stories(store, RISING_POOL, 0, day, "size")["items"], day, window, totals)
    rising_stories = sorted((s for s in stories if s["rising"]), key=lambda s: (-s["score"], s["id"]))[:BRIEF_RISING_STORIES]
    return {
        "day": day,
        "days": days,
        "previous_day": days[i - 1] if i else None,
        "next_day": days[i + 1] if i + 1 < len(days) else None,
        "baseline_days": window,
        "stories": stories[:BRIEF_STORIES],
        "rising": rising,
        "rising_stories": rising_stories,
    }



def story_growth(store: Store, stories: list[dict[str, Any]], day: str, window: list[str],
                 totals: dict[str, int]) -> list[dict[str, Any]]:
    """Add to each of a day's stories its growth indicators: ``new`` (its first articles are of that
    day), its articles the day before (``previous_count``) and the change (``growth``); for a story
    that began earlier, the count its own earlier days lead one to expect and the spike score against
    it (``expected``, ``score``: the entities' rule on the story's series since it began, so the days
    before it existed are no baseline) and ``rising`` by the brief's rule."""
    counts = store.story_day_counts([int(s["id"]) for s in stories], [*window, day])
    out = []
    for s in stories:
        sid = int(s["id"])
        today = counts.get((sid, day), 0)
        since = [d for d in window if d >= str(s.get("first_seen") or day)[:10]]
        before = [counts.get((sid, d), 0) for d in since]
        previous = counts.get((sid, window[-1]), 0) if window else 0
        row = {**s, "new": not any(before), "previous_count": previous, "growth": today - previous,
               "expected": None, "score": None, "rising": False}
        if any(before):
            before_totals = [totals[d] for d in since]
            row["expected"] = round(expected_count(before, before_totals, totals[day]), 2)
            row["score"] = round(spike_score(today, before, before_totals, totals[day]), 2)
            row["rising"] = is_rising(today, before, before_totals, totals[day])
        out.append(row)
    return out


def home(store: Store, day: str | None = None) -> dict[str, Any]:
    """Return the home page data: one day's brief (the latest day by default: its largest stories,
    rising entities, the days before and after) and the latest articles by day and source."""
    days: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for item in store.recent_articles(HOME_ARTICLES):
        days.setdefault(item.get("day") or "", {}).setdefault(item["source"] or "", []).append(item)
    grouped = [
        {"day": d, "sources": [{"source": s, "articles": arts} for s, arts in by_source.items()]}
        for d, by_source in days.items()
    ]
    today = brief(store, day)
    return {
        "counts": store.counts(),
        "stories": today["stories"][:HOME_STORIES],
        "day": today["day"],
        "previous_day": today["previous_day"],
        "next_day": today["next_day"],
        "rising": today["rising"],
        "rising_stories": today["rising_stories"],
        "days": grouped,
    }



#: Tags and latest articles a digest lists.
DIGEST_TAGS = 15
DIGEST_LATEST = 10
#: Stories of the latest day and most mentioned entities a digest lists.
DIGEST_STORIES = 5
DIGEST_ENTITIES = 10


def digest(store: Store) -> dict[str, Any]:
    """Return a short digest: counts, the latest day's largest stories, the most mentioned entities,
    sources, most used tags, and the latest articles (newest first, by publication time)."""
    tags: Counter[str] = Counter()
    for art in store.iter_articles():
        tags.update(art.get("tags", []))
    today = brief(store)
    return {
        "counts": store.counts(),
        "day": today["day"],
        "stories": today["stories"][:DIGEST_STORIES],
        "entities": [{k: e[k] for k in ("id", "type", "name", "mentions", "article_count")}
                     for e in store.entities(limit=DIGEST_ENTITIES)],
        "sources": [{"source": s, "name": outlet_name(s), "articles": n} for s, n in store.sources()],
        "top_tags": [{"tag": t, "articles": n} for t, n in tags.most_common(DIGEST_TAGS)],
        "latest": [{k: v for k, v in r.items() if k != "tags"} for r in store.recent_articles(DIGEST_LATEST)],
    }

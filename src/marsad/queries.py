"""Read-side queries shared by the HTTP API and the web UI (plain functions over the store; no web framework).

Everything goes through ``Store`` methods, so the API and the web UI work on SQLite and PostgreSQL
alike (both stores migrate to their current schema on open, so every table exists).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from marsad.entities.quotes import extract_quotes
from marsad.errors import StoreError
from marsad.ingest.outlets import outlet_name, outlets
from marsad.models import Mention
from marsad.ports import EntityCount, Store
from marsad.search import SearchEngine

#: Default and largest page size of list endpoints (a screenful; 100 bounds response size).
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
#: Articles shown on the home page, grouped by day and source.
HOME_ARTICLES = 60
#: Stories shown on the home page.
HOME_STORIES = 20


def page(items: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    """Return the paginated envelope ``{"items", "total", "limit", "offset", "next_offset"}``."""
    nxt = offset + limit if offset + limit < total else None
    return {"items": items, "total": total, "limit": limit, "offset": offset, "next_offset": nxt}


def list_articles(store: Store, limit: int, offset: int, source: str | None = None) -> dict[str, Any]:
    """Return a page of articles, newest first (by date, then id)."""
    total = store.count_articles(source=source or None)
    items = [{k: v for k, v in r.items() if k != "tags"} for r in store.recent_articles(limit, offset, source or None)]
    return page(items, total, limit, offset)


def article(store: Store, article_id: int) -> dict[str, Any] | None:
    """Return one article with provenance, its story and duplicates when those exist."""
    art = store.article(article_id)
    if art is None:
        return None
    art["story"] = None
    art["duplicates"] = []
    sid = store.story_of([article_id]).get(article_id)
    if sid is not None:
        row = store.story_rows([sid]).get(sid)
        art["story"] = {"id": sid, "title": row["title"] if row else None, "size": row["size"] if row else None}
    pairs = store.duplicate_pairs([article_id])
    other = {(b if a == article_id else a): (kind, score) for a, b, kind, score in pairs}
    rows = store.article_rows(list(other))
    art["duplicates"] = [
        {**rows[i].to_dict(), "kind": other[i][0], "score": round(other[i][1], 3)} for i in sorted(other) if i in rows
    ]
    return art


def original(store: Store, article_id: int) -> dict[str, Any] | None:
    """Return the original page text an article came from, with the article's field spans."""
    art = store.article(article_id)
    if art is None:
        return None
    text = store.page_text(int(art["page_id"])) or ""
    return {
        "id": article_id,
        "title": art.get("title"),
        "page_id": art["page_id"],
        "page_uri": art["provenance"]["page_uri"],
        "text": text,
        "spans": art.get("spans", {}),
    }


def rejections(store: Store, limit: int, offset: int) -> dict[str, Any]:
    """Return a page of rejections, newest first."""
    rows = store.rejections()
    return page(rows[offset : offset + limit], len(rows), limit, offset)


def list_stories(store: Store, limit: int, offset: int, day: str | None = None, sort: str = "recent",
                 since: str | None = None) -> dict[str, Any]:
    """Return a page of stories (freshest then biggest, or biggest first; one day's when ``day``)."""
    total = store.story_count(day)
    rows = store.story_page(limit, offset, day, sort, since)
    sources = store.story_sources([s["id"] for s in rows]) if rows else {}
    items = [{**s, "sources": sources.get(s["id"], [])} for s in rows]
    return page(items, total, limit, offset)


def story(store: Store, story_id: int) -> dict[str, Any] | None:
    """Return one story with its articles in publication order, the first report marked (None when absent)."""
    row = store.story_rows([story_id]).get(story_id)
    if row is None:
        return None
    out: dict[str, Any] = {k: row[k] for k in ("id", "title", "first_seen", "last_seen", "size")}
    rows = store.article_rows(store.story_members(story_id))
    arts = sorted((r.to_dict() for r in rows.values()), key=lambda d: (d["date"] is None, d["date"] or "", d["id"]))
    for i, a in enumerate(arts):
        a["first_report"] = i == 0 and a["date"] is not None
    out["articles"] = arts
    out["entities"] = story_entities(store, [int(a["id"]) for a in out["articles"]])
    return out


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


def list_duplicates(store: Store, limit: int, offset: int) -> dict[str, Any]:
    """Return a page of duplicate pairs."""
    total = store.duplicate_count()
    items = [{"a": a, "b": b, "kind": k, "score": sc} for a, b, k, sc in store.duplicate_page(limit, offset)]
    return page(items, total, limit, offset)


#: Recent stories shown for an entity, and entities shown for a story.
ENTITY_STORIES = 10
STORY_ENTITIES = 20
#: Related articles shown for an article (one per other story).
RELATED_K = 8


def list_entities(store: Store, limit: int, offset: int, type: str | None = None) -> dict[str, Any]:
    """Return a page of entities (most mentioned first) with counts and spellings."""
    total = store.entity_count(type or None)
    items = store.entities(type or None, limit, offset) if offset < total else []
    return page(items, total, limit, offset)


#: Spellings of an entity searched for its coverage (its most used forms; more adds little).
COVERAGE_FORMS = 8


def coverage(engine: SearchEngine, name: str, forms: list[str], article_count: int) -> dict[str, Any]:
    """Return how many articles search finds for an entity's spellings beside its linked article
    count, and why they differ: the count is exact (articles with a linked mention); search also
    finds the spellings where the tagger saw no name or linked them to another entity."""
    spellings = list(dict.fromkeys([name, *forms]))[:COVERAGE_FORMS]
    query = " OR ".join('"' + f.replace('"', " ") + '"' for f in spellings)
    found = engine.search(query, limit=0, facets=False).total
    out: dict[str, Any] = {"article_count": article_count, "search_count": found, "query": query}
    if found > article_count:
        out["reason"] = (f"search finds {found - article_count} more articles with these spellings: there the"
                         " tagger did not mark the name, or the spelling was linked to another entity")
    return out


def entity(store: Store, entity_id: str, engine: SearchEngine | None = None) -> dict[str, Any] | None:
    """Return one entity: spellings, mentions per day, co-occurring entities, recent articles and
    stories; with a search engine, also its ``coverage`` (linked count beside search's)."""
    data = store.entity(entity_id)
    if data is None:
        return None
    data["mentions"] = sum(int(n) for n in data.get("forms", {}).values())
    data["article_count"] = store.entity_article_count(entity_id)
    data["stories"] = []
    arts: list[dict[str, Any]] = data.get("articles", [])
    if arts:
        of = store.story_of([int(a["id"]) for a in arts])
        for a in arts:
            a["story"] = of.get(int(a["id"]))
        counts: dict[int, int] = {}
        for sid in of.values():
            counts[sid] = counts.get(sid, 0) + 1
        rows = store.story_rows(list(counts))
        ranked = sorted(rows.values(), key=lambda s: (s["last_seen"] or "", s["size"] or 0, s["id"]), reverse=True)
        data["stories"] = [{**s, "articles_with_entity": counts[int(s["id"])]} for s in ranked[:ENTITY_STORIES]]
    if engine is not None:
        data["coverage"] = coverage(engine, data["name"], list(data.get("forms", {})), data["article_count"])
    return data


#: An entity's latest articles read for its statements: quotations are found when asked (the rules
#: take about a millisecond per article), so a page never waits on more than this many.
QUOTE_ARTICLES = 25
#: Characters of a statement shown (the rest of a long sentence is cut with an ellipsis).
QUOTE_CHARS = 400


def _article_quotes(store: Store, article_id: int) -> list[dict[str, Any]]:
    """Return the attributed statements of one stored article (``entity``: the speaker's linked entity, or None)."""
    art = store.article(article_id)
    page = store.page_text(int(art["page_id"])) if art and art.get("page_id") is not None else None
    if not art or page is None:
        return []
    mentions = [Mention(str(e["text"]), int(e["start"]), int(e["end"]), str(e["type"]), str(e.get("id") or ""),
                        str(e.get("name") or "")) for e in art.get("entities") or []]
    out = []
    for start, end in (art.get("spans") or {}).get("paragraphs") or []:
        for q in extract_quotes(page[start:end], mentions, start):
            content = q.content if len(q.content) <= QUOTE_CHARS else q.content[:QUOTE_CHARS].rstrip() + "…"
            out.append({"article_id": article_id, "title": art.get("title"), "source": art.get("source"),
                        "date": art.get("date"), "speaker": q.speaker, "entity": q.entity or None, "verb": q.verb,
                        "content": content})
    return out


def _newest(quotes: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    quotes.sort(key=lambda q: (str(q["date"] or ""), q["article_id"]), reverse=True)
    return quotes[:limit]


def entity_quotes(store: Store, entity_id: str, limit: int = 20) -> list[dict[str, Any]] | None:
    """Return what an entity said in its latest articles: each statement whose speaker links to it,
    newest first (None when the entity is absent). Found by ``marsad.entities.quotes`` on read."""
    if entity_id not in store.entity_names([entity_id]):  # a name lookup: the entity page already read the whole entity
        return None
    out = [q for aid in reversed(store.entity_article_ids([entity_id])[-QUOTE_ARTICLES:])
           for q in _article_quotes(store, aid) if q["entity"] == entity_id]
    return _newest(out, limit)


def story_quotes(store: Store, story_id: int, limit: int = 20) -> list[dict[str, Any]] | None:
    """Return who said what in a story's latest articles: statements whose speaker links to a person or
    organisation (unlinked speakers are the extractor's most frequent error), newest first, each with
    its entity's name (None when the story is absent)."""
    members = store.story_members(story_id)
    if not members:
        return None
    out = [q for aid in sorted(members)[-QUOTE_ARTICLES:] for q in _article_quotes(store, aid) if q["entity"]]
    out = _newest(out, limit)
    names = store.entity_names([q["entity"] for q in out])
    for q in out:
        q["entity_name"] = names.get(q["entity"], q["speaker"])
    return out


def story_entities(store: Store, article_ids: list[int], limit: int = STORY_ENTITIES) -> list[EntityCount]:
    """Return the entities mentioned in a set of articles, most articles first."""
    if not article_ids:
        return []
    return store.entity_counts(article_ids, limit)


def related(store: Store, article_id: int, k: int = RELATED_K) -> list[dict[str, Any]] | None:
    """Return articles of other stories close to one article, one per story (None when the article is absent).

    Empty when the article has no stored headline embedding (the stories stage has not run on it; a
    read never loads the embedding model) or when the store's embeddings come from another model
    (``marsad`` reports that on the command line; a page should still render).
    """
    if store.article(article_id) is None:
        return None
    if not store.embeddings([article_id]):
        return []
    from marsad.stories.related import related_articles

    try:
        rows = related_articles(store, article_id, k)
    except StoreError:
        return []
    dates = store.article_rows([int(r["id"]) for r in rows])
    for r in rows:
        row = dates.get(int(r["id"]))
        r["date"] = row.date if row else None
    return rows


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
        "days": grouped,
    }


def sources(store: Store) -> list[dict[str, Any]]:
    """Return every outlet with stored articles: slug, Arabic name, country, site and article count."""
    out = []
    for slug, n in store.sources():
        known = outlets().get(slug)
        out.append({**(known.to_dict() if known else {"slug": slug, "name": slug, "country": None, "site": None}),
                    "article_count": n})
    return out


#: Queries one attention view compares (each is a search).
ATTENTION_SERIES = 8


def attention(store: Store, engine: SearchEngine, terms: list[str]) -> dict[str, Any]:
    """Return, for each query, the matching articles per publication day and their share of that
    day's stored articles: ``{"days", "series": [{"query", "total", "points": [{"day", "count", "share"}]}]}``.

    A query is anything search takes (words, phrases, ``entity:``, ``source:``); counts come from
    the search index's day histogram, so they are the articles search finds (tantivy's histogram
    holds a query's first 62 days; narrow a longer store with ``date:A..B``).
    """
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
    return {"days": days, "series": series}


#: Days before a brief's day that form its baseline; the score and the ratio above which an
#: entity is rising; the fewest articles that day for it to count; the stories and entities a
#: brief lists. 7 days: a week evens out the weekly rhythm of the press (Friday editions are thin).
#: 3.0: the usual "three standard deviations". Ratio 2: news counts vary more than a Poisson
#: count does (on the shared days the daily share of a word as common as المملكة moves by ±20%,
#: which is 5 standard deviations at 300 articles), so a rise must also double the expected count.
#: 3 articles keeps one-off names out.
BASELINE_DAYS = 7
RISING_SCORE = 3.0
RISING_RATIO = 2.0
RISING_MIN_ARTICLES = 3
BRIEF_STORIES = 20
BRIEF_ENTITIES = 15


def expected_count(before: Sequence[int], before_totals: Sequence[int] | None = None, total: int | None = None) -> float:
    """Return the count expected today from the days before: their mean, or, when the day totals are
    given, today's total times the share the earlier days gave (a busy day is not a rise). One
    article of smoothing keeps a name never seen before finite."""
    if before_totals is not None and total is not None and sum(before_totals) > 0:
        return max((sum(before) + 1) / (sum(before_totals) + 1) * total, 1 / (len(before) + 1))
    return (sum(before) + 1) / (len(before) + 1)


def spike_score(today: int, before: Sequence[int], before_totals: Sequence[int] | None = None,
                total: int | None = None) -> float:
    """Return how far ``today``'s count stands above the expected count, in Poisson standard
    deviations: (today − λ) / √λ with λ from ``expected_count``."""
    rate = expected_count(before, before_totals, total)
    return (today - rate) / math.sqrt(rate)


def is_rising(today: int, before: Sequence[int], before_totals: Sequence[int] | None = None,
              total: int | None = None) -> bool:
    """Return whether a count is a rise: enough articles, ``RISING_SCORE`` deviations and ``RISING_RATIO``
    times the expected count."""
    rate = expected_count(before, before_totals, total)
    return (today >= RISING_MIN_ARTICLES and spike_score(today, before, before_totals, total) >= RISING_SCORE
            and today >= RISING_RATIO * rate)


def brief(store: Store, day: str | None = None) -> dict[str, Any]:
    """Return the brief of one day (the latest by default): its largest stories, the entities rising
    against the days before (``spike_score``), and the neighbouring days to move to."""
    totals = store.day_counts()
    days = sorted(totals)
    if not days:
        return {"day": None, "days": [], "previous_day": None, "next_day": None, "stories": [], "rising": []}
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
    return {
        "day": day,
        "days": days,
        "previous_day": days[i - 1] if i else None,
        "next_day": days[i + 1] if i + 1 < len(days) else None,
        "baseline_days": window,
        "stories": list_stories(store, BRIEF_STORIES, 0, day, "size")["items"],
        "rising": rising,
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
    from collections import Counter

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

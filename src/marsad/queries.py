"""Read-side queries shared by the HTTP API and the web UI (plain functions over the store; no web framework).

Everything goes through ``Store`` methods, so the API and the web UI work on SQLite and PostgreSQL
alike (both stores migrate to their current schema on open, so every table exists).
"""

from __future__ import annotations

from typing import Any

from marsad.entities.quotes import extract_quotes
from marsad.errors import StoreError
from marsad.models import Mention
from marsad.ports import EntityCount, Store
from marsad.search import SearchEngine

#: Default and largest page size of list endpoints (a screenful; 100 bounds response size).
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


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


def list_entities(store: Store, limit: int, offset: int, type: str | None = None, sort: str = "mentions") -> dict[str, Any]:
    """Return a page of entities (most mentioned first, in most articles first, or by name) with counts and spellings."""
    total = store.entity_count(type or None)
    items = store.entities(type or None, limit, offset, sort) if offset < total else []
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


def search_quotes(store: Store, engine: SearchEngine, query: str, limit: int = 20,
                  entity_id: str | None = None) -> dict[str, Any]:
    """Return the statements that match a search: the latest ``QUOTE_ARTICLES`` articles the query
    finds (narrowed to an entity's articles with ``entity_id``), each statement kept when its words
    or its speaker match a query word (any spelling or form, as search matches), newest first.
    ``{"query", "errors", "items"}``; each item carries ``hits``, the matched spans in ``content``."""
    from marsad.search.engine import highlight
    from marsad.search.query import parse_query

    parsed = parse_query(query)
    text = f"{query} entity:{entity_id}" if entity_id else query
    found = engine.search(text, limit=QUOTE_ARTICLES, sort="recent", facets=False)
    clauses = parsed.clauses()
    out = []
    for hit in found.hits:
        for q in _article_quotes(store, int(hit["id"])):
            if entity_id and q["entity"] != entity_id:
                continue
            spans = highlight(q["content"], clauses) if clauses else []
            if spans or not clauses or highlight(q["speaker"], clauses):
                out.append({**q, "hits": [list(s) for s in spans]})
    return {"query": query, "errors": found.errors, "items": _newest(out, limit)}


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

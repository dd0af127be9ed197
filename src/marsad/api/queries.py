"""Read-side queries shared by the HTTP API and the web UI (plain functions over the store; no web framework).

Stories, entities and duplicates are read only when the store has their tables (checked in
``sqlite_master``), so this works on stores of any schema version and returns empty lists otherwise.
"""

from __future__ import annotations

import json
from typing import Any

from marsad.errors import StoreError
from marsad.search.engine import tables
from marsad.store.base import Store

#: Default and largest page size of list endpoints (a screenful; 100 bounds response size).
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
#: Articles shown on the home page, grouped by day and source.
HOME_ARTICLES = 60
#: Stories shown on the home page.
HOME_STORIES = 20


def _conn(store: Store) -> Any:
    return getattr(store, "conn", None)


def page(items: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    """Return the paginated envelope ``{"items", "total", "limit", "offset", "next_offset"}``."""
    nxt = offset + limit if offset + limit < total else None
    return {"items": items, "total": total, "limit": limit, "offset": offset, "next_offset": nxt}


def list_articles(store: Store, limit: int, offset: int, source: str | None = None) -> dict[str, Any]:
    """Return a page of articles, newest first (by date, then id)."""
    conn = _conn(store)
    where, args = ("WHERE source = ?", [source]) if source else ("", [])
    total = int(conn.execute(f"SELECT count(*) FROM articles {where}", args).fetchone()[0])
    rows = conn.execute(
        f"SELECT id, url, source, title, date FROM articles {where}"
        " ORDER BY coalesce(date, '') DESC, id DESC LIMIT ? OFFSET ?",
        [*args, limit, offset],
    ).fetchall()
    items = [{"id": r[0], "url": r[1], "source": r[2], "title": r[3], "date": r[4]} for r in rows]
    return page(items, total, limit, offset)


def article(store: Store, article_id: int) -> dict[str, Any] | None:
    """Return one article with provenance, its story and duplicates when those exist."""
    art = store.article(article_id)
    if art is None:
        return None
    names = tables(store)
    art["story"] = None
    art["duplicates"] = []
    if "story_articles" in names:
        sid = store.story_of([article_id]).get(article_id)
        if sid is not None:
            row = _conn(store).execute("SELECT id, title, size FROM stories WHERE id=?", (sid,)).fetchone()
            art["story"] = {"id": sid, "title": row[1] if row else None, "size": row[2] if row else None}
    if "duplicates" in names:
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


def list_stories(store: Store, limit: int, offset: int) -> dict[str, Any]:
    """Return a page of stories by size and freshness (empty when the store has no stories)."""
    conn = _conn(store)
    if "stories" not in tables(store):
        return page([], 0, limit, offset)
    total = int(conn.execute("SELECT count(*) FROM stories WHERE size > 0").fetchone()[0])
    rows = conn.execute(
        "SELECT id, title, first_seen, last_seen, size FROM stories WHERE size > 0"
        " ORDER BY substr(coalesce(last_seen, ''), 1, 10) DESC, size DESC, id DESC LIMIT ? OFFSET ?",
        (limit, offset),
    ).fetchall()
    items = [dict(zip(("id", "title", "first_seen", "last_seen", "size"), r, strict=True)) for r in rows]
    if items and "story_articles" in tables(store):
        ids = [s["id"] for s in items]
        marks = ",".join("?" * len(ids))
        sources: dict[int, list[str]] = {}
        for sid, src in conn.execute(
            f"SELECT DISTINCT s.story_id, coalesce(a.source, '') FROM story_articles s JOIN articles a ON a.id = s.article_id"
            f" WHERE s.story_id IN ({marks}) ORDER BY 1, 2",
            ids,
        ):
            sources.setdefault(int(sid), []).append(src)
        for s in items:
            s["sources"] = sources.get(int(s["id"]), [])
    return page(items, total, limit, offset)


def story(store: Store, story_id: int) -> dict[str, Any] | None:
    """Return one story with its articles by time (None when absent)."""
    if "stories" not in tables(store):
        return None
    row = _conn(store).execute("SELECT id, title, first_seen, last_seen, size FROM stories WHERE id=?", (story_id,)).fetchone()
    if row is None:
        return None
    out = dict(zip(("id", "title", "first_seen", "last_seen", "size"), row, strict=True))
    rows = store.article_rows(store.story_members(story_id))
    out["articles"] = sorted((r.to_dict() for r in rows.values()), key=lambda d: (d["date"] or "", d["id"]))
    out["entities"] = story_entities(store, [int(a["id"]) for a in out["articles"]])
    return out


def list_duplicates(store: Store, limit: int, offset: int) -> dict[str, Any]:
    """Return a page of duplicate pairs (empty when the store has none)."""
    if "duplicates" not in tables(store):
        return page([], 0, limit, offset)
    conn = _conn(store)
    total = int(conn.execute("SELECT count(*) FROM duplicates").fetchone()[0])
    rows = conn.execute("SELECT a, b, kind, score FROM duplicates ORDER BY a, b LIMIT ? OFFSET ?", (limit, offset)).fetchall()
    items = [{"a": r[0], "b": r[1], "kind": r[2], "score": r[3]} for r in rows]
    return page(items, total, limit, offset)


#: Entity types the store knows (CoNLL-style labels of the NER).
ENTITY_TYPES = ("PER", "LOC", "ORG", "MISC")
#: Recent stories shown for an entity, and entities shown for a story.
ENTITY_STORIES = 10
STORY_ENTITIES = 20
#: Related articles shown for an article (one per other story).
RELATED_K = 8


def _has_entities(store: Store) -> bool:
    names = tables(store)
    return "entities" in names and "mentions" in names


def list_entities(store: Store, limit: int, offset: int, type: str | None = None) -> dict[str, Any]:
    """Return a page of entities (most mentioned first) with counts and spellings; empty without entity tables."""
    if not _has_entities(store):
        return page([], 0, limit, offset)
    sql = "SELECT count(DISTINCT m.entity_id) FROM mentions m JOIN entities e ON e.id = m.entity_id"
    args: list[Any] = []
    if type:
        sql += " WHERE e.type = ?"
        args.append(type)
    total = int(_conn(store).execute(sql, args).fetchone()[0])
    items = store.entities(type or None, limit, offset) if offset < total else []
    return page(items, total, limit, offset)


def _story_rows(store: Store, story_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not story_ids or "stories" not in tables(store):
        return {}
    marks = ",".join("?" * len(story_ids))
    rows = _conn(store).execute(
        f"SELECT id, title, first_seen, last_seen, size FROM stories WHERE id IN ({marks})", story_ids
    ).fetchall()
    return {int(r[0]): dict(zip(("id", "title", "first_seen", "last_seen", "size"), r, strict=True)) for r in rows}


def entity(store: Store, entity_id: str) -> dict[str, Any] | None:
    """Return one entity: spellings, mentions per day, co-occurring entities, recent articles and stories."""
    if not _has_entities(store):
        return None
    data = store.entity(entity_id)
    if data is None:
        return None
    data["mentions"] = sum(int(n) for n in data.get("forms", {}).values())
    data["article_count"] = int(
        _conn(store).execute("SELECT count(DISTINCT article_id) FROM mentions WHERE entity_id=?", (entity_id,)).fetchone()[0]
    )
    data["stories"] = []
    arts: list[dict[str, Any]] = data.get("articles", [])
    if arts and "story_articles" in tables(store):
        of = store.story_of([int(a["id"]) for a in arts])
        for a in arts:
            a["story"] = of.get(int(a["id"]))
        counts: dict[int, int] = {}
        for sid in of.values():
            counts[sid] = counts.get(sid, 0) + 1
        rows = _story_rows(store, list(counts))
        ranked = sorted(rows.values(), key=lambda s: (s["last_seen"] or "", s["size"] or 0, s["id"]), reverse=True)
        data["stories"] = [{**s, "articles_with_entity": counts[int(s["id"])]} for s in ranked[:ENTITY_STORIES]]
    return data


def story_entities(store: Store, article_ids: list[int], limit: int = STORY_ENTITIES) -> list[dict[str, Any]]:
    """Return the entities mentioned in a set of articles, most articles first."""
    if not article_ids or not _has_entities(store):
        return []
    marks = ",".join("?" * len(article_ids))
    rows = _conn(store).execute(
        "SELECT e.id, e.type, e.name, count(DISTINCT m.article_id) AS arts, count(*) AS n"
        f" FROM mentions m JOIN entities e ON e.id = m.entity_id WHERE m.article_id IN ({marks})"
        " GROUP BY e.id ORDER BY arts DESC, n DESC, e.name LIMIT ?",
        [*article_ids, limit],
    ).fetchall()
    return [{"id": r[0], "type": r[1], "name": r[2], "articles": r[3], "mentions": r[4]} for r in rows]


def related(store: Store, article_id: int, k: int = RELATED_K) -> list[dict[str, Any]] | None:
    """Return articles of other stories close to one article, one per story (None when the article is absent).

    Empty when the article has no stored headline embedding (the stories stage has not run on it; a
    read never loads the embedding model) or when the store's embeddings come from another model
    (``marsad`` reports that on the command line; a page should still render).
    """
    if store.article(article_id) is None:
        return None
    if "embeddings" not in tables(store) or not store.embeddings([article_id]):
        return []
    from marsad.stories.cluster import related_articles

    try:
        rows = related_articles(store, article_id, k)
    except StoreError:
        return []
    dates = store.article_rows([int(r["id"]) for r in rows])
    for r in rows:
        row = dates.get(int(r["id"]))
        r["date"] = row.date if row else None
    return rows


def home(store: Store) -> dict[str, Any]:
    """Return the home page data: today's stories (when any) and the latest articles by day and source."""
    conn = _conn(store)
    rows = conn.execute(
        "SELECT id, url, source, title, date, data FROM articles ORDER BY coalesce(date, '') DESC, id DESC LIMIT ?",
        (HOME_ARTICLES,),
    ).fetchall()
    days: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for r in rows:
        tags = json.loads(r[5]).get("tags", [])[:4]
        item = {"id": r[0], "url": r[1], "source": r[2], "title": r[3], "date": r[4], "tags": tags}
        days.setdefault((r[4] or "")[:10], {}).setdefault(r[2] or "", []).append(item)
    grouped = [
        {"day": d, "sources": [{"source": s, "articles": arts} for s, arts in by_source.items()]}
        for d, by_source in days.items()
    ]
    return {
        "counts": store.counts(),
        "stories": list_stories(store, HOME_STORIES, 0)["items"],
        "days": grouped,
    }

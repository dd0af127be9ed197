"""The read model: articles, pages, rejections, stories and entities as the API, web UI, CLI and
search index read them. Nothing here writes."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from marsad.ports import EntityCount, EntitySummary, StoryRow
from marsad.store.base import STORY_DAY_COUNT, ArticleRow, story_page_sql
from marsad.store.sql import SqlBase, chunks, clean

#: Rows fetched per round trip when streaming every article (keyset paging; bounded memory).
STREAM_PAGE = 1000
#: Entities listed per story: enough for "who and where" of a news story, short enough for a list view.
STORY_TOP_ENTITIES = 5
#: Surface forms listed per entity in the entity list.
ENTITY_FORMS = 20
#: Recent articles and co-occurring entities listed on an entity's page.
ENTITY_ARTICLES = 50
ENTITY_COOCCURRING = 20


def _row(r: dict[str, Any]) -> ArticleRow:
    return ArticleRow(int(r["id"]), r["url"], r["source"], r["title"], r["date"])


def story_row(r: dict[str, Any]) -> StoryRow:
    """Return a story summary from its row (and its day count in a one-day listing)."""
    out = StoryRow(id=int(r["id"]), title=r["title"], first_seen=r["first_seen"], last_seen=r["last_seen"],
                   size=int(r["size"] or 0))
    if r.get("day_count") is not None:
        out["day_count"] = int(r["day_count"])
    return out


def _recent(r: dict[str, Any]) -> dict[str, Any]:
    """Return the home/listing form of an article with its first tags."""
    tags = json.loads(r["data"]).get("tags", [])[:4]
    return {"id": int(r["id"]), "url": r["url"], "source": r["source"], "title": r["title"], "date": r["date"],
            "day": r["day"], "tags": tags}


#: The orders article and entity listings may be sorted in (a key the caller names → SQL).
ARTICLE_ORDERS = {"id": "id", "recent": "date DESC NULLS LAST, id DESC", "oldest": "date NULLS LAST, id"}
ENTITY_ORDERS = {"mentions": "mentions DESC, e.name{C}, e.id{C}", "articles": "articles DESC, mentions DESC, e.id{C}",
                 "name": "e.name{C}, e.id{C}"}


#: Mentions by name, not a holder title written alone (its text is its title): in protocol news
#: (cables, receptions) خادم الحرمين is the template's constant; the headline's filled slot is whom
#: he congratulates. Counted as a headline entity it merged the King's cables to different countries
#: (dev folds: pairwise P 0.976 -> 0.970).
NAMED = " AND (m.title IS NULL OR m.text <> m.title)"

class SqlReadModel(SqlBase):
    """Every read the surfaces need."""

    def _limit(self, limit: int | None) -> int | None:
        return -1 if limit is None and self.dialect == "sqlite" else limit

    def articles(self, limit: int | None = None, offset: int = 0, source: str | None = None,
                 sort: str = "id") -> list[ArticleRow]:
        """Return stored articles, optionally one source's, paginated: in id (storing) order, newest
        published first (``recent``) or oldest first (``oldest``)."""
        where = "WHERE source = :src" if source else ""
        order = ARTICLE_ORDERS.get(sort, ARTICLE_ORDERS["id"])
        return [_row(r) for r in self.rows(
            f"SELECT id, url, source, title, date FROM articles {where} ORDER BY {order} LIMIT :n OFFSET :o",
            src=source, n=self._limit(limit), o=offset)]

    def iter_articles(self) -> Iterator[dict[str, Any]]:
        """Yield every stored article's full JSON form with its id, in id order (streamed in pages)."""
        last = 0
        while True:
            rows = self.rows("SELECT id, page_id, data FROM articles WHERE id > :last ORDER BY id LIMIT :n", last=last, n=STREAM_PAGE)
            if not rows:
                return
            for r in rows:
                d = json.loads(r["data"])
                d["id"] = int(r["id"])
                d["page_id"] = int(r["page_id"])
                yield d
            last = int(rows[-1]["id"])

    def article(self, article_id: int) -> dict[str, Any] | None:
        """Return one article's full JSON form with provenance, or None."""
        r = self.first(
            "SELECT a.id, a.data, a.ingested_at, a.page_id, p.uri, p.kind, p.sha256 FROM articles a"
            " JOIN pages p ON p.id = a.page_id WHERE a.id = :i", i=article_id)
        if r is None:
            return None
        d: dict[str, Any] = json.loads(r["data"])
        sightings = self.rows("SELECT uri, seen_at FROM sightings WHERE page_id = :p ORDER BY id", p=r["page_id"])
        d.update(
            id=int(r["id"]),
            page_id=int(r["page_id"]),
            ingested_at=r["ingested_at"],
            provenance={
                "page_uri": r["uri"],
                "page_kind": r["kind"],
                "page_sha256": r["sha256"],
                "sightings": [{"uri": s["uri"], "seen_at": s["seen_at"]} for s in sightings],
            },
        )
        return d

    def page_text(self, page_id: int) -> str | None:
        """Return a page's original text (spans point into it)."""
        value = self.scalar("SELECT text FROM pages WHERE id = :p", p=page_id)
        return None if value is None else str(value)

    def rejections(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Return recorded rejections, newest first."""
        return [{**r, "id": int(r["id"])} for r in self.rows(
            "SELECT id, uri, reason, detail, at, times FROM rejections ORDER BY at DESC, id DESC LIMIT :n", n=self._limit(limit))]

    def counts(self) -> dict[str, int]:
        """Return row counts of the main tables."""
        return {t: int(self.scalar(f"SELECT count(*) FROM {t}") or 0) for t in ("pages", "articles", "rejections")}

    def day_counts(self) -> dict[str, int]:
        """Return the number of stored articles published on each day (articles without a date are left out)."""
        return {str(r["day"]): int(r["n"]) for r in self.rows(
            "SELECT day, count(*) AS n FROM articles WHERE day IS NOT NULL GROUP BY day ORDER BY day{C}")}

    def source_day_counts(self, days: Sequence[str]) -> dict[tuple[str, str], int]:
        """Return (source, day) → stored articles of that outlet published that day, for the given days."""
        if not days:
            return {}
        return {(str(r["source"]), str(r["day"])): int(r["n"]) for r in self.rows(
            "SELECT coalesce(source, '') AS source, day, count(*) AS n FROM articles WHERE day IN :days"
            " GROUP BY coalesce(source, ''), day", days=sorted(set(days)))}

    def entity_day_counts(self, days: Sequence[str]) -> dict[tuple[str, str], int]:
        """Return (entity id, day) → articles of that day mentioning the entity, for the given days."""
        if not days:
            return {}
        return {(str(r["entity_id"]), str(r["day"])): int(r["n"]) for r in self.rows(
            "SELECT m.entity_id, a.day, count(DISTINCT a.id) AS n FROM mentions m JOIN articles a ON a.id = m.article_id"
            " WHERE a.day IN :days GROUP BY m.entity_id, a.day", days=sorted(set(days)))}

    def sources(self) -> list[tuple[str, int]]:
        """Return (source, article count) pairs, largest first."""
        return [(str(r["s"]), int(r["n"])) for r in self.rows(
            "SELECT coalesce(source, '') AS s, count(*) AS n FROM articles GROUP BY coalesce(source, '')"
            " ORDER BY n DESC, coalesce(source, ''){C}")]

    def article_texts(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        """Return ``{"id", "url", "source", "title", "date", "day", "text"}`` for the given ids, in id order."""
        out: list[dict[str, Any]] = []
        for chunk in chunks(sorted(set(ids))):
            out.extend({**r, "id": int(r["id"])} for r in self.rows(
                "SELECT id, url, source, title, date, day, text FROM articles WHERE id IN :ids ORDER BY id", ids=chunk))
        return out

    def article_rows(self, ids: Sequence[int]) -> dict[int, ArticleRow]:
        """Return the listing form of the given articles, by id."""
        out: dict[int, ArticleRow] = {}
        for chunk in chunks(sorted(set(ids))):
            out.update((int(r["id"]), _row(r)) for r in self.rows(
                "SELECT id, url, source, title, date FROM articles WHERE id IN :ids", ids=chunk))
        return out

    def article_ids_by_key(self, keys: Sequence[str]) -> dict[str, int]:
        """Return the article id of each content key that is stored."""
        out: dict[str, int] = {}
        for chunk in chunks(sorted(set(keys))):
            out.update((str(r[0]), int(r[1])) for r in self.tuples(
                "SELECT content_key, id FROM article_keys WHERE content_key IN :keys", keys=chunk))
        return out

    def max_article_id(self) -> int:
        """Return the highest stored article id (0 when empty)."""
        return int(self.scalar("SELECT coalesce(max(id), 0) FROM articles") or 0)

    def count_articles(self, source: str | None = None, after_id: int = 0) -> int:
        """Return the number of stored articles (of one source; with an id above ``after_id``)."""
        extra = " AND source = :src" if source else ""
        return int(self.scalar(f"SELECT count(*) FROM articles WHERE id > :a{extra}", a=after_id, src=source) or 0)

    def articles_after(self, after_id: int, limit: int) -> list[dict[str, Any]]:
        """Return id, url, source, title, date, day and text of articles with id > ``after_id``, in id order."""
        return [{**r, "id": int(r["id"])} for r in self.rows(
            "SELECT id, url, source, title, date, day, text FROM articles WHERE id > :a ORDER BY id LIMIT :n", a=after_id, n=limit)]

    def recent_articles(self, limit: int, offset: int = 0, source: str | None = None) -> list[dict[str, Any]]:
        """Return the listing form with tags, newest first (by date, then id)."""
        where = "WHERE source = :src" if source else ""
        return [_recent(r) for r in self.rows(
            # On the date column itself (not coalesce(date, ''), which hid it from the articles_date index:
            # a sort of every article, 120 ms on 20,000 of them against 1 ms). ISO dates order alike under
            # any collation; NULLS LAST keeps undated articles at the end as before.
            f"SELECT id, url, source, title, date, day, data FROM articles {where}"
            " ORDER BY date DESC NULLS LAST, id DESC LIMIT :n OFFSET :o", src=source, n=limit, o=offset)]

    # -- stories ---------------------------------------------------------------------------------

    def stories(self, since: str | None = None) -> list[dict[str, Any]]:
        """Return stories (last seen at or after ``since``) with their articles, newest first."""
        where = "WHERE last_seen >= :since" if since else ""
        stories = [{**r, "id": int(r["id"])} for r in self.rows(
            f"SELECT id, title, first_seen, last_seen, size FROM stories {where}"
            " ORDER BY last_seen DESC NULLS LAST, id DESC", since=since)]
        members: dict[int, list[dict[str, Any]]] = {}
        for r in self.rows(
            "SELECT s.story_id, a.id, a.url, a.source, a.title FROM story_articles s JOIN articles a ON a.id = s.article_id"
            " ORDER BY s.story_id, a.date NULLS FIRST, a.id"
        ):
            members.setdefault(int(r["story_id"]), []).append(
                {"id": int(r["id"]), "url": r["url"], "source": r["source"], "title": r["title"]})
        top: dict[int, list[dict[str, Any]]] = {}
        for r in self.rows(
            "SELECT s.story_id, e.id, e.type, e.name, count(DISTINCT m.article_id) AS n, count(*) AS c FROM story_articles s"
            " JOIN mentions m ON m.article_id = s.article_id JOIN entities e ON e.id = m.entity_id"
            " GROUP BY s.story_id, e.id, e.type, e.name ORDER BY s.story_id, n DESC, c DESC, e.name{C}, e.id{C}"
        ):
            entry = top.setdefault(int(r["story_id"]), [])
            if len(entry) < STORY_TOP_ENTITIES:
                entry.append({"id": r["id"], "type": r["type"], "name": r["name"], "article_count": int(r["n"])})
        for st in stories:
            st["articles"] = members.get(int(st["id"]), [])
            st["entities"] = top.get(int(st["id"]), [])
        return stories

    def story_count(self, day: str | None = None) -> int:
        """Return the number of non-empty stories (with an article published on ``day``, when given)."""
        if day:
            return int(self.scalar(STORY_DAY_COUNT, day=day) or 0)
        return int(self.scalar("SELECT count(*) FROM stories WHERE size > 0") or 0)

    def story_page(self, limit: int, offset: int = 0, day: str | None = None, sort: str = "recent",
                   since: str | None = None) -> list[StoryRow]:
        """Return non-empty stories: freshest day first then biggest (``recent``) or biggest first
        (``size``); with ``day``, only stories with articles published that day, sized by them."""
        sql, args = story_page_sql(day, sort, since)
        return [story_row(r) for r in self.rows(sql, **args, n=limit, o=offset)]

    def story_rows(self, story_ids: Sequence[int]) -> dict[int, StoryRow]:
        """Return the summary rows of the given stories, by id."""
        out: dict[int, StoryRow] = {}
        for chunk in chunks(sorted(set(story_ids))):
            out.update((int(r["id"]), story_row(r)) for r in self.rows(
                "SELECT id, title, first_seen, last_seen, size FROM stories WHERE id IN :ids", ids=chunk))
        return out

    def story_sources(self, story_ids: Sequence[int]) -> dict[int, list[str]]:
        """Return the distinct sources of each story's articles (sorted)."""
        out: dict[int, list[str]] = {}
        for chunk in chunks(sorted(set(story_ids))):
            for r in self.rows(
                "SELECT DISTINCT s.story_id, coalesce(a.source, ''){C} AS source FROM story_articles s"
                " JOIN articles a ON a.id = s.article_id WHERE s.story_id IN :ids ORDER BY 1, 2", ids=chunk,
            ):
                out.setdefault(int(r["story_id"]), []).append(str(r["source"]))
        return out

    def duplicate_count(self) -> int:
        """Return the number of recorded duplicate pairs."""
        return int(self.scalar("SELECT count(*) FROM duplicates") or 0)

    def duplicate_page(self, limit: int, offset: int = 0) -> list[tuple[int, int, str, float]]:
        """Return a page of duplicate pairs ordered by (a, b)."""
        return [(int(r["a"]), int(r["b"]), str(r["kind"]), float(r["score"])) for r in self.rows(
            "SELECT a, b, kind, score FROM duplicates ORDER BY a, b LIMIT :n OFFSET :o", n=limit, o=offset)]

    # -- entities --------------------------------------------------------------------------------

    def entities(self, type: str | None = None, limit: int | None = None, offset: int = 0,
                 sort: str = "mentions") -> list[EntitySummary]:
        """Return entities with mention and article counts and their surface forms: most mentioned
        first, in most articles first (``articles``) or by name (``name``)."""
        where = "WHERE e.type = :t" if type else ""
        order = ENTITY_ORDERS.get(sort, ENTITY_ORDERS["mentions"])
        out = [
            EntitySummary(id=r["id"], type=r["type"], name=r["name"], mentions=int(r["mentions"]),
                          article_count=int(r["articles"]), forms={})
            for r in self.rows(
                "SELECT e.id, e.type, e.name, count(m.id) AS mentions, count(DISTINCT m.article_id) AS articles"
                f" FROM entities e JOIN mentions m ON m.entity_id = e.id {where} GROUP BY e.id, e.type, e.name"
                f" ORDER BY {order} LIMIT :n OFFSET :o", t=type, n=self._limit(limit), o=offset)
        ]
        for e in out:
            e["forms"] = {r["text"]: int(r["n"]) for r in self.rows(
                "SELECT text, count(*) AS n FROM mentions WHERE entity_id = :i GROUP BY text ORDER BY n DESC, text{C} LIMIT :k",
                i=e["id"], k=ENTITY_FORMS)}
        return out

    def entity(self, entity_id: str) -> dict[str, Any] | None:
        """Return one entity with its mentions per day, co-occurring entities and recent articles."""
        row = self.first("SELECT id, type, name FROM entities WHERE id = :i", i=clean(entity_id))
        if row is None:
            return None
        out: dict[str, Any] = dict(row)
        out["forms"] = {r["text"]: int(r["n"]) for r in self.rows(
            "SELECT text, count(*) AS n FROM mentions WHERE entity_id = :i GROUP BY text ORDER BY n DESC, text{C}", i=entity_id)}
        out["timeline"] = [{"date": r["day"], "mentions": int(r["n"])} for r in self.rows(
            "SELECT coalesce(a.day, substr(a.ingested_at, 1, 10)) AS day, count(*) AS n FROM mentions m"
            " JOIN articles a ON a.id = m.article_id WHERE m.entity_id = :i"
            " GROUP BY coalesce(a.day, substr(a.ingested_at, 1, 10)) ORDER BY coalesce(a.day, substr(a.ingested_at, 1, 10)){C}",
            i=entity_id)]
        out["cooccurring"] = [{"id": r["id"], "type": r["type"], "name": r["name"], "article_count": int(r["n"])} for r in self.rows(
            "SELECT e.id, e.type, e.name, count(DISTINCT o.article_id) AS n FROM mentions m"
            " JOIN mentions o ON o.article_id = m.article_id AND o.entity_id != m.entity_id"
            " JOIN entities e ON e.id = o.entity_id WHERE m.entity_id = :i"
            " GROUP BY e.id, e.type, e.name ORDER BY n DESC, e.name{C}, e.id{C} LIMIT :k", i=entity_id, k=ENTITY_COOCCURRING)]
        out["articles"] = [_row(r).to_dict() for r in self.rows(
            "SELECT a.id, a.url, a.source, a.title, a.date FROM articles a"
            " WHERE a.id IN (SELECT article_id FROM mentions WHERE entity_id = :i)"
            " ORDER BY a.date{C} DESC NULLS LAST, a.id DESC LIMIT :k", i=entity_id, k=ENTITY_ARTICLES)]
        return out

    def article_entities(self, ids: Sequence[int]) -> dict[int, list[str]]:
        """Return the entity ids mentioned in each given article (distinct, sorted)."""
        out: dict[int, list[str]] = {}
        for chunk in chunks(sorted(set(ids))):
            for r in self.rows(
                "SELECT DISTINCT article_id, entity_id{C} AS entity_id FROM mentions WHERE article_id IN :ids ORDER BY 1, 2",
                ids=chunk,
            ):
                out.setdefault(int(r["article_id"]), []).append(str(r["entity_id"]))
        return out

    def headline_entities(self, ids: Sequence[int]) -> dict[int, set[str]]:
        """Return the ids of the entities named inside each given article's headline (not by a holder title alone)."""
        # The headline's span lives in the article's JSON; reading it in SQL spares parsing the whole
        # JSON (every mention of a 10 MB page) in Python for two numbers.
        if self.dialect == "sqlite":
            lo, hi = "json_extract(a.data, '$.spans.title[0]')", "json_extract(a.data, '$.spans.title[1]')"
        else:
            lo, hi = ("CAST((a.data::json)->'spans'->'title'->>0 AS INTEGER)",
                      "CAST((a.data::json)->'spans'->'title'->>1 AS INTEGER)")
        out: dict[int, set[str]] = {}
        for chunk in chunks(sorted(set(ids))):
            for r in self.tuples(
                f'SELECT m.article_id, m.entity_id FROM mentions m JOIN articles a ON a.id = m.article_id'
                f' WHERE m.article_id IN :ids AND m.start >= {lo} AND m."end" <= {hi}{NAMED}', ids=chunk,
            ):
                out.setdefault(int(r[0]), set()).add(str(r[1]))
        return out

    def mention_forms(self, ids: Sequence[int]) -> dict[int, set[tuple[str, str]]]:
        """Return the (entity id, spelling) pairs of each given article's mentions by name."""
        out: dict[int, set[tuple[str, str]]] = {}
        for chunk in chunks(sorted(set(ids))):
            for r in self.tuples(f"SELECT DISTINCT article_id, entity_id, text FROM mentions m WHERE article_id IN :ids{NAMED}",
                                 ids=chunk):
                out.setdefault(int(r[0]), set()).add((str(r[1]), str(r[2])))
        return out

    def entity_count(self, type: str | None = None) -> int:
        """Return how many entities (of a type) have at least one mention."""
        where = " WHERE e.type = :t" if type else ""
        return int(self.scalar(
            f"SELECT count(DISTINCT m.entity_id) FROM mentions m JOIN entities e ON e.id = m.entity_id{where}", t=type) or 0)

    def entity_article_count(self, entity_id: str) -> int:
        """Return how many articles mention an entity."""
        return int(self.scalar("SELECT count(DISTINCT article_id) FROM mentions WHERE entity_id = :i", i=entity_id) or 0)

    def entity_counts(self, article_ids: Sequence[int], limit: int) -> list[EntityCount]:
        """Return the entities mentioned in these articles with article and mention counts, most articles first."""
        ids = sorted(set(article_ids))
        if not ids:
            return []
        # Counted per entity id first, then joined: the join reads one row per entity, not per mention.
        rows = self.rows(
            "SELECT e.id, e.type, e.name, c.arts, c.n FROM (SELECT entity_id, count(DISTINCT article_id) AS arts,"
            " count(*) AS n FROM mentions WHERE article_id IN :ids GROUP BY entity_id) c"
            " JOIN entities e ON e.id = c.entity_id ORDER BY c.arts DESC, c.n DESC, e.name{C}, e.id{C} LIMIT :k",
            ids=ids, k=limit)
        return [EntityCount(id=r["id"], type=r["type"], name=r["name"], article_count=int(r["arts"]), mentions=int(r["n"]))
                for r in rows]

    def entity_article_ids(self, entity_ids: Sequence[str]) -> list[int]:
        """Return the ids of articles mentioning any of the given entities, ascending."""
        ids = sorted(set(entity_ids))
        if not ids:
            return []
        return [int(r[0]) for r in self.tuples("SELECT DISTINCT article_id FROM mentions WHERE entity_id IN :ids ORDER BY 1", ids=ids)]

    def entity_forms(self, entity_ids: Sequence[str]) -> list[str]:
        """Return the names and surface forms of the given entities, most mentioned first."""
        ids = sorted(set(entity_ids))
        if not ids:
            return []
        names = [str(r[0]) for r in self.tuples("SELECT name FROM entities WHERE id IN :ids ORDER BY name{C}", ids=ids)]
        forms = [str(r[0]) for r in self.tuples(
            "SELECT text, count(*) AS n FROM mentions WHERE entity_id IN :ids GROUP BY text ORDER BY n DESC, text{C}", ids=ids)]
        return list(dict.fromkeys(names + forms))

"""The observatory's state and aggregates: saved-search alerts, and per-outlet profile counts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from marsad.store.sql import SqlBase, chunks, clean, now

#: A story member's order inside its story: by publication time, then id (the order the story
#: page lists, whose first member is the first report).
_ORDERED_MEMBERS = (
    "SELECT sa.story_id, coalesce(a.source, '') AS source, a.id, a.date, a.day,"
    " row_number() OVER (PARTITION BY sa.story_id ORDER BY a.date, a.id) AS pos"
    " FROM story_articles sa JOIN articles a ON a.id = sa.article_id WHERE a.date IS NOT NULL"
)


class SqlObservatory(SqlBase):
    """Alerts and the counts behind per-outlet profiles."""

    # -- alerts ----------------------------------------------------------------------------------

    def add_alert(self, name: str, query: str, rule: str, threshold: float, webhook: str | None,
                  since_day: str | None) -> int:
        """Save an alert and return its id (a name is used once)."""
        return int(self.scalar(
            "INSERT INTO alerts(name, query, rule, threshold, webhook, since_day, created_at)"
            " VALUES (:n, :q, :r, :t, :w, :s, :at) RETURNING id",
            n=clean(name), q=clean(query), r=rule, t=threshold, w=clean(webhook), s=since_day, at=now()))

    def alerts(self) -> list[dict[str, Any]]:
        """Return every saved alert with its number of firings and the last day it fired."""
        return [{**r, "id": int(r["id"]), "fired": int(r["fired"])} for r in self.rows(
            "SELECT al.id, al.name, al.query, al.rule, al.threshold, al.webhook, al.since_day, al.created_at,"
            " count(ev.day) AS fired, max(ev.day) AS last_fired"
            " FROM alerts al LEFT JOIN alert_events ev ON ev.alert_id = al.id"
            " GROUP BY al.id, al.name, al.query, al.rule, al.threshold, al.webhook, al.since_day, al.created_at"
            " ORDER BY al.id")]

    def alert_id(self, name_or_id: str) -> int | None:
        """Return the id of the alert with this name (or this id), or None."""
        if name_or_id.isdigit():
            found = self.scalar("SELECT id FROM alerts WHERE id = :i", i=int(name_or_id))
            if found is not None:
                return int(found)
        found = self.scalar("SELECT id FROM alerts WHERE name = :n", n=clean(name_or_id))
        return int(found) if found is not None else None

    def remove_alert(self, alert_id: int) -> bool:
        """Delete an alert and its firings; return whether it existed."""
        self.run("DELETE FROM alert_events WHERE alert_id = :i", i=alert_id)
        return bool(self.run("DELETE FROM alerts WHERE id = :i", i=alert_id).rowcount)

    def record_alert_event(self, alert_id: int, day: str, count: int, expected: float | None,
                           score: float | None) -> bool:
        """Record that an alert fired for a day; return False when that day had fired already."""
        return bool(self.run(
            "INSERT INTO alert_events(alert_id, day, count, expected, score, fired_at)"
            " VALUES (:i, :d, :c, :e, :s, :at) ON CONFLICT (alert_id, day) DO NOTHING",
            i=alert_id, d=day, c=count, e=expected, s=score, at=now()).rowcount)

    def set_alert_delivery(self, alert_id: int, day: str, delivery: str) -> None:
        """Record how a firing was delivered (log, webhook status or error)."""
        self.run("UPDATE alert_events SET delivery = :v WHERE alert_id = :i AND day = :d",
                 v=clean(delivery), i=alert_id, d=day)

    def alert_events(self, alert_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Return the latest firings (of one alert, or of all), newest day first."""
        return [{**r, "alert_id": int(r["alert_id"])} for r in self.rows(
            "SELECT ev.alert_id, al.name, al.query, ev.day, ev.count, ev.expected, ev.score, ev.fired_at, ev.delivery"
            " FROM alert_events ev JOIN alerts al ON al.id = ev.alert_id"
            " WHERE CAST(:i AS BIGINT) IS NULL OR ev.alert_id = :i ORDER BY ev.day DESC, ev.alert_id LIMIT :n",
            i=alert_id, n=limit)]

    # -- per-outlet profiles ---------------------------------------------------------------------

    def source_volumes(self) -> list[dict[str, Any]]:
        """Return per outlet: articles, days with articles, first and last publication day."""
        return [{**r, "articles": int(r["articles"]), "days": int(r["days"])} for r in self.rows(
            "SELECT coalesce(source, '') AS source, count(*) AS articles, count(DISTINCT day) AS days,"
            " min(day) AS first_day, max(day) AS last_day FROM articles GROUP BY coalesce(source, '')")]

    def source_firsts(self, min_outlets: int = 2) -> dict[str, tuple[int, int]]:
        """Return per outlet (stories of ``min_outlets`` or more outlets it covered, of them those it
        published first)."""
        rows = self.rows(
            f"WITH m AS ({_ORDERED_MEMBERS}),"
            " multi AS (SELECT story_id FROM m GROUP BY story_id HAVING count(DISTINCT source) >= :k)"
            " SELECT m.source, count(DISTINCT m.story_id) AS covered,"
            " count(DISTINCT CASE WHEN m.pos = 1 THEN m.story_id END) AS first"
            " FROM m JOIN multi ON multi.story_id = m.story_id GROUP BY m.source", k=min_outlets)
        return {str(r["source"]): (int(r["covered"]), int(r["first"])) for r in rows}

    def source_copies(self) -> dict[str, tuple[int, int]]:
        """Return per outlet (its articles that repeat an earlier article of another outlet, its
        articles another outlet repeated later), from the recorded exact and near duplicates."""
        rows = self.rows(
            "WITH p AS (SELECT x.id AS ia, y.id AS ib, coalesce(x.source, '') AS sa, coalesce(y.source, '') AS sb,"
            " CASE WHEN x.date < y.date OR (x.date = y.date AND x.id < y.id) THEN 1 ELSE 0 END AS a_first"
            " FROM duplicates d JOIN articles x ON x.id = d.a JOIN articles y ON y.id = d.b"
            " WHERE x.date IS NOT NULL AND y.date IS NOT NULL AND coalesce(x.source, '') <> coalesce(y.source, '')),"
            " o AS (SELECT CASE WHEN a_first = 1 THEN sb ELSE sa END AS later_source,"
            " CASE WHEN a_first = 1 THEN ib ELSE ia END AS later,"
            " CASE WHEN a_first = 1 THEN sa ELSE sb END AS earlier_source,"
            " CASE WHEN a_first = 1 THEN ia ELSE ib END AS earlier FROM p)"
            " SELECT s, sum(c) AS copies, sum(e) AS copied FROM ("
            " SELECT later_source AS s, count(DISTINCT later) AS c, 0 AS e FROM o GROUP BY later_source UNION ALL"
            " SELECT earlier_source AS s, 0 AS c, count(DISTINCT earlier) AS e FROM o GROUP BY earlier_source) t GROUP BY s")
        return {str(r["s"]): (int(r["copies"]), int(r["copied"])) for r in rows}

    def source_entities(self, per_source: int, latest: int) -> dict[str, list[tuple[str, int]]]:
        """Return per outlet its most covered entities (entity id, articles), at most ``per_source``,
        over its ``latest`` articles by publication time (a cost bounded by outlets, not by the store)."""
        out: dict[str, list[tuple[str, int]]] = {}
        for r in self.rows(
            "WITH latest AS (SELECT id, source FROM (SELECT id, coalesce(source, '') AS source,"
            " row_number() OVER (PARTITION BY coalesce(source, '') ORDER BY date DESC, id DESC) AS r FROM articles) t"
            " WHERE r <= :n)"
            " SELECT source, entity_id, n FROM (SELECT source, entity_id, n,"
            " row_number() OVER (PARTITION BY source ORDER BY n DESC, entity_id{C}) AS r FROM ("
            " SELECT l.source, m.entity_id, count(DISTINCT m.article_id) AS n FROM latest l"
            " JOIN mentions m ON m.article_id = l.id WHERE m.entity_id IS NOT NULL GROUP BY l.source, m.entity_id) c) t"
            " WHERE r <= :k ORDER BY source, r", n=latest, k=per_source):
            out.setdefault(str(r["source"]), []).append((str(r["entity_id"]), int(r["n"])))
        return out

    def story_source_counts(self, story_ids: Sequence[int], day: str | None = None) -> dict[tuple[int, str], tuple[int, bool]]:
        """Return (story, outlet) → (its articles in the story, published that ``day`` when given;
        whether it published the story's first report)."""
        if not story_ids:
            return {}
        rows = self.rows(
            "SELECT story_id, source, sum(CASE WHEN CAST(:d AS TEXT) IS NULL OR day = :d THEN 1 ELSE 0 END) AS n,"
            f" max(CASE WHEN pos = 1 THEN 1 ELSE 0 END) AS first FROM ({_ORDERED_MEMBERS} AND sa.story_id IN :ids) m"
            " GROUP BY story_id, source",
            ids=sorted(set(story_ids)), d=day)
        return {(int(r["story_id"]), str(r["source"])): (int(r["n"]), bool(r["first"])) for r in rows}

    def story_day_counts(self, story_ids: Sequence[int], days: Sequence[str]) -> dict[tuple[int, str], int]:
        """Return (story, day) → the story's articles published that day, for the given stories and days."""
        if not story_ids or not days:
            return {}
        return {(int(r["story_id"]), str(r["day"])): int(r["n"]) for r in self.rows(
            "SELECT sa.story_id, a.day, count(*) AS n FROM story_articles sa JOIN articles a ON a.id = sa.article_id"
            " WHERE sa.story_id IN :ids AND a.day IN :days GROUP BY sa.story_id, a.day",
            ids=sorted(set(story_ids)), days=sorted(set(days)))}

    def article_keywords(self, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """Return the stored keyphrases of the given articles, by id."""
        out: dict[int, list[dict[str, Any]]] = {}
        for chunk in chunks(sorted(set(ids))):
            for r in self.rows("SELECT id, data FROM articles WHERE id IN :ids", ids=chunk):
                out[int(r["id"])] = list(json.loads(r["data"]).get("keywords") or [])
        return out

    def bucket_counts(self, by: str, ids: Sequence[int] | None = None) -> dict[tuple[str, str], int]:
        """Return (outlet, day or UTC hour ``YYYY-MM-DDTHH``) → articles, of the store or of ``ids``."""
        bucket = "day" if by == "day" else "substr(date, 1, 13)"
        where = "day IS NOT NULL" if by == "day" else "date IS NOT NULL"
        sql = (f"SELECT coalesce(source, '') AS s, {bucket} AS b, count(*) AS n FROM articles WHERE {where}"
               "{ids} GROUP BY coalesce(source, ''), {bucket}")
        out: dict[tuple[str, str], int] = {}
        parts = [None] if ids is None else list(chunks(sorted(set(ids))))
        for chunk in parts:
            q = sql.replace("{ids}", "" if chunk is None else " AND id IN :ids").replace("{bucket}", bucket)
            for r in self.rows(q, ids=chunk) if chunk is not None else self.rows(q):
                key = (str(r["s"]), str(r["b"]))
                out[key] = out.get(key, 0) + int(r["n"])
        return out

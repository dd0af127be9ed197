"""Alerts: saved searches with a threshold or a spike rule, checked after each ingest or watch round.

An alert counts its search's matches per publication day (the search index's day histogram, the
same counts ``attention`` shows). A **threshold** alert fires for a day with at least N matching
articles; a **spike** alert fires for a day whose count stands ``threshold`` Poisson deviations
above what the days before give (``spikes.spike_score``, the brief's rule for rising entities).
Each (alert, day) fires once, from the day the alert was saved on; a firing is recorded in the
store, appended to a JSON Lines log and posted to the alert's webhook when it has one.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from marsad.errors import InputError
from marsad.observatory.spikes import (
    BASELINE_DAYS,
    RISING_MIN_ARTICLES,
    RISING_RATIO,
    RISING_SCORE,
    expected_count,
    spike_score,
)
from marsad.ports import Store
from marsad.settings import Settings
from marsad.store import is_postgres_url

if TYPE_CHECKING:  # the search index (tantivy) is imported only when an alert is checked: `marsad ingest`
    # runs under tight memory limits and most stores have no alert
    from marsad.search import SearchEngine

log = logging.getLogger(__name__)

#: The rules an alert can have, with the default of its threshold: 10 articles a day is a busy
#: subject for one store of a dozen outlets; the spike default is the brief's rising score.
RULES: dict[str, float] = {"threshold": 10.0, "spike": RISING_SCORE}
#: Longest alert name (a label for a list and a log line).
MAX_NAME = 100
#: Days a check looks at, the latest ones: the search index's day histogram holds 62 days and a
#: spike needs ``BASELINE_DAYS`` of them as its baseline.
CHECK_DAYS = 62 - BASELINE_DAYS


@dataclass(frozen=True, slots=True)
class Firing:
    """One alert firing for one day."""

    alert_id: int
    name: str
    query: str
    rule: str
    threshold: float
    day: str
    count: int
    expected: float | None
    score: float | None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (the log line and the webhook body)."""
        return {"event": "marsad.alert", **asdict(self)}


def add_alert(store: Store, name: str, query: str, rule: str = "threshold", threshold: float | None = None,
              webhook: str | None = None, since_day: str | None = None) -> dict[str, Any]:
    """Save an alert after checking it; it watches days from ``since_day`` (the latest stored day by
    default, so a new alert reports what comes, not the whole history)."""
    from marsad.search.query import parse_query

    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise InputError(f"an alert needs a name of 1 to {MAX_NAME} characters")
    if rule not in RULES:
        raise InputError(f"rule must be one of {', '.join(RULES)}, not {rule!r}")
    parsed = parse_query(query)
    if parsed.errors or parsed.is_empty:
        raise InputError(f"alert query {query!r}: {'; '.join(parsed.errors) or 'nothing to search for'}")
    if parsed.date_from or parsed.date_to:
        raise InputError("an alert's query cannot hold a date: filter (the alert counts each day itself)")
    value = RULES[rule] if threshold is None else float(threshold)
    if not value > 0:
        raise InputError("the threshold must be above 0")
    if webhook and not webhook.startswith(("http://", "https://")):
        raise InputError(f"webhook {webhook!r}: not an http(s) URL")
    if store.alert_id(name) is not None:
        raise InputError(f"an alert named {name!r} exists already")
    days = sorted(store.day_counts())
    since = since_day or (days[-1] if days else None)
    store.begin()
    alert_id = store.add_alert(name, query, rule, value, webhook or None, since)
    store.commit()
    return next(a for a in store.alerts() if a["id"] == alert_id)


def remove_alert(store: Store, name_or_id: str) -> None:
    """Delete an alert and its firings."""
    alert_id = store.alert_id(name_or_id)
    if alert_id is None:
        raise InputError(f"no alert {name_or_id!r}")
    store.begin()
    store.remove_alert(alert_id)
    store.commit()


def evaluate(alert: dict[str, Any], per_day: dict[str, int], totals: dict[str, int]) -> list[Firing]:
    """Return the days an alert's rule holds on, from its first watched day on."""
    days = sorted(totals)
    out = []
    for i, day in enumerate(days):
        if alert["since_day"] and day < alert["since_day"]:
            continue
        count = per_day.get(day, 0)
        expected: float | None = None
        score: float | None = None
        if alert["rule"] == "threshold":
            fires = count >= alert["threshold"]
        else:
            window = days[max(0, i - BASELINE_DAYS) : i]
            before, before_totals = [per_day.get(d, 0) for d in window], [totals[d] for d in window]
            expected = round(expected_count(before, before_totals, totals[day]), 2)
            score = round(spike_score(count, before, before_totals, totals[day]), 2)
            fires = bool(window) and count >= RISING_MIN_ARTICLES and score >= alert["threshold"] \
                and count >= RISING_RATIO * expected
        if fires:
            out.append(Firing(alert["id"], alert["name"], alert["query"], alert["rule"], alert["threshold"], day,
                              count, expected, score))
    return out


def day_counts(engine: SearchEngine, query: str, days: list[str]) -> dict[str, int]:
    """Return the matches of a query per day over ``days`` (a span the day histogram holds)."""
    if not days:
        return {}
    found = engine.search(f"{query} date:{days[0]}..{days[-1]}", limit=0)
    return {str(d["value"]): int(d["count"]) for d in found.facets.get("days", [])}


def log_path(settings: Settings) -> Path:
    """Return the JSON Lines file firings are appended to."""
    if settings.alert_log:
        return Path(settings.alert_log)
    return Path("marsad-alerts.jsonl") if is_postgres_url(settings.db) else Path(f"{settings.db}.alerts.jsonl")


def _deliver(firing: Firing, webhook: str | None, path: Path, timeout: float) -> str:
    """Append a firing to the log and post it to the webhook; return what happened (never raises)."""
    import httpx

    line = json.dumps(firing.to_dict(), ensure_ascii=False)
    outcome = []
    try:
        with path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
        outcome.append("logged")
    except OSError as exc:
        outcome.append(f"log error: {exc}")
    if webhook:
        try:
            res = httpx.post(webhook, content=line.encode("utf-8"), timeout=timeout,
                             headers={"content-type": "application/json; charset=utf-8"})
            outcome.append(f"webhook {res.status_code}")
        except httpx.HTTPError as exc:
            outcome.append(f"webhook error: {type(exc).__name__}: {exc}"[:300])
    if any("error" in o for o in outcome):
        log.warning("alert %s for %s: %s", firing.name, firing.day, "; ".join(outcome))
    return "; ".join(outcome)


def check_alerts(store: Store, engine: SearchEngine, settings: Settings) -> list[dict[str, Any]]:
    """Evaluate every alert on the index as it stands; record, log and post each new firing and
    return them (with how each was delivered)."""
    alerts = store.alerts()
    if not alerts:
        return []
    totals = store.day_counts()
    days = sorted(totals)[-(CHECK_DAYS + BASELINE_DAYS) :]
    totals = {d: totals[d] for d in days}
    fired = []
    for alert in alerts:
        for firing in evaluate(alert, day_counts(engine, alert["query"], days), totals):
            store.begin()
            new = store.record_alert_event(firing.alert_id, firing.day, firing.count, firing.expected, firing.score)
            store.commit()
            if not new:
                continue
            delivery = _deliver(firing, alert["webhook"], log_path(settings), settings.alert_webhook_timeout)
            store.begin()
            store.set_alert_delivery(firing.alert_id, firing.day, delivery)
            store.commit()
            fired.append({**firing.to_dict(), "delivery": delivery})
    return fired


def check_store_alerts(store: Store, settings: Settings) -> list[dict[str, Any]]:
    """Check the alerts of a store after an ingest or a watch round: the search index catches up
    first (nothing is opened when the store has no alert)."""
    if not store.alerts():
        return []
    from marsad.search import open_search

    engine = open_search(store, str(settings.db))
    try:
        engine.catch_up()
        return check_alerts(store, engine, settings)
    finally:
        engine.close()

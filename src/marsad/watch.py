"""The feed monitor: poll a list of feeds with conditional GET, fetch each new entry's page, store.

Per round: all feeds are polled concurrently (one request at a time per host, a delay between
them); a 304 answer means the feed is not parsed again; new entries' pages are fetched (robots.txt
respected) and extracted; when a page cannot be had, the entry's own summary is stored instead.
Feed validators (ETag, Last-Modified) and seen entry ids are kept by the store (its ``watch_feeds``
and ``watch_seen`` tables, on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import asyncio
import logging
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from marsad.errors import InputError
from marsad.ingest.feeds import FeedEntry, entry_document, parse_feed
from marsad.ingest.fetch import FetchConfig, Fetcher, FetchResult
from marsad.models import RawDocument, Rejection
from marsad.observatory.alerts import check_store_alerts
from marsad.pipeline import ingest_documents
from marsad.ports import Store
from marsad.settings import Settings

log = logging.getLogger(__name__)

#: Seconds between polling rounds. Arabic news feeds update every few minutes; 15 minutes keeps
#: a monitor current within a news cycle at ~100 requests/day per feed.
DEFAULT_INTERVAL = 900.0

_DEFAULT_FETCH = FetchConfig()


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One feed to watch."""

    url: str
    name: str | None = None
    fetch_pages: bool = True


@dataclass(slots=True)
class WatchConfig:
    """What to watch and how politely."""

    feeds: list[FeedSpec]
    interval: float = DEFAULT_INTERVAL
    fetch: FetchConfig = field(default_factory=FetchConfig)


@dataclass(slots=True)
class FeedOutcome:
    """What happened to one feed in one round."""

    url: str
    status: int | None
    attempts: int
    parsed: bool = False
    new_entries: int = 0
    error: str | None = None
    finished_at: float = 0.0


@dataclass(slots=True)
class WatchReport:
    """Counts of one polling round."""

    feeds: list[FeedOutcome] = field(default_factory=list)
    pages_fetched: int = 0
    pages_failed: int = 0
    articles: int = 0
    duplicates: int = 0
    rejections: int = 0
    #: New alert firings after this round (see ``observatory.alerts``).
    alerts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def not_modified(self) -> int:
        """Return how many feeds answered 304."""
        return sum(1 for f in self.feeds if f.status == 304)

    @property
    def new_entries(self) -> int:
        """Return how many entries were new this round."""
        return sum(f.new_entries for f in self.feeds)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "feeds": [
                {"url": f.url, "status": f.status, "attempts": f.attempts, "parsed": f.parsed,
                 "new_entries": f.new_entries, "error": f.error}
                for f in self.feeds
            ],
            "not_modified": self.not_modified,
            "new_entries": self.new_entries,
            "pages_fetched": self.pages_fetched,
            "pages_failed": self.pages_failed,
            "articles": self.articles,
            "duplicates": self.duplicates,
            "rejections": self.rejections,
            "alerts": self.alerts,
        }


def load_watch_file(path: Path) -> WatchConfig:
    """Read FEEDS.toml: ``[watch]`` knobs and ``[[feed]]`` tables with ``url`` (and ``name``)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: {exc}") from exc
    feeds: list[FeedSpec] = []
    for i, item in enumerate(data.get("feed", [])):
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            raise InputError(f"{path}: feed #{i + 1} needs a url")
        if not item["url"].startswith(("http://", "https://")):
            raise InputError(f"{path}: feed #{i + 1}: not an http(s) URL: {item['url']}")
        feeds.append(FeedSpec(item["url"], item.get("name"), bool(item.get("fetch_pages", True))))
    if not feeds:
        raise InputError(f"{path}: no [[feed]] entries")
    w = data.get("watch", {})
    try:
        fetch = FetchConfig(
            timeout=float(w.get("timeout", _DEFAULT_FETCH.timeout)),
            retries=int(w.get("retries", _DEFAULT_FETCH.retries)),
            backoff=float(w.get("backoff", _DEFAULT_FETCH.backoff)),
            host_delay=float(w.get("host_delay", _DEFAULT_FETCH.host_delay)),
            max_connections=int(w.get("max_connections", _DEFAULT_FETCH.max_connections)),
        )
        interval = float(w.get("interval", DEFAULT_INTERVAL))
    except (TypeError, ValueError) as exc:
        raise InputError(f"{path}: [watch]: {exc}") from exc
    return WatchConfig(feeds, interval, fetch)


class WatchState:
    """Feed validators and seen entries, kept by the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """Return the (ETag, Last-Modified) last seen for a feed."""
        return self.store.feed_validators(url)

    def save_feed(self, url: str, res: FetchResult) -> None:
        """Remember the outcome of polling a feed (validators only from a 200)."""
        etag, modified = self.validators(url)
        if res.ok:
            etag, modified = res.headers.get("etag"), res.headers.get("last-modified")
        self.store.save_feed_state(url, etag, modified, res.status, res.error)

    def seen(self, feed_url: str, entry_id: str) -> bool:
        """Return True if this entry of this feed was handled before."""
        return self.store.entry_seen(feed_url, entry_id)

    def mark_seen(self, feed_url: str, entry_id: str) -> None:
        """Remember an entry as handled."""
        self.store.mark_entry_seen(feed_url, entry_id)


async def _poll_feed(spec: FeedSpec, fetcher: Fetcher, state: WatchState) -> tuple[FeedOutcome, list[FeedEntry]]:
    etag, modified = state.validators(spec.url)
    res = await fetcher.get(spec.url, etag=etag, last_modified=modified)
    out = FeedOutcome(spec.url, res.status, res.attempts, error=res.error, finished_at=time.monotonic())
    state.save_feed(spec.url, res)
    if not res.ok:
        return out, []
    try:
        entries, _ = parse_feed(res.data, res.final_url)
    except Exception as exc:  # one broken feed is an outcome of this round, never the monitor's end
        out.error = f"invalid_feed: {exc}"[:200]
        return out, []
    out.parsed = True
    new = [e for e in entries if not state.seen(spec.url, e.entry_id)]
    out.new_entries = len(new)
    return out, new


async def _entry_doc(spec: FeedSpec, entry: FeedEntry, fetcher: Fetcher, report: WatchReport) -> RawDocument | Rejection:
    url = entry.record.get("url")
    if spec.fetch_pages and isinstance(url, str) and url.startswith(("http://", "https://")):
        res = await fetcher.get(url, respect_robots=True)
        if res.ok:
            report.pages_fetched += 1
            return res.document()
        report.pages_failed += 1
    return entry_document(entry, datetime.now(UTC))


async def _feed_round(
    spec: FeedSpec, fetcher: Fetcher, state: WatchState, report: WatchReport
) -> tuple[FeedOutcome, list[tuple[FeedEntry, RawDocument | Rejection]]]:
    """Poll one feed and fetch its new entries' pages; a slow or failing feed delays only itself."""
    outcome, new = await _poll_feed(spec, fetcher, state)
    docs = await asyncio.gather(*(_entry_doc(spec, e, fetcher, report) for e in new))
    return outcome, list(zip(new, docs, strict=True))


async def poll_once_async(config: WatchConfig, store: Store, settings: Settings, fetcher: Fetcher) -> WatchReport:
    """Run one polling round with an open fetcher; articles are stored once all feeds are done."""
    state = WatchState(store)
    report = WatchReport()
    rounds = await asyncio.gather(*(_feed_round(spec, fetcher, state, report) for spec in config.feeds))
    docs: list[RawDocument | Rejection] = []
    for outcome, pairs in rounds:
        report.feeds.append(outcome)
        docs.extend(d for _, d in pairs)
    result = ingest_documents(docs, store, settings)
    report.articles = result.articles
    report.duplicates = result.duplicates
    report.rejections = result.rejections
    for spec, (_, pairs) in zip(config.feeds, rounds, strict=True):
        for entry, _ in pairs:
            state.mark_seen(spec.url, entry.entry_id)
    return report


def poll_once(config: WatchConfig, store: Store, settings: Settings, **fetcher_kwargs: Any) -> WatchReport:
    """Run one polling round (opens and closes its own fetcher)."""

    async def run() -> WatchReport:
        async with Fetcher(config.fetch, **fetcher_kwargs) as fetcher:
            return await poll_once_async(config, store, settings, fetcher)

    return asyncio.run(run())


def watch(
    config: WatchConfig,
    store: Store,
    settings: Settings,
    *,
    rounds: int | None = None,
    on_round: Callable[[WatchReport], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Poll every ``config.interval`` seconds, ``rounds`` times (forever when None); saved alerts are
    checked after each round that stored articles."""
    done = 0
    while rounds is None or done < rounds:
        started = time.monotonic()
        report = poll_once(config, store, settings)
        if report.articles:
            report.alerts = check_store_alerts(store, settings)
        log.info("watch round %d: %d new articles, %d rejections", done + 1, report.articles, report.rejections)
        done += 1
        if on_round is not None:
            on_round(report)
        if rounds is not None and done >= rounds:
            return
        sleep(max(0.0, config.interval - (time.monotonic() - started)))

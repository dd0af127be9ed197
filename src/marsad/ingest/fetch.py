"""Polite HTTP fetching with httpx: conditional GET, per-host delay and concurrency limits,
robots.txt for page fetches, retries with exponential backoff, timeouts and a size cap.

Everything is asynchronous so that one slow or failing host never holds up the others; a failure
is a ``FetchResult`` with an ``error``, never an exception.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from marsad.ingest.guard import AddressGuard, GuardedTransport, parse_allow
from marsad.models import RawDocument
from marsad.settings import Settings

log = logging.getLogger(__name__)

#: Seconds to wait for connect/read/write of one request. News sites answer in < 2 s; 15 s
#: tolerates a slow CMS without letting a dead host stall a polling round.
DEFAULT_TIMEOUT = 15.0
#: Extra attempts after a failed one (5xx, 429, timeout, connection error). Three retries ride
#: out a brief outage or a CDN hiccup; more only delays the report of a host that is down.
DEFAULT_RETRIES = 3
#: First backoff in seconds; attempt n waits BACKOFF_BASE * 2**n (1, 2, 4 s by default).
DEFAULT_BACKOFF = 1.0
#: Largest backoff wait in seconds, and the cap on a server's Retry-After we honour.
MAX_BACKOFF = 60.0
#: Seconds between two requests to the same host (the common crawl-delay of news sites' robots.txt).
DEFAULT_HOST_DELAY = 1.0
#: Requests in flight at once over all hosts (one per host is enforced separately).
DEFAULT_MAX_CONNECTIONS = 8
#: Redirects followed before giving up (feeds often move http→https→www: 2-3 hops).
MAX_REDIRECTS = 5
USER_AGENT = "Marsad/0.1 (Arabic news monitor; polite: robots.txt, conditional GET)"
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(slots=True)
class FetchConfig:
    """Politeness and robustness knobs of a fetcher."""

    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    backoff: float = DEFAULT_BACKOFF
    host_delay: float = DEFAULT_HOST_DELAY
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    max_bytes: int = Settings().max_document_bytes
    user_agent: str = USER_AGENT
    #: Hosts or networks reachable although not public (see the ``fetch_allow_networks`` setting).
    allow_networks: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> FetchConfig:
        """Return a config whose allow-list and size cap come from the settings."""
        return cls(
            allow_networks=parse_allow(settings.fetch_allow_networks),
            max_bytes=settings.max_document_bytes,
            **kwargs,
        )


@dataclass(slots=True)
class FetchResult:
    """The outcome of one fetch (after retries and redirects)."""

    url: str
    final_url: str
    status: int | None = None
    data: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    attempts: int = 0
    fetched_at: float = field(default_factory=time.time)

    @property
    def ok(self) -> bool:
        """Return True for a 200 with a body."""
        return self.error is None and self.status == 200

    @property
    def not_modified(self) -> bool:
        """Return True when the server answered 304 to a conditional GET."""
        return self.status == 304

    def document(self) -> RawDocument:
        """Return the body as a RawDocument (type and charset from the response headers)."""
        from datetime import UTC, datetime

        ctype = self.headers.get("content-type")
        charset = None
        if ctype and "charset=" in ctype.lower():
            charset = ctype.lower().split("charset=", 1)[1].split(";")[0].strip("\"' ")
        return RawDocument(self.data, self.final_url, fetched_at=datetime.fromtimestamp(self.fetched_at, tz=UTC),
                           content_type=ctype, charset=charset)


def host_key(url: str) -> str:
    """Return the politeness key of a URL: scheme, host and port."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


class _HostGate:
    """One request at a time per host, at least ``delay`` seconds apart."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.lock = asyncio.Lock()
        self.next_at = 0.0

    async def __aenter__(self) -> None:
        await self.lock.acquire()
        wait = self.next_at - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    async def __aexit__(self, *exc: object) -> None:
        self.next_at = time.monotonic() + self.delay
        self.lock.release()


class Fetcher:
    """An async HTTP fetcher shared by all feeds and pages of a polling round."""

    def __init__(self, config: FetchConfig | None = None, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = config or FetchConfig()
        self.guard = AddressGuard(self.config.allow_networks)
        self._client = httpx.AsyncClient(
            timeout=self.config.timeout,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            headers={"User-Agent": self.config.user_agent, "Accept-Encoding": "gzip, deflate"},
            transport=transport or GuardedTransport(self.guard, self.config.max_connections),
            trust_env=False,
        )
        self._slots = asyncio.Semaphore(self.config.max_connections)
        self._gates: dict[str, _HostGate] = {}
        self._robots: dict[str, RobotFileParser | None] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    def _gate(self, url: str) -> _HostGate:
        key = host_key(url)
        if key not in self._gates:
            self._gates[key] = _HostGate(self.config.host_delay)
        return self._gates[key]

    async def refused(self, url: str) -> str | None:
        """Return why ``url``'s host may not be fetched (not a public address), or None.

        Checked up front for a clear error; the connection itself is checked again at connect
        time on every hop (``GuardedBackend``), which is what actually keeps fetches out.
        """
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 0, type=socket.SOCK_STREAM)
        except OSError:
            return None  # unresolvable: the fetch fails with its own connection error
        bad = sorted({str(i[4][0]) for i in infos if not self.guard.allows(host, str(i[4][0]))})
        return f"blocked_address: {host} resolves to {', '.join(bad)}, not a public address" if bad else None

    async def allowed(self, url: str) -> bool:
        """Return True if the host's robots.txt lets our user agent fetch ``url`` (RFC 9309 rules)."""
        key = host_key(url)
        if key not in self._robots:
            res = await self._request(f"{key}/robots.txt", {}, retries=1)
            if res.status == 200:
                parser = RobotFileParser()
                parser.parse(res.data.decode("utf-8", "replace").splitlines())
                self._robots[key] = parser
            elif res.status is not None and 400 <= res.status < 500:
                self._robots[key] = None  # no robots.txt: everything allowed
            else:
                # Unreachable robots.txt (5xx, network error): RFC 9309 §2.3.1.4 says assume disallowed.
                blocked = RobotFileParser()
                blocked.parse(["User-agent: *", "Disallow: /"])
                self._robots[key] = blocked
        rules = self._robots[key]
        return rules is None or rules.can_fetch(self.config.user_agent, url)

    async def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        respect_robots: bool = False,
    ) -> FetchResult:
        """Fetch ``url`` (conditionally when an ETag/Last-Modified is given); never raises."""
        refused = await self.refused(url)
        if refused:
            return FetchResult(url, url, error=refused)
        if respect_robots and not await self.allowed(url):
            return FetchResult(url, url, error="robots_disallowed")
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return await self._request(url, headers, retries=self.config.retries)

    async def _request(self, url: str, headers: dict[str, str], *, retries: int) -> FetchResult:
        result = FetchResult(url, url)
        for attempt in range(retries + 1):
            result.attempts = attempt + 1
            retry_after: float | None = None
            try:
                async with self._slots, self._gate(url):
                    await self._once(url, headers, result)
            except httpx.TimeoutException:
                result.error, result.status = "timeout", None
            except (httpx.TransportError, httpx.TooManyRedirects, httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                result.error, result.status = f"{type(exc).__name__}: {exc}"[:200], None
            else:
                if result.status not in _RETRY_STATUS:
                    return result
                retry_after = _retry_after(result.headers.get("retry-after"))
            if attempt < retries:
                wait = retry_after if retry_after is not None else self.config.backoff * 2**attempt
                log.info("retrying %s in %.1f s (%s)", url, min(wait, MAX_BACKOFF), result.error or result.status)
                await asyncio.sleep(min(wait, MAX_BACKOFF))
        return result

    async def _once(self, url: str, headers: dict[str, str], result: FetchResult) -> None:
        async with self._client.stream("GET", url, headers=headers) as resp:
            result.status = resp.status_code
            result.final_url = str(resp.url)
            result.headers = {k.lower(): v for k, v in resp.headers.items()}
            result.fetched_at = time.time()
            result.error = None if resp.status_code in (200, 304) else f"http_{resp.status_code}"
            if resp.status_code != 200:
                result.data = b""
                return
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                if size > self.config.max_bytes:
                    result.error = "too_large"
                    result.data = b""
                    return
                chunks.append(chunk)
            result.data = b"".join(chunks)


def _retry_after(value: str | None) -> float | None:
    if value and value.strip().isdigit():
        return float(value.strip())
    return None


def fetch_url(url: str, config: FetchConfig | None = None, *, respect_robots: bool = True, **kwargs: Any) -> FetchResult:
    """Fetch one URL synchronously (for ``marsad fetch``)."""

    async def run() -> FetchResult:
        async with Fetcher(config, **kwargs) as fetcher:
            return await fetcher.get(url, respect_robots=respect_robots)

    return asyncio.run(run())

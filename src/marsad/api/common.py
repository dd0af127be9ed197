"""What the API and the web UI share: the context (store and search per thread), the one error
shape, cached JSON answers with ETags, and the request-size and rate limits."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marsad import queries
from marsad.models import ENTITY_TYPES
from marsad.ports import Store
from marsad.search.engine import SearchEngine, open_backend
from marsad.settings import load_settings
from marsad.store import open_store

#: Largest request body accepted (bytes). The largest real page seen is ~0.5 MB; 5 MB leaves room
#: for an HTML page with inline assets and refuses anything larger before reading it.
MAX_BODY_BYTES = 5 * 1024 * 1024
#: Environment variable holding the ingest token; ingest is disabled when it is unset or empty.
TOKEN_ENV = "MARSAD_API_TOKEN"
#: Media types accepted for posted content (pages, feeds, JSON article records).
INGEST_TYPES = (
    r"^(text/plain|text/html|text/xml|application/xml|application/rss\+xml|application/atom\+xml"
    r"|application/json|application/x-ndjson)$"
)

#: Largest id accepted in a path: SQLite's INTEGER is a signed 64-bit value.
MAX_ID = 2**63 - 1
ArticleId = Annotated[int, Path(ge=1, le=MAX_ID, description="Article id.")]
StoryId = Annotated[int, Path(ge=1, le=MAX_ID, description="Story id.")]
Limit = Annotated[int, Query(ge=1, le=queries.MAX_LIMIT, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")]
EntityId = Annotated[str, Path(min_length=1, max_length=200, description="Entity id, e.g. iso3166:KP.")]
EntityType = Annotated[
    str | None, Query(pattern=f"^({'|'.join(ENTITY_TYPES)})$", description="Only entities of this type.")
]
RelatedK = Annotated[int, Query(ge=1, le=50, description="How many related articles (one per other story).")]


class ApiError(Exception):
    """An error answered with the common JSON error shape."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    """Return the one JSON error shape."""
    return {"error": {"status": status, "code": code, "message": message}}


def etag_of(body: bytes) -> str:
    """Return a strong ETag for a response body."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def cached(request: Request, body: bytes, media_type: str, status: int = 200) -> Response:
    """Return ``body`` with an ETag, or 304 when the client already has it."""
    tag = etag_of(body)
    inm = request.headers.get("if-none-match", "")
    if status == 200 and tag in {t.strip() for t in inm.split(",")}:
        return Response(status_code=304, headers={"ETag": tag})
    return Response(content=body, status_code=status, media_type=media_type, headers={"ETag": tag})


def json_bytes(data: Any) -> bytes:
    """Serialize JSON for responses (UTF-8, Arabic kept readable)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_read(request: Request, data: Any) -> Response:
    """Return a JSON read response with an ETag."""
    return cached(request, json_bytes(data), "application/json")


class BodyLimit:
    """ASGI middleware refusing request bodies over ``MAX_BODY_BYTES`` (declared or streamed)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 413 when its body is too large."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"0")
        too_big = not declared.isdigit() or int(declared) > self.limit
        if too_big:
            await self._refuse(send)
            return
        # Read the body first (at most ``limit`` bytes are ever held): a chunked body that turns out
        # too large is refused with 413 before the app sees any of it.
        chunks: list[bytes] = []
        seen = 0
        while True:
            msg = await receive()
            if msg["type"] != "http.request":
                break
            seen += len(msg.get("body", b""))
            if seen > self.limit:
                await self._refuse(send)
                return
            chunks.append(msg.get("body", b""))
            if not msg.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        body = json_bytes(error_body(413, "too_large", f"request body over {self.limit} bytes"))
        await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})


class RateLimit:
    """ASGI middleware: a token bucket per client address; over the rate, answer 429 with Retry-After."""

    def __init__(self, app: ASGIApp, rate: float, burst: int) -> None:
        self.app = app
        self.rate = rate
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def _take(self, client: str) -> float:
        """Take one token for ``client``; return 0 when allowed, else the seconds until one is free."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            if len(self._buckets) > RATE_LIMIT_MAX_CLIENTS:
                self._buckets.clear()  # forget everyone rather than grow without bound
            return (1.0 - tokens) / self.rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 429 when the client is over its rate."""
        if scope["type"] != "http" or self.rate <= 0:
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("?", 0))[0]
        wait = self._take(str(client))
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        body = json_bytes(error_body(429, "rate_limited", f"too many requests; retry in {wait:.1f} s"))
        headers = [(b"content-type", b"application/json"), (b"retry-after", str(max(1, round(wait))).encode())]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})


#: Clients remembered by the rate limiter before its table is reset (bounded memory under a flood).
RATE_LIMIT_MAX_CLIENTS = 10_000


class Context:
    """What routes need: the store location, one store per thread, the shared search index."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.settings = load_settings({"db": db})
        self._local = threading.local()
        self._lock = threading.Lock()
        self.backend = open_backend(db)

    def store(self) -> Store:
        """Return this thread's store connection (SQLite connections stay in their thread)."""
        st: Store | None = getattr(self._local, "store", None)
        if st is None:
            st = open_store(self.db)
            self._local.store = st
        return st

    def engine(self) -> SearchEngine:
        """Return a search engine over this thread's store, caught up with it."""
        eng = SearchEngine(self.store(), self.backend, self._lock)
        eng.catch_up()
        return eng


class ErrorDetail(BaseModel):
    """What went wrong: the HTTP status, a stable machine-readable code and a message for people."""

    status: int
    code: str
    message: str


class ErrorBody(BaseModel):
    """The one JSON error shape every route answers with."""

    error: ErrorDetail

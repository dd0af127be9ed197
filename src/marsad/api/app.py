"""The HTTP API (FastAPI): thin routes over the store, the search engine and the ingest pipeline.

One JSON error shape everywhere: ``{"error": {"status", "code", "message"}}``. Reads carry ETags
(a hash of the body; ``If-None-Match`` gives 304). CORS is off (no CORS middleware: browsers keep
other origins out). Request bodies are capped. ``POST /api/ingest`` is off unless MARSAD_API_TOKEN is set.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
import time
from datetime import UTC, datetime
from importlib import resources
from typing import Annotated, Any

from fastapi import FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, model_validator
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marsad.api import queries
from marsad.ingest.fetch import FetchConfig, fetch_url
from marsad.ingest.files import iter_payload
from marsad.pipeline import ingest_documents
from marsad.search.engine import SearchEngine, open_backend
from marsad.settings import load_settings
from marsad.store import Store, open_store

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
    str | None, Query(pattern="^(PER|LOC|ORG|MISC)$", description="Only entities of this type.")
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


#: Error answers any route may give, declared once so the OpenAPI document lists them (and replaces
#: FastAPI's default 422 shape, which Marsad does not use).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (401, "Missing or wrong API token"),
        (403, "Ingest is off on this server"),
        (404, "No such resource"),
        (413, "Request body too large"),
        (422, "Invalid parameters or body"),
        (429, "Rate limited; see Retry-After"),
        (502, "A page to fetch could not be fetched"),
    )
}


class IngestBody(BaseModel):
    """What to ingest: a page, feed or JSON records posted inline (``content``), or a ``url`` to fetch."""

    uri: str | None = Field(
        default=None, min_length=1, max_length=2000,
        description="Where the posted content came from (URL or name); defaults to `url` when fetching.",
    )
    content: str | None = Field(
        default=None, min_length=1,
        description="The payload: a page (plain text or HTML), an RSS/Atom feed, or JSON article records.",
    )
    content_type: str = Field(default="text/plain", pattern=INGEST_TYPES)
    url: str | None = Field(
        default=None, min_length=8, max_length=2000, pattern=r"^https?://",
        description="An http(s) URL of a page or feed for the server to fetch (robots.txt respected).",
    )

    @model_validator(mode="after")
    def _one_source(self) -> IngestBody:
        if (self.content is None) == (self.url is None):
            raise ValueError("give exactly one of `content` or `url`")
        if self.content is not None and self.uri is None:
            raise ValueError("`uri` is required with `content`")
        return self


def create_app(db: str) -> FastAPI:
    """Build the application (API under /api, web UI at /) over the store at ``db``."""
    ctx = Context(db)
    app = FastAPI(
        title="Marsad API",
        version="1",
        description="Arabic news monitoring: articles, search, stories, entities, duplicates.",
        responses=ERROR_RESPONSES,
    )
    app.state.ctx = ctx
    app.add_middleware(BodyLimit)
    app.add_middleware(
        RateLimit, rate=float(ctx.settings["api_rate_limit"]), burst=int(ctx.settings["api_rate_burst"])
    )

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return JSONResponse(error_body(exc.status, exc.code, exc.message), status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(exc.status_code, code, str(exc.detail)), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = f"{where}: {first.get('msg', 'invalid request')}"
        return JSONResponse(error_body(422, "invalid_request", message), status_code=422)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:
        return JSONResponse(error_body(500, "internal", type(exc).__name__), status_code=500)

    @app.get("/api/articles", tags=["articles"], summary="List articles, newest first")
    def api_articles(request: Request, limit: Limit = 20, offset: Offset = 0, source: str | None = None) -> Response:
        return json_read(request, queries.list_articles(ctx.store(), limit, offset, source))

    @app.get("/api/articles/{article_id}", tags=["articles"], summary="One article with provenance")
    def api_article(request: Request, article_id: ArticleId) -> Response:
        art = queries.article(ctx.store(), article_id)
        if art is None:
            raise ApiError(404, "not_found", f"no article with id {article_id}")
        return json_read(request, art)

    @app.get("/api/articles/{article_id}/original", tags=["articles"], summary="The original page text and spans")
    def api_original(request: Request, article_id: ArticleId) -> Response:
        data = queries.original(ctx.store(), article_id)
        if data is None:
            raise ApiError(404, "not_found", f"no article with id {article_id}")
        return json_read(request, data)

    @app.get("/api/search", tags=["search"], summary="Arabic-aware full-text search")
    def api_search(
        request: Request,
        q: Annotated[str, Query(max_length=2000, description='words, "phrase", a OR b, -word, source:, entity:, story:, date:A..B')] = "",
        limit: Limit = 20,
        offset: Offset = 0,
        sort: Annotated[str, Query(pattern="^(relevance|recent)$")] = "relevance",
    ) -> Response:
        return json_read(request, ctx.engine().search(q, limit=limit, offset=offset, sort=sort).to_dict())

    @app.get("/api/rejections", tags=["rejections"], summary="Inputs not stored, with the reason")
    def api_rejections(request: Request, limit: Limit = 20, offset: Offset = 0) -> Response:
        return json_read(request, queries.rejections(ctx.store(), limit, offset))

    @app.get("/api/stories", tags=["stories"], summary="Stories by freshness and size")
    def api_stories(
        request: Request,
        limit: Limit = 20,
        offset: Offset = 0,
        day: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="Only stories with articles of this day.")] = None,
        sort: Annotated[str, Query(pattern="^(recent|size)$", description="recent or size (biggest first).")] = "recent",
    ) -> Response:
        return json_read(request, queries.list_stories(ctx.store(), limit, offset, day, sort))

    @app.get("/api/stories/{story_id}", tags=["stories"], summary="One story with its articles")
    def api_story(request: Request, story_id: StoryId) -> Response:
        data = queries.story(ctx.store(), story_id)
        if data is None:
            raise ApiError(404, "not_found", f"no story with id {story_id}")
        return json_read(request, data)

    @app.get("/api/articles/{article_id}/related", tags=["articles"], summary="Related articles, one per other story")
    def api_related(request: Request, article_id: ArticleId, k: RelatedK = queries.RELATED_K) -> Response:
        rows = queries.related(ctx.store(), article_id, k)
        if rows is None:
            raise ApiError(404, "not_found", f"no article with id {article_id}")
        return json_read(request, {"id": article_id, "items": rows})

    @app.get("/api/entities", tags=["entities"], summary="Entities, most mentioned first, with their spellings")
    def api_entities(request: Request, limit: Limit = 20, offset: Offset = 0, type: EntityType = None) -> Response:
        return json_read(request, queries.list_entities(ctx.store(), limit, offset, type))

    @app.get("/api/entities/{entity_id}", tags=["entities"], summary="One entity: timeline, co-occurring, articles, stories")
    def api_entity(request: Request, entity_id: EntityId) -> Response:
        data = queries.entity(ctx.store(), entity_id)
        if data is None:
            raise ApiError(404, "not_found", f"no entity with id {entity_id}")
        return json_read(request, data)

    @app.get("/api/duplicates", tags=["duplicates"], summary="Duplicate article pairs")
    def api_duplicates(request: Request, limit: Limit = 20, offset: Offset = 0) -> Response:
        return json_read(request, queries.list_duplicates(ctx.store(), limit, offset))

    @app.post("/api/ingest", tags=["ingest"], summary="Ingest a page, feed or records, posted or fetched from a URL (needs the API token)", status_code=201)
    def api_ingest(request: Request, body: IngestBody) -> Response:
        token = os.environ.get(TOKEN_ENV, "")
        if not token:
            raise ApiError(403, "ingest_disabled", f"ingest is off: set {TOKEN_ENV} on the server to enable it")
        scheme, _, given = request.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise ApiError(401, "unauthorized", "missing or wrong bearer token")
        when = datetime.now(UTC)
        if body.url is not None:
            fetched = fetch_url(body.url, FetchConfig.from_settings(ctx.settings))
            if not fetched.ok:
                raise ApiError(502, "fetch_failed", f"{body.url}: {fetched.error or fetched.status}")
            items = iter_payload(fetched.data, fetched.final_url, when, fetched.headers.get("content-type"), ctx.settings)
        else:
            assert body.content is not None and body.uri is not None  # checked by the model
            items = iter_payload(body.content.encode("utf-8"), body.uri, when,
                                 f"{body.content_type}; charset=utf-8", ctx.settings)
        report = ingest_documents(items, ctx.store(), ctx.settings)
        ctx.engine()  # index the new articles now
        out = report.to_dict()
        out["article_ids"] = report.article_ids
        return JSONResponse(out, status_code=201)

    from marsad.web.routes import register

    register(app, ctx)
    static = resources.files("marsad.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    return app

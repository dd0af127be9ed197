"""The JSON API (``/api/…``): thin routes over the core's read layer (``marsad.queries``), search and ingest.

One JSON error shape everywhere: ``{"error": {"status", "code", "message"}}``. Reads carry ETags
(a hash of the body; ``If-None-Match`` gives 304). ``POST /api/ingest`` is off unless
MARSAD_API_TOKEN is set.
"""

from __future__ import annotations

import hmac
import os
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, model_validator

from marsad import queries
from marsad.api.common import (
    INGEST_TYPES,
    TOKEN_ENV,
    ApiError,
    ArticleId,
    Context,
    EntityId,
    EntityType,
    ErrorBody,
    Limit,
    Offset,
    RelatedK,
    StoryId,
    json_read,
)
from marsad.ingest.fetch import FetchConfig, fetch_url
from marsad.ingest.files import iter_payload
from marsad.observatory import attention, brief, outlets, topics
from marsad.observatory.alerts import check_alerts
from marsad.pipeline import ingest_documents

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


def add_api(app: FastAPI, ctx: Context) -> None:
    """Add the /api routes to ``app``, over the context's store and search index."""
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

    @app.get("/api/attention", tags=["search"], summary="Articles per day matching each query, and their share of the day")
    def api_attention(
        request: Request,
        q: Annotated[list[str], Query(max_length=2000, description="One or more queries (repeat q).")],
        by: Annotated[str, Query(pattern="^(day|hour)$", description="day or hour (UTC).")] = "day",
        per_source: Annotated[bool, Query(description="One series per query and outlet, shares of the outlet's articles.")] = False,
    ) -> Response:
        if not 1 <= len(q) <= attention.ATTENTION_SERIES:
            raise ApiError(422, "invalid_request", f"give 1 to {attention.ATTENTION_SERIES} queries")
        return json_read(request, attention.attention(ctx.store(), ctx.engine(), q, by, per_source))

    @app.get("/api/stories/{story_id}/coverage", tags=["stories"], summary="Who covered a story, who was first, who copied whom")
    def api_story_coverage(request: Request, story_id: StoryId) -> Response:
        data = outlets.story_coverage(ctx.store(), story_id)
        if data is None:
            raise ApiError(404, "not_found", f"no story with id {story_id}")
        return json_read(request, data)

    @app.get("/api/topics", tags=["search"], summary="Top terms and entities of a search's best matches (stopwords and formulas left out)")
    def api_topics(
        request: Request,
        q: Annotated[str, Query(min_length=1, max_length=2000, description="Anything search takes.")],
        limit: Limit = topics.TOP_TERMS,
    ) -> Response:
        return json_read(request, topics.query_topics(ctx.store(), ctx.engine(), q, limit))

    @app.get("/api/stories/{story_id}/topics", tags=["stories"], summary="Top terms and entities of a story")
    def api_story_topics(request: Request, story_id: StoryId, limit: Limit = topics.TOP_TERMS) -> Response:
        data = topics.story_topics(ctx.store(), story_id, limit)
        if data is None:
            raise ApiError(404, "not_found", f"no story with id {story_id}")
        return json_read(request, data)

    @app.get("/api/brief", tags=["stories"], summary="One day's largest stories and rising entities")
    def api_brief(
        request: Request,
        day: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="The day; the latest by default.")] = None,
    ) -> Response:
        return json_read(request, brief.brief(ctx.store(), day))

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
    def api_entities(
        request: Request, limit: Limit = 20, offset: Offset = 0, type: EntityType = None,
        sort: Annotated[str, Query(pattern="^(mentions|articles|name)$", description="mentions, articles or name.")] = "mentions",
    ) -> Response:
        return json_read(request, queries.list_entities(ctx.store(), limit, offset, type, sort))

    @app.get("/api/sources", tags=["sources"], summary="Outlet profiles: Arabic name, volume, topics, how often first, how often copying")
    def api_sources(
        request: Request,
        sort: Annotated[str, Query(pattern=f"^({'|'.join(outlets.PROFILE_SORTS)})$", description="The order of the list.")] = "articles",
    ) -> Response:
        return json_read(request, {"items": outlets.source_profiles(ctx.store(), sort)})

    @app.get("/api/sources/{slug}", tags=["sources"], summary="One outlet's profile")
    def api_source(request: Request, slug: Annotated[str, Path(min_length=1, max_length=100)]) -> Response:
        data = outlets.source_profile(ctx.store(), slug)
        if data is None:
            raise ApiError(404, "not_found", f"no article of source {slug!r}")
        return json_read(request, data)

    @app.get("/api/matrix", tags=["sources"], summary="A day's outlet × story matrix: who covered which of the day's largest stories")
    def api_matrix(
        request: Request,
        day: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="The day; the latest by default.")] = None,
        limit: Limit = outlets.MATRIX_STORIES,
    ) -> Response:
        return json_read(request, outlets.day_matrix(ctx.store(), day, limit))

    @app.get("/api/alerts", tags=["alerts"], summary="Saved alerts and their latest firings")
    def api_alerts(request: Request, limit: Limit = 50) -> Response:
        store = ctx.store()
        return json_read(request, {"alerts": store.alerts(), "events": store.alert_events(limit=limit)})

    @app.get("/api/entities/{entity_id}", tags=["entities"], summary="One entity: timeline, co-occurring, articles, stories")
    def api_entity(request: Request, entity_id: EntityId) -> Response:
        data = queries.entity(ctx.store(), entity_id, ctx.engine())
        if data is None:
            raise ApiError(404, "not_found", f"no entity with id {entity_id}")
        return json_read(request, data)

    @app.get("/api/entities/{entity_id}/quotes", tags=["entities"], summary="What an entity said: its attributed statements, newest first")
    def api_entity_quotes(request: Request, entity_id: EntityId, limit: Limit = 20) -> Response:
        data = queries.entity_quotes(ctx.store(), entity_id, limit)
        if data is None:
            raise ApiError(404, "not_found", f"no entity with id {entity_id}")
        return json_read(request, {"entity": entity_id, "items": data})

    @app.get("/api/stories/{story_id}/quotes", tags=["stories"], summary="Who said what in a story: its linked speakers' statements, newest first")
    def api_story_quotes(request: Request, story_id: StoryId, limit: Limit = 20) -> Response:
        data = queries.story_quotes(ctx.store(), story_id, limit)
        if data is None:
            raise ApiError(404, "not_found", f"no story {story_id}")
        return json_read(request, {"story": story_id, "items": data})

    @app.get("/api/quotes", tags=["entities"], summary="Statements matching a search (any spelling or form), of everyone or of one entity")
    def api_quotes(
        request: Request,
        q: Annotated[str, Query(min_length=1, max_length=2000, description="What the statement or its speaker says.")],
        entity: Annotated[str | None, Query(max_length=200, description="Only this entity's statements.")] = None,
        limit: Limit = 20,
    ) -> Response:
        if entity is not None and queries.entity_quotes(ctx.store(), entity, 1) is None:
            raise ApiError(404, "not_found", f"no entity with id {entity}")
        return json_read(request, queries.search_quotes(ctx.store(), ctx.engine(), q, limit, entity))

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
        out = report.to_dict()
        out["alerts"] = check_alerts(ctx.store(), ctx.engine(), ctx.settings)  # the engine indexes the new articles first
        out["article_ids"] = report.article_ids
        return JSONResponse(out, status_code=201)


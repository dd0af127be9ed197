"""The HTTP server's application: the JSON API under /api and the web UI, over one store.

The composition root: the API (``marsad.api.app``) and the web pages (``marsad.web.routes``) are
added to one FastAPI application with the shared middleware and error handlers.
"""

from __future__ import annotations

import logging
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from marsad.api.app import ERROR_RESPONSES, add_api
from marsad.api.common import ApiError, BodyLimit, Context, RateLimit, error_body
from marsad.store.engines import redacted
from marsad.web.observe import register as register_observatory
from marsad.web.routes import register

log = logging.getLogger(__name__)


def create_app(db: str) -> FastAPI:
    """Build the application (API under /api, web UI at /) over the store at ``db``."""
    ctx = Context(db)
    log.info("serving the store %s", redacted(db))
    app = FastAPI(
        title="Marsad API",
        version="1",
        description="Arabic news monitoring: articles, search, stories, entities, duplicates.",
        responses=ERROR_RESPONSES,
    )
    app.state.ctx = ctx
    app.add_middleware(BodyLimit)
    app.add_middleware(
        RateLimit, rate=ctx.settings.api_rate_limit, burst=ctx.settings.api_rate_burst
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

    add_api(app, ctx)
    register(app, ctx)
    register_observatory(app, ctx)
    static = resources.files("marsad.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    return app

"""The observatory's pages: outlets (profiles), the outlet × story matrix of a day, and alerts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import FastAPI, Path, Request
from fastapi.responses import Response

from marsad.observatory import outlets
from marsad.web.routes import Day, not_found, render, wants_json

if TYPE_CHECKING:
    from marsad.api.common import Context

Slug = Annotated[str, Path(min_length=1, max_length=100)]
#: Firings listed on the alerts page.
ALERT_EVENTS = 50


def register(app: FastAPI, ctx: Context) -> None:
    """Add the observatory's pages to ``app``."""

    def sources_page(request: Request, suffix: bool) -> Response:
        data = {"items": outlets.source_profiles(ctx.store()), "profile_articles": outlets.PROFILE_ARTICLES}
        if wants_json(request, suffix):
            return render(request, "", data, True)
        return render(request, "sources.html", {**data, "title": "المصادر"}, False)

    @app.get("/sources.json", include_in_schema=False)
    def sources_json(request: Request) -> Response:
        return sources_page(request, True)

    @app.get("/sources", include_in_schema=False)
    def sources(request: Request) -> Response:
        return sources_page(request, False)

    def source_page(request: Request, slug: str, suffix: bool) -> Response:
        as_json = wants_json(request, suffix)
        data = outlets.source_profile(ctx.store(), slug)
        if data is None:
            return not_found(request, f"لا توجد أخبار للمصدر {slug}", as_json)
        if as_json:
            return render(request, "", data, True)
        return render(request, "sources.html", {"items": [data], "profile_articles": outlets.PROFILE_ARTICLES,
                                                "title": data["name"], "one": True}, False)

    @app.get("/sources/{slug}.json", include_in_schema=False)
    def source_json(request: Request, slug: Slug) -> Response:
        return source_page(request, slug, True)

    @app.get("/sources/{slug}", include_in_schema=False)
    def source(request: Request, slug: Slug) -> Response:
        return source_page(request, slug, False)

    def matrix_page(request: Request, day: str | None, suffix: bool) -> Response:
        data = outlets.day_matrix(ctx.store(), day)
        if wants_json(request, suffix):
            return render(request, "", data, True)
        return render(request, "matrix.html", {**data, "title": "المصادر والقصص"}, False)

    @app.get("/matrix.json", include_in_schema=False)
    def matrix_json(request: Request, day: Day = None) -> Response:
        return matrix_page(request, day, True)

    @app.get("/matrix", include_in_schema=False)
    def matrix(request: Request, day: Day = None) -> Response:
        return matrix_page(request, day, False)

    def alerts_page(request: Request, suffix: bool) -> Response:
        store = ctx.store()
        data = {"alerts": store.alerts(), "events": store.alert_events(limit=ALERT_EVENTS)}
        if wants_json(request, suffix):
            return render(request, "", data, True)
        return render(request, "alerts.html", {**data, "title": "التنبيهات"}, False)

    @app.get("/alerts.json", include_in_schema=False)
    def alerts_json(request: Request) -> Response:
        return alerts_page(request, True)

    @app.get("/alerts", include_in_schema=False)
    def alerts(request: Request) -> Response:
        return alerts_page(request, False)

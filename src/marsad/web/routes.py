"""The web UI: server-rendered Jinja2 pages (RTL Arabic); every page is also JSON (``.json`` or Accept)."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import FastAPI, Path, Query, Request
from fastapi.responses import Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from marsad.api import queries
from marsad.search.engine import highlight, segments
from marsad.search.query import parse_query

if TYPE_CHECKING:
    from marsad.api.app import Context

_TEMPLATES = resources.files("marsad.web").joinpath("templates")
_ENV = Environment(loader=FileSystemLoader(str(_TEMPLATES)), autoescape=select_autoescape(["html"]))
#: Largest id accepted in a path (SQLite INTEGER is signed 64-bit).
MAX_ID = 2**63 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
_ARABIC_MONTHS = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر")


def arabic_day(day: str | None) -> str:
    """Return ``2015-07-21`` as ``21 يوليو 2015`` (empty input gives 'بدون تاريخ')."""
    if not day or len(day) < 10 or not day[:4].isdigit():
        return "بدون تاريخ"
    try:
        y, m, d = int(day[:4]), int(day[5:7]), int(day[8:10])
        return f"{d} {_ARABIC_MONTHS[m - 1]} {y}"
    except (ValueError, IndexError):
        return day[:10]


_ENV.filters["arabic_day"] = arabic_day


def wants_json(request: Request, suffix: bool) -> bool:
    """Return True when the client asked for the JSON twin (``.json`` path or Accept header)."""
    if suffix:
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def render(request: Request, template: str, data: dict[str, Any], as_json: bool, status: int = 200) -> Response:
    """Return the page as HTML, or its data as JSON; both with an ETag."""
    from marsad.api.app import cached, json_bytes

    if as_json:
        return cached(request, json_bytes(data), "application/json", status)
    path = request.url.path.rstrip("/") or "/index"
    query = f"?{request.url.query}" if request.url.query else ""
    html = _ENV.get_template(template).render(json_href=f"{path}.json{query}", **data)
    return cached(request, html.encode("utf-8"), "text/html; charset=utf-8", status)


def not_found(request: Request, message: str, as_json: bool) -> Response:
    """Return the 404 page (or the JSON error shape)."""
    from marsad.api.app import error_body

    if as_json:
        return render(request, "", error_body(404, "not_found", message), True, 404)
    return render(request, "error.html", {"status": 404, "message": message, "title": "غير موجود"}, False, 404)


def _field_spans(art: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the article's paragraphs with their spans into the original page text."""
    spans = art.get("spans", {}).get("paragraphs", [])
    out = []
    for i, text in enumerate(art.get("paragraphs", [])):
        span = spans[i] if i < len(spans) else None
        out.append({"text": text, "span": span})
    return out


def register(app: FastAPI, ctx: Context) -> None:
    """Add the web pages to ``app``."""

    def home_page(request: Request, suffix: bool) -> Response:
        data = queries.home(ctx.store())
        data["title"] = "مرصد — آخر الأخبار"
        return render(request, "home.html", data, wants_json(request, suffix))

    @app.get("/", include_in_schema=False)
    def home(request: Request) -> Response:
        return home_page(request, False)

    @app.get("/index.json", include_in_schema=False)
    def home_json(request: Request) -> Response:
        return home_page(request, True)

    def article_page(request: Request, article_id: int, q: str, suffix: bool) -> Response:
        as_json = wants_json(request, suffix)
        art = queries.article(ctx.store(), article_id)
        if art is None:
            return not_found(request, f"لا يوجد خبر برقم {article_id}", as_json)
        if as_json:
            return render(request, "", art, True)
        clauses = parse_query(q).clauses() if q else []
        paragraphs = []
        for p in _field_spans(art):
            p["segments"] = segments(p["text"], highlight(p["text"], clauses)) if clauses else [{"text": p["text"], "hit": False}]
            paragraphs.append(p)
        tag_spans = art.get("spans", {}).get("tags", [])
        tags = [{"text": t, "span": tag_spans[i] if i < len(tag_spans) else None} for i, t in enumerate(art.get("tags", []))]
        data = {"article": art, "paragraphs": paragraphs, "tags": tags, "q": q, "title": art.get("title") or "خبر"}
        return render(request, "article.html", data, False)

    @app.get("/articles/{article_id}.json", include_in_schema=False)
    def article_json(request: Request, article_id: Id) -> Response:
        return article_page(request, article_id, "", True)

    @app.get("/articles/{article_id}", include_in_schema=False)
    def article(request: Request, article_id: Id, q: Annotated[str, Query(max_length=2000)] = "") -> Response:
        return article_page(request, article_id, q, False)

    def original_page(request: Request, article_id: int, start: int | None, end: int | None, suffix: bool) -> Response:
        as_json = wants_json(request, suffix)
        data = queries.original(ctx.store(), article_id)
        if data is None:
            return not_found(request, f"لا يوجد خبر برقم {article_id}", as_json)
        text = data["text"]
        ok = start is not None and end is not None and 0 <= start <= end <= len(text)
        data["mark"] = [start, end] if ok else None
        if as_json:
            return render(request, "", data, True)
        if ok:
            assert start is not None and end is not None
            parts = [{"text": text[:start], "hit": False}, {"text": text[start:end], "hit": True}, {"text": text[end:], "hit": False}]
        else:
            parts = [{"text": text, "hit": False}]
        data.update(parts=parts, title=f"النص الأصلي — {data.get('title') or article_id}")
        return render(request, "original.html", data, False)

    @app.get("/articles/{article_id}/original.json", include_in_schema=False)
    def original_json(request: Request, article_id: Id, start: int | None = None, end: int | None = None) -> Response:
        return original_page(request, article_id, start, end, True)

    @app.get("/articles/{article_id}/original", include_in_schema=False)
    def original(request: Request, article_id: Id, start: int | None = None, end: int | None = None) -> Response:
        return original_page(request, article_id, start, end, False)

    def search_page(request: Request, q: str, sort: str, offset: int, suffix: bool) -> Response:
        as_json = wants_json(request, suffix)
        result = ctx.engine().search(q, limit=20, offset=offset, sort=sort) if q.strip() else None
        data: dict[str, Any] = {"q": q, "sort": sort, "result": result.to_dict() if result else None}
        if as_json:
            return render(request, "", data, True)
        data["title"] = f"بحث: {q}" if q else "بحث"
        return render(request, "search.html", data, False)

    @app.get("/search.json", include_in_schema=False)
    def search_json(
        request: Request,
        q: Annotated[str, Query(max_length=2000)] = "",
        sort: Annotated[str, Query(pattern="^(relevance|recent)$")] = "relevance",
        offset: Annotated[int, Query(ge=0, le=10000)] = 0,
    ) -> Response:
        return search_page(request, q, sort, offset, True)

    @app.get("/search", include_in_schema=False)
    def search(
        request: Request,
        q: Annotated[str, Query(max_length=2000)] = "",
        sort: Annotated[str, Query(pattern="^(relevance|recent)$")] = "relevance",
        offset: Annotated[int, Query(ge=0, le=10000)] = 0,
    ) -> Response:
        return search_page(request, q, sort, offset, False)

    def story_page(request: Request, story_id: int, suffix: bool) -> Response:
        as_json = wants_json(request, suffix)
        data = queries.story(ctx.store(), story_id)
        if data is None:
            return not_found(request, f"لا توجد قصة برقم {story_id}", as_json)
        if as_json:
            return render(request, "", data, True)
        return render(request, "story.html", {"story": data, "title": data.get("title") or "قصة"}, False)

    @app.get("/stories/{story_id}.json", include_in_schema=False)
    def story_json(request: Request, story_id: Id) -> Response:
        return story_page(request, story_id, True)

    @app.get("/stories/{story_id}", include_in_schema=False)
    def story(request: Request, story_id: Id) -> Response:
        return story_page(request, story_id, False)

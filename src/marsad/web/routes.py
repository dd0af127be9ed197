"""The web UI: server-rendered Jinja2 pages (RTL Arabic); every page is also JSON (``.json`` or Accept)."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Path, Query, Request
from fastapi.responses import Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from marsad import queries
from marsad.ingest.outlets import outlet_name
from marsad.models import ENTITY_TYPES
from marsad.observatory import brief, outlets, topics
from marsad.observatory.attention import attention as attention_of
from marsad.ports import Store
from marsad.search.engine import highlight
from marsad.search.query import parse_query
from marsad.text.numbers import count_phrase
from marsad.web.highlights import article_entities, entity_segments, place_mentions

if TYPE_CHECKING:
    from marsad.api.common import Context

_TEMPLATES = resources.files("marsad.web").joinpath("templates")
_ENV = Environment(loader=FileSystemLoader(str(_TEMPLATES)), autoescape=select_autoescape(["html"]))
#: Largest id accepted in a path (SQLite INTEGER is signed 64-bit).
MAX_ID = 2**63 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
EntityId = Annotated[str, Path(min_length=1, max_length=200)]
EntityType = Annotated[str | None, Query(pattern=f"^({'|'.join(ENTITY_TYPES)})$")]
#: Entities per page of the entities index.
ENTITIES_PAGE = 60
#: Statements shown on a story's page.
STORY_QUOTES = 8
#: Statements shown on an entity's page.
ENTITY_QUOTES = 8
#: Arabic names of the entity types.
TYPE_NAMES = {"PER": "شخص", "LOC": "مكان", "ORG": "منظمة", "MISC": "أخرى"}
TYPE_PLURALS = {"PER": "أشخاص", "LOC": "أماكن", "ORG": "منظمات", "MISC": "أخرى"}
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


#: Query boxes on the attention page (and the queries it compares).
ATTENTION_BOXES = 4
#: The time unit of an attention page.
By = Annotated[str, Query(pattern="^(day|hour)$")]
#: A day in a query string.
Day = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")]


def entity_href(entity_id: str | None) -> str:
    """Return the entity page path of an id (``:`` kept readable, everything else quoted)."""
    return "/entities/" + quote(str(entity_id or ""), safe=":")


def http_href(url: str | None) -> str | None:
    """Return ``url`` when it may be a link (http or https), else None: a stored ``javascript:`` URL
    stays data, shown as text, never an ``href``."""
    if not url:
        return None
    scheme = urlsplit(url.strip()).scheme.lower()
    return url.strip() if scheme in ("http", "https") else None


_ENV.filters["arabic_day"] = arabic_day
_ENV.filters["http_href"] = http_href
_ENV.filters["entity_href"] = entity_href
_ENV.filters["type_ar"] = lambda t: TYPE_NAMES.get(str(t), str(t))
_ENV.filters["outlet"] = outlet_name
_ENV.filters["ar_count"] = lambda n, noun: count_phrase(int(n or 0), noun)
_ENV.globals["TYPE_PLURALS"] = TYPE_PLURALS


def wants_json(request: Request, suffix: bool) -> bool:
    """Return True when the client asked for the JSON twin (``.json`` path or Accept header)."""
    if suffix:
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def render(request: Request, template: str, data: dict[str, Any], as_json: bool, status: int = 200) -> Response:
    """Return the page as HTML, or its data as JSON; both with an ETag."""
    from marsad.api.common import cached, json_bytes

    if as_json:
        return cached(request, json_bytes(data), "application/json", status)
    path = request.url.path.rstrip("/") or "/index"
    query = f"?{request.url.query}" if request.url.query else ""
    html = _ENV.get_template(template).render(json_href=f"{path}.json{query}", **data)
    return cached(request, html.encode("utf-8"), "text/html; charset=utf-8", status)


def not_found(request: Request, message: str, as_json: bool) -> Response:
    """Return the 404 page (or the JSON error shape)."""
    from marsad.api.common import error_body

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


def article_view(store: Store, art: dict[str, Any], q: str) -> dict[str, Any]:
    """Return the article page's template data: title and paragraphs with entity links and query hits."""
    clauses = parse_query(q).clauses() if q else []
    mentions = art.get("entities") or []
    page_text = (store.page_text(int(art["page_id"])) or "") if mentions else ""
    spans = art.get("spans", {})

    def marked(text: str, span: Any) -> list[dict[str, Any]]:
        hits = highlight(text, clauses) if clauses else []
        return entity_segments(text, place_mentions(text, span, page_text, mentions), hits)

    paragraphs = []
    for p in _field_spans(art):
        p["segments"] = marked(p["text"], p["span"])
        paragraphs.append(p)
    title = art.get("title") or ""
    keywords = art.get("keywords") or []
    tag_entity = {str(k.get("text")): k.get("entity") for k in keywords if k.get("source") == "tag"}
    tag_spans = spans.get("tags", [])
    tags = [
        {"text": t, "span": tag_spans[i] if i < len(tag_spans) else None, "entity": tag_entity.get(t)}
        for i, t in enumerate(art.get("tags", []))
    ]
    return {
        "article": art,
        "title_segments": marked(title, spans.get("title")) if title else [],
        "paragraphs": paragraphs,
        "tags": tags,
        "keywords": [k for k in keywords if k.get("source") != "tag"],
        "entities": article_entities(mentions),
        "related": art.get("related", []),
        "q": q,
        "title": title or "خبر",
    }


#: Days a story may span and still be charted by the hour (a breaking event's first two days).
STORY_HOURLY_DAYS = 2


def story_chart(articles: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Return the story page's chart: its articles per day, or per UTC hour when it spans at most
    ``STORY_HOURLY_DAYS`` days, the first report's bucket included (None for an undated story)."""
    dates = sorted(str(a["date"]) for a in articles if a.get("date"))
    if not dates:
        return None
    hourly = len({d[:10] for d in dates}) <= STORY_HOURLY_DAYS
    counts: dict[str, int] = {}
    for d in dates:
        key = d[:13] if hourly else d[:10]
        counts[key] = counts.get(key, 0) + 1
    labels = [f"{arabic_day(k[:10])} {k[11:13]}:00" if hourly else arabic_day(k) for k in counts]
    return {"labels": labels, "values": list(counts.values()), "label": "الأخبار", "by": "hour" if hourly else "day"}


def register(app: FastAPI, ctx: Context) -> None:
    """Add the web pages to ``app``."""

    def home_page(request: Request, suffix: bool, day: str | None) -> Response:
        data = brief.home(ctx.store(), day)
        data["title"] = "مرصد — آخر الأخبار"
        return render(request, "home.html", data, wants_json(request, suffix))

    @app.get("/", include_in_schema=False)
    def home(request: Request, day: Day = None) -> Response:
        return home_page(request, False, day)

    @app.get("/index.json", include_in_schema=False)
    def home_json(request: Request, day: Day = None) -> Response:
        return home_page(request, True, day)

    def article_page(request: Request, article_id: int, q: str, suffix: bool) -> Response:
        as_json = wants_json(request, suffix)
        store = ctx.store()
        art = queries.article(store, article_id)
        if art is None:
            return not_found(request, f"لا يوجد خبر برقم {article_id}", as_json)
        art["related"] = queries.related(store, article_id) or []
        if as_json:
            # The page's "in this article" list as data: one row per entity, every mention's span.
            art["entity_summary"] = article_entities(art.get("entities") or [])
            return render(request, "", art, True)
        return render(request, "article.html", article_view(store, art, q), False)

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
        data["terms"] = topics.query_topics(ctx.store(), ctx.engine(), q)["terms"] if result and result.total else []
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

    def attention_page(request: Request, q: list[str], by: str, per_source: bool, suffix: bool) -> Response:
        as_json = wants_json(request, suffix)
        terms = [t for t in q if t.strip()][:ATTENTION_BOXES]
        data: dict[str, Any] = {"q": terms, **(attention_of(ctx.store(), ctx.engine(), terms, by, per_source) if terms else
                                                {"by": by, "days": [], "buckets": [], "series": []})}
        if as_json:
            return render(request, "", data, True)
        data["title"] = "الاهتمام: " + "، ".join(terms) if terms else "الاهتمام"
        data["terms"], data["q"] = terms, ""  # ``q`` is the header's search box
        data["boxes"], data["per_source"] = ATTENTION_BOXES, per_source
        labels = [arabic_day(b) if by == "day" else f"{arabic_day(b[:10])} {b[11:13]}:00" for b in data["buckets"]]
        data["labels"] = labels
        data["chart"] = {"labels": labels, "series": [
            {"label": s["query"] + (f" — {s['name']}" if s.get("name") else ""), "values": [p["count"] for p in s["points"]]}
            for s in data["series"]]}
        return render(request, "attention.html", data, False)

    @app.get("/attention.json", include_in_schema=False)
    def attention_json(request: Request, q: Annotated[list[str], Query(max_length=2000)] = [],  # noqa: B006
                       by: By = "day", per_source: bool = False) -> Response:
        return attention_page(request, q, by, per_source, True)

    @app.get("/attention", include_in_schema=False)
    def attention(request: Request, q: Annotated[list[str], Query(max_length=2000)] = [],  # noqa: B006
                  by: By = "day", per_source: bool = False) -> Response:
        return attention_page(request, q, by, per_source, False)

    def story_page(request: Request, story_id: int, suffix: bool) -> Response:
        as_json = wants_json(request, suffix)
        data = queries.story(ctx.store(), story_id)
        if data is None:
            return not_found(request, f"لا توجد قصة برقم {story_id}", as_json)
        if as_json:
            return render(request, "", data, True)
        by_source: dict[str, list[dict[str, Any]]] = {}
        for a in data["articles"]:
            by_source.setdefault(a.get("source") or "", []).append(a)
        view = {"story": data, "by_source": by_source, "title": data.get("title") or "قصة",
                "coverage": outlets.story_coverage(ctx.store(), story_id),
                "terms": (topics.story_topics(ctx.store(), story_id) or {}).get("terms", []),
                "chart": story_chart(data["articles"]),
                "quotes": queries.story_quotes(ctx.store(), story_id, STORY_QUOTES) or []}
        return render(request, "story.html", view, False)

    @app.get("/stories/{story_id}.json", include_in_schema=False)
    def story_json(request: Request, story_id: Id) -> Response:
        return story_page(request, story_id, True)

    @app.get("/stories/{story_id}", include_in_schema=False)
    def story(request: Request, story_id: Id) -> Response:
        return story_page(request, story_id, False)

    def entities_page(request: Request, type: str | None, offset: int, suffix: bool) -> Response:
        as_json = wants_json(request, suffix)
        data = queries.list_entities(ctx.store(), ENTITIES_PAGE, offset, type)
        data["type"] = type
        if as_json:
            return render(request, "", data, True)
        data["title"] = f"الكيانات — {TYPE_PLURALS[type]}" if type else "الكيانات"
        return render(request, "entities.html", data, False)

    @app.get("/entities.json", include_in_schema=False)
    def entities_json(
        request: Request, type: EntityType = None, offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0
    ) -> Response:
        return entities_page(request, type, offset, True)

    @app.get("/entities", include_in_schema=False)
    def entities(
        request: Request, type: EntityType = None, offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0
    ) -> Response:
        return entities_page(request, type, offset, False)

    def entity_page(request: Request, entity_id: str, suffix: bool) -> Response:
        as_json = wants_json(request, suffix)
        data = queries.entity(ctx.store(), entity_id, ctx.engine())
        if data is None:
            return not_found(request, f"لا يوجد كيان بالمعرّف {entity_id}", as_json)
        if as_json:
            return render(request, "", data, True)
        chart = {
            "labels": [arabic_day(t["date"]) for t in data["timeline"]],
            "values": [t["mentions"] for t in data["timeline"]],
            "label": "الإشارات",
        }
        quotes = queries.entity_quotes(ctx.store(), entity_id, ENTITY_QUOTES) or []
        view = {"entity": data, "chart": chart, "title": data["name"], "quotes": quotes}
        return render(request, "entity.html", view, False)

    # The .json twin first: "{entity_id}" alone would also match "id.json".
    @app.get("/entities/{entity_id}.json", include_in_schema=False)
    def entity_json(request: Request, entity_id: EntityId) -> Response:
        return entity_page(request, entity_id, True)

    @app.get("/entities/{entity_id}", include_in_schema=False)
    def entity(request: Request, entity_id: EntityId) -> Response:
        return entity_page(request, entity_id, False)

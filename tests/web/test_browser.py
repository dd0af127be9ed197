"""The web UI in real headless Chromium (Debian's): home, a story, an article, an entity (its Chart.js timeline),
variant-spelling searches, the original text; every page RTL Arabic.

Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.live import build_store, live_server

CHROMIUM = os.environ.get("MARSAD_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
#: Flags for a sandboxed CI container: no GPU, no network services of Chromium's own.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not Path(CHROMIUM).exists():
    pytest.skip(f"Chromium not found at {CHROMIUM}: install Debian chromium (make test does)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = build_store(tmp_path_factory.mktemp("web"))
    with live_server(db) as url:
        yield url


@pytest.fixture(scope="module")
def page(base: str) -> Iterator[object]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ar")
        yield pg
        browser.close()


def _is_rtl_arabic(pg: object) -> None:
    html = pg.locator("html")  # type: ignore[attr-defined]
    assert html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "ar"
    direction = pg.evaluate("getComputedStyle(document.body).direction")  # type: ignore[attr-defined]
    assert direction == "rtl"
    text = pg.inner_text("main")  # type: ignore[attr-defined]
    assert sum(1 for c in text if "\u0600" <= c <= "\u06ff") > 50


def test_home_article_search(page: object, base: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg = page
    pg.goto(base + "/")  # type: ignore[attr-defined]
    _is_rtl_arabic(pg)
    assert "آخر الأخبار" in pg.inner_text("h1")  # type: ignore[attr-defined]
    pg.screenshot(path=str(SHOTS / "home.png"), full_page=False)  # type: ignore[attr-defined]

    pg.locator("a.headline").first.click()  # type: ignore[attr-defined]
    pg.wait_for_url("**/articles/*")  # type: ignore[attr-defined]
    _is_rtl_arabic(pg)
    assert pg.locator(".article-body p").count() >= 1  # type: ignore[attr-defined]

    # Search the Levantine spelling; the Persian-keyboard spelling must come back highlighted.
    pg.fill("header input[name=q]", "بيونغ يانغ")  # type: ignore[attr-defined]
    pg.press("header input[name=q]", "Enter")  # type: ignore[attr-defined]
    pg.wait_for_selector(".hit")  # type: ignore[attr-defined]
    _is_rtl_arabic(pg)
    marks = set(pg.locator(".hit mark").all_inner_texts())  # type: ignore[attr-defined]
    assert {"پيونگ", "بيونغ"} <= marks
    assert pg.locator(".facets li").count() >= 1  # type: ignore[attr-defined]
    pg.screenshot(path=str(SHOTS / "search.png"), full_page=False)  # type: ignore[attr-defined]

    # From a hit to the article with the query highlighted, then to the original text span.
    pg.locator(".hit a.headline").first.click()  # type: ignore[attr-defined]
    pg.wait_for_url("**/articles/*")  # type: ignore[attr-defined]
    assert pg.locator(".article-body mark").count() >= 1  # type: ignore[attr-defined]
    pg.locator(".span-link").first.click()  # type: ignore[attr-defined]
    pg.wait_for_url("**/original*")  # type: ignore[attr-defined]
    assert pg.locator("mark#span").count() == 1  # type: ignore[attr-defined]
    pg.screenshot(path=str(SHOTS / "original.png"), full_page=False)  # type: ignore[attr-defined]


def _chart_drawn(pg: object, chart: str = "timeline-chart") -> int:
    """Wait for Chart.js to draw a chart (the entity timeline by default); return how many canvas pixels are painted."""
    pg.wait_for_function(  # type: ignore[attr-defined]
        f"() => {{ const c = document.getElementById('{chart}');"
        " return !!(c && window.Chart && window.Chart.getChart(c) && c.dataset.drawn === '1'); }",
        timeout=10_000,
    )
    painted: int = pg.evaluate(  # type: ignore[attr-defined]
        f"() => {{ const c = document.getElementById('{chart}'); const d = c.getContext('2d')"
        ".getImageData(0, 0, c.width, c.height).data; let n = 0;"
        " for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"
    )
    return painted


def test_attention_chart_compares_queries(page: object, base: str) -> None:
    """The attention page draws one bar series per query in Chromium, with a legend; screenshot kept."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg = page
    pg.goto(base + "/attention?q=إيران&q=السعودية")  # type: ignore[attr-defined]
    assert pg.evaluate("getComputedStyle(document.body).direction") == "rtl"  # type: ignore[attr-defined]
    assert _chart_drawn(pg, "attention-chart") > 100
    series = pg.evaluate("() => window.Chart.getChart(document.getElementById('attention-chart')).data.datasets.length")  # type: ignore[attr-defined]
    assert series == 2
    assert pg.locator(".attention-table tbody tr").count() >= 1  # type: ignore[attr-defined]
    pg.screenshot(path=str(SHOTS / "attention.png"), full_page=False)  # type: ignore[attr-defined]


def test_story_article_entity_search(page: object, base: str) -> None:
    from urllib.parse import unquote

    import httpx

    SHOTS.mkdir(parents=True, exist_ok=True)
    pg = page
    stories = httpx.get(base + "/api/stories", params={"limit": 100}).json()["items"]
    biggest = max(stories, key=lambda s: (s["size"], -s["id"]))
    assert biggest["size"] >= 2

    # Home → the biggest story (listed under today's stories).
    pg.goto(base + "/")  # type: ignore[attr-defined]
    pg.locator(f'.story-list a[href="/stories/{biggest["id"]}"]').click()  # type: ignore[attr-defined]
    pg.wait_for_url(f"**/stories/{biggest['id']}")  # type: ignore[attr-defined]
    _is_rtl_arabic(pg)
    assert pg.locator(".timeline a.headline").count() == biggest["size"]  # type: ignore[attr-defined]
    assert pg.locator(".story-entities a.chip").count() >= 1  # type: ignore[attr-defined]
    pg.screenshot(path=str(SHOTS / "story.png"), full_page=False)  # type: ignore[attr-defined]

    # Story → its article with the most entity highlights.
    counts: dict[str, int] = {}
    for link in pg.locator(".timeline a.headline").all():  # type: ignore[attr-defined]
        href = link.get_attribute("href")
        counts[href] = httpx.get(base + href).text.count('class="ent ')
    best = max(counts, key=lambda h: counts[h])
    pg.locator(f'.timeline a.headline[href="{best}"]').click()  # type: ignore[attr-defined]
    pg.wait_for_url("**" + best)  # type: ignore[attr-defined]
    _is_rtl_arabic(pg)
    highlights = pg.locator(".article-body a.ent")  # type: ignore[attr-defined]
    assert highlights.count() >= 1
    pg.screenshot(path=str(SHOTS / "article.png"), full_page=False)  # type: ignore[attr-defined]

    # Article → click an entity highlight → the entity page with its mentions-per-day chart.
    first = highlights.first
    entity_id = first.get_attribute("data-entity")
    spelling = first.inner_text()
    first.click()
    pg.wait_for_url("**/entities/**")  # type: ignore[attr-defined]
    _is_rtl_arabic(pg)
    assert unquote(pg.url).endswith(f"/entities/{entity_id}")  # type: ignore[attr-defined]
    assert spelling in pg.inner_text(".forms")  # type: ignore[attr-defined]
    assert _chart_drawn(pg) > 100
    # Loaded directly (not through htmx), the chart is drawn too: Iran, mentioned on two days.
    pg.goto(base + "/entities/iso3166:IR")  # type: ignore[attr-defined]
    _is_rtl_arabic(pg)
    assert _chart_drawn(pg) > 100
    assert pg.locator(".cooccurring a.chip").count() >= 3  # type: ignore[attr-defined]
    pg.screenshot(path=str(SHOTS / "entity.png"), full_page=False)  # type: ignore[attr-defined]

    # A search with the Egyptian spelling finds the Levantine and Persian-keyboard spellings.
    pg.fill("header input[name=q]", "بيونج يانج")  # type: ignore[attr-defined]
    pg.press("header input[name=q]", "Enter")  # type: ignore[attr-defined]
    pg.wait_for_url("**/search?q=*")  # type: ignore[attr-defined]
    pg.wait_for_selector(".hit")  # type: ignore[attr-defined]
    _is_rtl_arabic(pg)
    marks = set(pg.locator(".hit mark").all_inner_texts())  # type: ignore[attr-defined]
    assert {"پيونگ", "بيونغ"} <= marks


def test_json_twins(base: str) -> None:
    import httpx

    for path in ("/", "/articles/1", "/search?q=%D9%83%D9%88%D8%B1%D9%8A%D8%A7"):
        html = httpx.get(base + path)
        assert html.headers["content-type"].startswith("text/html")
        j = httpx.get(base + path, headers={"Accept": "application/json"})
        assert j.headers["content-type"].startswith("application/json")
        suffix_path = "/index.json" if path == "/" else path.replace("?", ".json?") if "?" in path else path + ".json"
        assert httpx.get(base + suffix_path).json() == j.json()


def test_brief_coverage_and_quotes_pages(page: object, base: str) -> None:
    """The observatory pages in Chromium (issue 17): the daily brief, a story's coverage and an
    entity's statements render in Arabic RTL; screenshots kept."""
    import httpx

    SHOTS.mkdir(parents=True, exist_ok=True)
    pg = page
    brief = httpx.get(base + "/api/brief").json()
    pg.goto(base + f"/?day={brief['day']}")  # type: ignore[attr-defined]
    _is_rtl_arabic(pg)
    assert pg.locator(".story-list li").count() >= 1  # type: ignore[attr-defined]
    pg.screenshot(path=str(SHOTS / "brief.png"), full_page=False)  # type: ignore[attr-defined]

    stories = httpx.get(base + "/api/stories", params={"limit": 100, "sort": "size"}).json()["items"]
    covered = next(s for s in stories
                   if (c := httpx.get(base + f"/api/stories/{s['id']}/coverage").json()).get("missing") or c.get("copies"))
    pg.goto(base + f"/stories/{covered['id']}")  # type: ignore[attr-defined]
    _is_rtl_arabic(pg)
    assert _chart_drawn(pg, "story-chart") > 0, "the story's articles per day or hour are drawn"
    section = pg.locator("section.coverage")  # type: ignore[attr-defined]
    assert section.count() == 1 and "التغطية" in section.inner_text()
    section.scroll_into_view_if_needed()
    pg.screenshot(path=str(SHOTS / "coverage.png"), full_page=False)  # type: ignore[attr-defined]

    people = httpx.get(base + "/api/entities", params={"limit": 100}).json()["items"]
    speaker = next(e for e in people if httpx.get(base + f"/api/entities/{e['id']}/quotes").json()["items"])
    pg.goto(base + f"/entities/{speaker['id']}")  # type: ignore[attr-defined]
    _is_rtl_arabic(pg)
    quotes = pg.locator(".entity-quotes blockquote")  # type: ignore[attr-defined]
    assert quotes.count() >= 1
    pg.locator(".entity-quotes").scroll_into_view_if_needed()  # type: ignore[attr-defined]
    pg.screenshot(path=str(SHOTS / "quotes.png"), full_page=False)  # type: ignore[attr-defined]


def test_outlets_matrix_and_alerts_pages(page: object, base: str) -> None:
    """Outlet profiles, the day's outlet × story matrix and the alerts list render in Chromium, RTL,
    with the figures the API gives (issue 17); screenshots kept."""
    import httpx

    pg = page
    profiles = httpx.get(base + "/api/sources").json()["items"]
    pg.goto(base + "/sources")  # type: ignore[attr-defined]
    _is_rtl_arabic(pg)
    rows = pg.locator(".profile-table tbody tr")  # type: ignore[attr-defined]
    assert rows.count() == len(profiles)
    assert profiles[0]["name"] in rows.first.inner_text()
    pg.screenshot(path=str(SHOTS / "sources.png"), full_page=False)  # type: ignore[attr-defined]

    matrix = httpx.get(base + "/api/matrix").json()
    pg.goto(base + "/matrix")  # type: ignore[attr-defined]
    _is_rtl_arabic(pg)
    assert pg.locator(".matrix-table tbody tr").count() == len(matrix["stories"])  # type: ignore[attr-defined]
    assert pg.locator(".matrix-table thead th").count() == len(matrix["outlets"]) + 2  # type: ignore[attr-defined]
    firsts = sum(c["first"] for s in matrix["stories"] for c in s["cells"].values())
    assert pg.locator(".matrix-table td.first").count() == firsts  # type: ignore[attr-defined]
    pg.screenshot(path=str(SHOTS / "matrix.png"), full_page=False)  # type: ignore[attr-defined]

    pg.goto(base + "/alerts")  # type: ignore[attr-defined]
    assert pg.locator("html").get_attribute("dir") == "rtl"  # type: ignore[attr-defined]
    assert "marsad alerts add" in pg.inner_text("main")  # type: ignore[attr-defined]

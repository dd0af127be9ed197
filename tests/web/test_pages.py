"""The web pages over real HTTP (no browser): entity highlights, entity and entities pages, story entities,
related articles, escaping of hostile article text, and a JSON twin for every HTML route."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

from marsad.pipeline import ingest_paths
from marsad.settings import load_settings
from marsad.store import open_store
from marsad.web.highlights import align, article_entities, entity_segments, place_mentions
from tests.api.live import build_store, live_server

#: An article whose title and body carry markup as text; إيران inside <b> is also an entity mention.
HOSTILE_PAGE = (
    "وزير الخارجية في الرياض <script>alert('x')</script> يلتقي نظيره\n\n"
    "قال وزير الخارجية السعودي في الرياض اليوم إن <script>alert(1)</script> المحادثات مع <b>إيران</b>"
    " كانت صريحة ومثمرة، وإن المملكة العربية السعودية تدعم الحل السياسي في اليمن.\n\n"
    "وأضاف أن الاجتماع المقبل سيعقد في جدة الشهر القادم بحضور ممثلين عن الأمم المتحدة وعدد من الدول.\n"
)


class Links(HTMLParser):
    """Collect ``<a>`` elements with a given class: their href and text; and the <html> attributes."""

    def __init__(self, cls: str) -> None:
        super().__init__()
        self.cls = cls
        self.links: list[dict[str, str]] = []
        self.html_attrs: dict[str, str] = {}
        self._open: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.html_attrs = a
        if tag == "a" and self.cls in a.get("class", "").split():
            self._open = {"href": a.get("href", ""), "text": ""}

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            self.links.append(self._open)
            self._open = None


def links(html: str, cls: str) -> Links:
    parser = Links(cls)
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pages")
    path = build_store(folder)
    hostile = folder / "hostile.txt"
    hostile.write_text(HOSTILE_PAGE, encoding="utf-8")
    store = open_store(str(path))
    try:
        ingest_paths([str(hostile)], store, load_settings({"db": str(path)}))
    finally:
        store.close()
    return path


@pytest.fixture(scope="module")
def http(db: Path) -> Iterator[httpx.Client]:
    """A client of a live server over the store (one client: no TLS context per request)."""
    with live_server(db) as url, httpx.Client(base_url=url) as client:
        yield client


@pytest.fixture(scope="module")
def seed(http: httpx.Client) -> int:
    """The first article of the seed page (the one about the Kim–Putin meeting)."""
    items = http.get("/api/articles", params={"limit": 100}).json()["items"]
    uri = {a["id"]: http.get(f"/api/articles/{a['id']}").json()["provenance"]["page_uri"] for a in items}
    return int(min(i for i, u in uri.items() if u.endswith("seed-kim-putin.txt")))


def _article_id(http: httpx.Client, title_part: str) -> int:
    items = http.get("/api/articles", params={"limit": 100}).json()["items"]
    return int(next(a["id"] for a in items if title_part in (a["title"] or "")))


# -- the highlight functions -----------------------------------------------------------------------


def test_align_maps_folded_whitespace() -> None:
    src, dst = "في\u00a0 الرياض  اليوم", "في الرياض اليوم"
    m = align(src, dst)
    assert len(m) == len(src) + 1
    s = src.index("الرياض")
    assert dst[m[s] : m[s + len("الرياض")]] == "الرياض"


def test_mentions_placed_on_clean_text_and_text_kept(db: Path) -> None:
    """Every mention inside the title or a paragraph is linked at its own words; no text is lost."""
    store = open_store(str(db))
    try:
        total = placed_total = 0
        for row in store.iter_articles():
            art = store.article(int(row["id"]))
            assert art is not None
            page_text = store.page_text(int(art["page_id"])) or ""
            mentions = art["entities"]
            fields = [(art.get("title") or "", art["spans"].get("title"))]
            fields += list(zip(art["paragraphs"], art["spans"]["paragraphs"], strict=False))
            for text, span in fields:
                if not span:
                    continue
                placed = place_mentions(text, span, page_text, mentions)
                for start, end, m in placed:
                    assert text[start:end] == m["text"]
                segs = entity_segments(text, placed, [(0, 2)])
                assert "".join(p["text"] for s in segs for p in s["parts"]) == text
                total += sum(1 for m in mentions if span[0] <= m["start"] and m["end"] <= span[1])
                placed_total += len(placed)
            ents = article_entities(mentions)
            assert sum(e["count"] for e in ents) == len([m for m in mentions if m.get("id")])
        assert total > 500 and placed_total == total
    finally:
        store.close()


# -- pages -----------------------------------------------------------------------------------------


def test_article_links_mentions_to_entity_pages(http: httpx.Client, seed: int) -> None:
    html = http.get(f"/articles/{seed}").text
    ents = links(html, "ent").links
    assert len(ents) >= 20
    texts = {e["text"] for e in ents}
    assert {"كيم جونج أون", "كوريا الشمالية", "بيونغ يانغ"} <= texts
    assert all(e["href"].startswith("/entities/") for e in ents)
    # The Levantine spelling in the text links to the one entity of every spelling.
    pyongyang = next(e["href"] for e in ents if e["text"] == "بيونغ يانغ")
    entity = http.get(pyongyang)
    assert entity.status_code == 200 and "بيونج يانج" in entity.text
    # Tags link to their entities; keywords are there; the first mention of each entity links to the original.
    tags = links(html, "tag").links
    assert any(t["href"].startswith("/entities/") for t in tags)
    assert "article-entities" in html and "keywords" in html
    assert re.search(r'href="/articles/\d+/original\?start=\d+&(amp;)?end=\d+"', html)
    # Every mention of an entity (not only the first) links to its characters in the original page,
    # and each of those spans holds the mention's text.
    mentions = http.get(f"/articles/{seed}.json").json()["entities"]
    original = http.get(f"/articles/{seed}/original.json").json()["text"]
    putin = [m for m in mentions if "بوتين" in m["name"]]
    assert len(putin) >= 3
    # The JSON twin also carries the page's per-entity list, each with every mention's span.
    summary = http.get(f"/articles/{seed}.json").json()["entity_summary"]
    row = next(e for e in summary if e["id"] == putin[0]["id"])
    assert row["count"] == len(row["spans"]) == len(putin)
    for m in mentions:
        assert original[m["start"] : m["end"]] == m["text"]
        assert f"start={m['start']}&amp;end={m['end']}" in html or f"start={m['start']}&end={m['end']}" in html


def test_article_query_hits_inside_entity_links(http: httpx.Client, seed: int) -> None:
    html = http.get(f"/articles/{seed}", params={"q": "بوتين"}).text
    assert re.search(r'<a class="ent ent-per"[^>]*><mark>بوتين</mark></a>', html)


def test_hostile_article_text_is_escaped(http: httpx.Client) -> None:
    aid = _article_id(http, "يلتقي نظيره")
    r = http.get(f"/articles/{aid}")
    assert r.status_code == 200
    html = r.text
    assert "<script>alert" not in html and "<b>إيران" not in html
    assert "&lt;script&gt;alert(" in html and "&lt;b&gt;" in html
    # The mention inside the escaped markup is still linked.
    assert "إيران" in {e["text"] for e in links(html, "ent").links}
    data = http.get(f"/articles/{aid}.json").json()
    assert "<script>alert('x')</script>" in data["title"]
    for path in ("/", f"/stories/{data['story']['id']}", "/entities/iso3166:IR"):
        assert "<script>alert" not in http.get(path).text
    found = http.get("/search", params={"q": "يلتقي نظيره"}).text
    assert "&lt;script&gt;" in found and "<script>alert" not in found


def test_entity_page(http: httpx.Client) -> None:
    r = http.get("/entities/iso3166:KP")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = links(r.text, "chip")
    assert page.html_attrs.get("dir") == "rtl" and page.html_attrs.get("lang") == "ar"
    assert "<h1>كوريا الشمالية</h1>" in r.text
    assert 'id="timeline-chart"' in r.text and "data-chart=" in r.text
    assert "/static/marsad.js" in r.text and "الكوري الشمالي" in r.text  # a spelling
    co = [a["href"] for a in page.links]
    assert co and all(h.startswith("/entities/") for h in co) and "/entities/iso3166:KP" not in co
    assert re.search(r'href="/stories/\d+"', r.text) and re.search(r'href="/articles/\d+"', r.text)
    data = http.get("/entities/iso3166:KP.json").json()
    assert data["id"] == "iso3166:KP" and sum(t["mentions"] for t in data["timeline"]) == data["mentions"]
    assert data["stories"] and data["articles"]


def test_entity_not_found(http: httpx.Client) -> None:
    r = http.get("/entities/no-such-entity")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    j = http.get("/entities/no-such-entity.json")
    assert j.status_code == 404 and set(j.json()) == {"error"}


def test_entities_index(http: httpx.Client) -> None:
    html = http.get("/entities", params={"type": "PER"}).text
    people = links(html, "ent-link").links
    assert people and all(a["href"].startswith("/entities/") for a in people)
    data = http.get("/entities.json", params={"type": "PER"}).json()
    assert {e["type"] for e in data["items"]} == {"PER"} and data["total"] >= len(data["items"])
    assert http.get("/entities", params={"type": "bogus"}).status_code == 422
    everything = http.get("/entities.json").json()
    assert everything["total"] > data["total"] and everything["next_offset"] == len(everything["items"])


def test_story_page_lists_entities(http: httpx.Client) -> None:
    stories = http.get("/api/stories", params={"limit": 100}).json()["items"]
    biggest = max(stories, key=lambda s: s["size"])
    html = http.get(f"/stories/{biggest['id']}").text
    assert "story-entities" in html and links(html, "chip").links
    data = http.get(f"/stories/{biggest['id']}.json").json()
    assert data["entities"] and len(data["articles"]) == data["size"]


def test_related_articles_one_per_story(http: httpx.Client, seed: int) -> None:
    data = http.get(f"/articles/{seed}.json").json()
    related = data["related"]
    assert related
    stories = [r["story"] for r in related]
    assert len(stories) == len(set(stories)) and data["story"]["id"] not in stories
    assert seed not in {r["id"] for r in related}
    html = http.get(f"/articles/{seed}").text
    assert 'class="related"' in html and f'href="/articles/{related[0]["id"]}"' in html


def test_every_html_route_has_a_json_twin(http: httpx.Client, seed: int) -> None:
    story = http.get("/api/stories").json()["items"][0]["id"]
    pages = {
        "/": "/index.json",
        f"/articles/{seed}": f"/articles/{seed}.json",
        f"/articles/{seed}/original?start=0&end=5": f"/articles/{seed}/original.json?start=0&end=5",
        "/search?q=%D9%83%D9%88%D8%B1%D9%8A%D8%A7": "/search.json?q=%D9%83%D9%88%D8%B1%D9%8A%D8%A7",
        f"/stories/{story}": f"/stories/{story}.json",
        "/entities?type=LOC": "/entities.json?type=LOC",
        "/entities/iso3166:KP": "/entities/iso3166:KP.json",
    }
    for html_path, json_path in pages.items():
        html = http.get(html_path)
        assert html.status_code == 200 and html.headers["content-type"].startswith("text/html"), html_path
        assert f'href="{json_path}"'.replace("&", "&amp;") in html.text, html_path
        by_accept = http.get(html_path, headers={"Accept": "application/json"})
        assert by_accept.headers["content-type"].startswith("application/json"), html_path
        body: Any = http.get(json_path).json()
        assert body == by_accept.json(), html_path


def test_home_ranks_stories_by_freshness_then_size_with_sources(http: httpx.Client) -> None:
    stories = http.get("/index.json").json()["stories"]
    assert len(stories) >= 5
    keys = [((s["last_seen"] or "")[:10], s["size"]) for s in stories]
    assert keys == sorted(keys, key=lambda k: (k[0], k[1]), reverse=True)
    # Each story lists the sources that carried it, as many as its articles at most.
    assert all(1 <= len(s["sources"]) <= s["size"] for s in stories)
    assert any(len(s["sources"]) > 1 for s in stories)


def test_home_moves_between_days(http: httpx.Client) -> None:
    """The home page is one day's brief: the latest by default, any day by ?day=, with its neighbours."""
    latest = http.get("/index.json").json()
    assert latest["day"] and "previous_day" in latest and "next_day" in latest and "rising" in latest
    same = http.get("/index.json", params={"day": latest["day"]}).json()
    assert same["day"] == latest["day"] and same["stories"] == latest["stories"]
    page = http.get("/", params={"day": latest["day"]})
    assert page.status_code == 200 and 'class="day-nav"' in page.text
    assert http.get("/", params={"day": "not-a-day"}).status_code == 422


def test_attention_page_and_its_json_twin(http: httpx.Client) -> None:
    """/attention compares queries per day: a chart with one series per query, the numbers as a table,
    and the same data as JSON."""
    params = [("q", "إيران"), ("q", "السعودية")]
    data = http.get("/attention.json", params=params).json()
    assert data["q"] == ["إيران", "السعودية"] and len(data["series"]) == 2
    assert all(len(s["points"]) == len(data["days"]) for s in data["series"])
    assert sum(p["count"] for p in data["series"][0]["points"]) > 0
    page = http.get("/attention", params=params)
    assert page.status_code == 200 and 'id="attention-chart"' in page.text and "إيران" in page.text
    assert http.get("/attention").status_code == 200  # the empty form

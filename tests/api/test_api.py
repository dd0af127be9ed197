"""The HTTP API over real HTTP on 127.0.0.1, on both store backends: listing, one article, search, errors, ETags, limits, ingest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from marsad.store import open_store
from tests.api.live import live_server
from tests.conftest import BACKENDS, fixture_store, run_cli


@pytest.fixture(scope="module", params=BACKENDS)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The API over the committed fixtures, on a SQLite file and on a PostgreSQL database: (store, URL)."""
    db = fixture_store(request, request.param, tmp_path_factory.mktemp("api"))
    with live_server(db) as url:
        yield db, url


@pytest.fixture(scope="module")
def base(served: tuple[str, str]) -> str:
    """The API's base URL."""
    return served[1]


def test_cli_and_api_name_fields_alike(served: tuple[str, str]) -> None:
    """One read layer under both surfaces: a story, an entity and an article have the same fields in each."""
    db, url = served
    api_stories = httpx.get(f"{url}/api/stories", params={"limit": 3}).json()["items"]
    cli_stories = json.loads(run_cli("stories", "--db", db, "--limit", "3", "--json").stdout)
    assert [s["id"] for s in cli_stories] == [s["id"] for s in api_stories]
    for cli, api in zip(cli_stories, api_stories, strict=True):
        assert {k: cli[k] for k in api} == api, "the CLI adds detail but renames nothing"
        one = httpx.get(f"{url}/api/stories/{api['id']}").json()
        assert cli["articles"] == one["articles"] and cli["entities"] == one["entities"][:5]
    api_entities = httpx.get(f"{url}/api/entities", params={"limit": 5}).json()["items"]
    cli_entities = json.loads(run_cli("entities", "--db", db, "--limit", "5", "--json").stdout)
    assert [e["id"] for e in cli_entities] == [e["id"] for e in api_entities]
    for cli, api in zip(cli_entities, api_entities, strict=True):
        assert set(cli) == set(api) and cli["article_count"] == api["article_count"]
    assert all("article_count" in e and "articles" not in e for e in api_entities)


def _error(r: httpx.Response, status: int) -> dict[str, object]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "code", "message"}
    assert body["error"]["status"] == status
    return dict(body["error"])


def test_articles_paginate(base: str) -> None:
    first = httpx.get(f"{base}/api/articles", params={"limit": 10}).json()
    assert first["total"] == 36 and len(first["items"]) == 10 and first["next_offset"] == 10
    rest = httpx.get(f"{base}/api/articles", params={"limit": 100, "offset": 10}).json()
    assert rest["next_offset"] is None
    ids = [a["id"] for a in first["items"] + rest["items"]]
    assert len(ids) == len(set(ids)) == 36
    only = httpx.get(f"{base}/api/articles", params={"source": "sabq"}).json()
    assert only["total"] == 3


def test_one_article_with_provenance(base: str) -> None:
    art = httpx.get(f"{base}/api/articles/1").json()
    assert art["id"] == 1 and art["title"] and art["provenance"]["page_sha256"]
    orig = httpx.get(f"{base}/api/articles/1/original").json()
    s, e = art["spans"]["title"]
    assert orig["text"][s:e] == art["title"]


def test_search_finds_variant_spelling(base: str) -> None:
    r = httpx.get(f"{base}/api/search", params={"q": "پيونگ يانگ"})
    data = r.json()
    assert r.status_code == 200 and data["total"] >= 3
    assert data["facets"]["sources"]


def test_errors_share_one_shape(base: str) -> None:
    assert _error(httpx.get(f"{base}/api/articles/999999"), 404)["code"] == "not_found"
    assert _error(httpx.get(f"{base}/api/articles/abc"), 422)["code"] == "invalid_request"
    _error(httpx.get(f"{base}/api/articles", params={"limit": 0}), 422)
    _error(httpx.get(f"{base}/api/search", params={"sort": "bogus"}), 422)
    _error(httpx.get(f"{base}/api/nothing-here"), 404)
    _error(httpx.delete(f"{base}/api/articles"), 405)


def test_etag_gives_304(base: str) -> None:
    r = httpx.get(f"{base}/api/articles/2")
    tag = r.headers["etag"]
    again = httpx.get(f"{base}/api/articles/2", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.headers["etag"] == tag
    html = httpx.get(f"{base}/articles/2")
    assert httpx.get(f"{base}/articles/2", headers={"If-None-Match": html.headers["etag"]}).status_code == 304


def test_no_cors_headers(base: str) -> None:
    r = httpx.get(f"{base}/api/articles", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in r.headers


def test_ingest_is_off_without_token(base: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MARSAD_API_TOKEN", raising=False)
    r = httpx.post(f"{base}/api/ingest", json={"uri": "x", "content": "نص"})
    assert _error(r, 403)["code"] == "ingest_disabled"


def test_ingest_with_token_then_search(base: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARSAD_API_TOKEN", "s3cret")
    page = (Path(__file__).parents[1] / "data" / "seed-kim-putin.txt").read_text(encoding="utf-8")
    body = {"uri": "test://posted", "content": page.replace("بوتين", "بوتين").replace("موسكو", "موسكو ") + "\n"}
    _error(httpx.post(f"{base}/api/ingest", json=body), 401)
    _error(httpx.post(f"{base}/api/ingest", json=body, headers={"Authorization": "Bearer wrong"}), 401)
    r = httpx.post(f"{base}/api/ingest", json=body, headers={"Authorization": "Bearer s3cret"})
    assert r.status_code == 201, r.text
    new_ids = r.json()["article_ids"]
    assert new_ids
    hits = {h["id"] for h in httpx.get(f"{base}/api/search", params={"q": "بيونغ يانغ", "limit": 100}).json()["hits"]}
    assert set(new_ids) & hits


def test_request_size_limit(base: str) -> None:
    from marsad.api.common import MAX_BODY_BYTES

    r = httpx.post(
        f"{base}/api/ingest", content=b"x" * (MAX_BODY_BYTES + 1), headers={"Content-Type": "application/json"}
    )
    assert _error(r, 413)["code"] == "too_large"


def test_stage_lists_answer_whether_or_not_stages_ran(base: str) -> None:
    # Empty pages when the store lacks a stage's tables or rows; real rows once the stage has run.
    for path in ("stories", "entities", "duplicates", "rejections"):
        data = httpx.get(f"{base}/api/{path}").json()
        assert set(data) == {"items", "total", "limit", "offset", "next_offset"}
        assert len(data["items"]) == min(data["total"], 20)
    stories = httpx.get(f"{base}/api/stories").json()["items"]
    if stories:
        one = httpx.get(f"{base}/api/stories/{stories[0]['id']}").json()
        assert len(one["articles"]) == one["size"]
        assert httpx.get(f"{base}/stories/{stories[0]['id']}").headers["content-type"].startswith("text/html")


def test_openapi_lists_the_api(base: str) -> None:
    spec = httpx.get(f"{base}/openapi.json").json()
    assert {"/api/articles", "/api/articles/{article_id}", "/api/search", "/api/ingest"} <= set(spec["paths"])
    assert {"/api/entities", "/api/entities/{entity_id}", "/api/articles/{article_id}/related"} <= set(spec["paths"])


def test_entities_list_filter_and_pages(base: str) -> None:
    with httpx.Client(base_url=base) as http:
        first = http.get("/api/entities", params={"limit": 5}).json()
        assert set(first) == {"items", "total", "limit", "offset", "next_offset"}
        assert first["total"] > 100 and len(first["items"]) == 5 and first["next_offset"] == 5
        top = first["items"][0]
        assert {"id", "type", "name", "mentions", "article_count", "forms"} <= set(top)
        assert sum(top["forms"].values()) <= top["mentions"]
        assert [e["mentions"] for e in first["items"]] == sorted((e["mentions"] for e in first["items"]), reverse=True)
        second = http.get("/api/entities", params={"limit": 5, "offset": 5}).json()
        assert not {e["id"] for e in first["items"]} & {e["id"] for e in second["items"]}
        people = http.get("/api/entities", params={"type": "PER", "limit": 100}).json()
        assert people["items"] and {e["type"] for e in people["items"]} == {"PER"}
        assert people["total"] < first["total"]
        assert "فلاديمير بوتين" in {e["name"] for e in people["items"]}
        assert _error(http.get("/api/entities", params={"type": "person"}), 422)["code"] == "invalid_request"
        past = http.get("/api/entities", params={"offset": 100000}).json()
        assert past["items"] == [] and past["next_offset"] is None


def test_entity_timeline_cooccurring_articles_stories(base: str) -> None:
    with httpx.Client(base_url=base) as http:
        r = http.get("/api/entities/iso3166:KP")
        assert r.status_code == 200, r.text
        e = r.json()
        assert e["name"] == "كوريا الشمالية" and e["type"] == "LOC"
        assert sum(t["mentions"] for t in e["timeline"]) == e["mentions"] == sum(e["forms"].values())
        assert all(len(t["date"]) == 10 for t in e["timeline"])
        co = {c["id"] for c in e["cooccurring"]}
        assert "iso3166:KP" not in co and "iso3166:RU" in co
        assert len(e["articles"]) == e["article_count"] >= 2
        assert e["stories"] and {s["id"] for s in e["stories"]} <= {a["story"] for a in e["articles"]}
        assert http.get("/api/entities/iso3166:KP", headers={"If-None-Match": r.headers["etag"]}).status_code == 304
        assert _error(http.get("/api/entities/no:such"), 404)["code"] == "not_found"


def test_related_one_per_other_story(base: str) -> None:
    with httpx.Client(base_url=base) as http:
        total = http.get("/api/articles", params={"limit": 100}).json()["total"]
        offered = 0
        for aid in range(1, total + 1):
            art = http.get(f"/api/articles/{aid}").json()
            r = http.get(f"/api/articles/{aid}/related", params={"k": 5})
            assert r.status_code == 200 and "etag" in r.headers
            items = r.json()["items"]
            offered += len(items)
            assert len(items) <= 5
            stories = [i["story"] for i in items]
            assert len(stories) == len(set(stories)) and art["story"]["id"] not in stories
            assert aid not in {i["id"] for i in items}
            assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)
        assert offered > 0  # the seed page's Kim/Putin articles and the Pyongyang page relate
        assert _error(http.get("/api/articles/999999/related"), 404)["code"] == "not_found"
        _error(http.get("/api/articles/5/related", params={"k": 0}), 422)


def test_entity_coverage_beside_search(base: str) -> None:
    """An entity's linked article count is exact; search for its spellings is shown beside it, with
    the reason when search finds more."""
    with httpx.Client(base_url=base) as http:
        top = http.get("/api/entities", params={"limit": 3}).json()["items"]
        for e in top:
            one = http.get(f"/api/entities/{e['id']}").json()
            cov = one["coverage"]
            assert cov["article_count"] == one["article_count"] == e["article_count"]
            assert cov["search_count"] >= 1 and e["name"] in cov["query"]
            assert ("reason" in cov) == (cov["search_count"] > cov["article_count"])


def test_sources_with_arabic_names_on_every_surface(served: tuple[str, str]) -> None:
    """Outlets are shown by their Arabic names: the API and CLI list name and slug alike, and pages
    show the name, not the slug."""
    db, url = served
    api = httpx.get(f"{url}/api/sources").json()["items"]
    cli = json.loads(run_cli("sources", "--db", db, "--json").stdout)
    assert api == cli and sum(s["article_count"] for s in api) > 0
    known = [s for s in api if s["slug"] == "sabq"]
    assert known and known[0]["name"] == "سبق" and known[0]["site"] == "sabq.org"
    page = httpx.get(f"{url}/").text
    assert "سبق" in page


def test_attention_counts_and_shares_match_the_store(served: tuple[str, str]) -> None:
    """Attention for entities: per-day counts and shares equal what SQL over the store gives (computed
    here, not by the code under test); the CLI prints the same series."""
    db, url = served
    listed = httpx.get(f"{url}/api/entities", params={"limit": 10}).json()["items"]
    day_sql = ("SELECT a.day, count(DISTINCT a.id) AS n FROM mentions m JOIN articles a ON a.id = m.article_id"
               " WHERE m.entity_id = :i AND a.day IS NOT NULL GROUP BY a.day")
    with open_store(db) as store:
        totals = {r["day"]: int(r["n"]) for r in store.rows(
            "SELECT day, count(*) AS n FROM articles WHERE day IS NOT NULL GROUP BY day")}
        expected = {e["id"]: {r["day"]: int(r["n"]) for r in store.rows(day_sql, i=e["id"])} for e in listed}
    chosen = [e for e in listed if expected[e["id"]]][:2]
    assert len(chosen) == 2, "the fixtures have dated articles naming entities"
    terms = [f"entity:{e['id']}" for e in chosen]
    data = httpx.get(f"{url}/api/attention", params=[("q", t) for t in terms]).json()
    assert data["days"] == sorted(totals)
    for e, series in zip(chosen, data["series"], strict=True):
        assert {p["day"]: p["count"] for p in series["points"] if p["count"]} == expected[e["id"]]
        for p in series["points"]:
            assert p["share"] == round(p["count"] / totals[p["day"]], 4)
    cli = json.loads(run_cli("attention", *terms, "--db", db, "--json").stdout)
    assert cli == data
    assert httpx.get(f"{url}/api/attention").status_code == 422


def test_story_coverage_route(served: tuple[str, str]) -> None:
    """The coverage of a story over HTTP is the CLI's; an unknown story is a 404 in the one error shape."""
    db, url = served
    sid = httpx.get(f"{url}/api/stories", params={"limit": 1}).json()["items"][0]["id"]
    api = httpx.get(f"{url}/api/stories/{sid}/coverage").json()
    assert api == json.loads(run_cli("coverage", str(sid), "--db", db, "--json").stdout)
    assert sum(o["articles"] for o in api["outlets"]) == api["size"]
    assert _error(httpx.get(f"{url}/api/stories/999999/coverage"), 404)["code"] == "not_found"

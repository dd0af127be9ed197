"""POST /api/ingest with a URL the server fetches (a real page, a real feed) and with an inline feed."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import feedparser
import httpx
import pytest

from tests.api.live import DATA, live_server

AUTH = {"Authorization": "Bearer t0ken"}


class _Quiet(SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {**SimpleHTTPRequestHandler.extensions_map, ".xml": "application/rss+xml"}

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """A local web server over the committed real pages and feeds (no robots.txt: 404 allows all)."""
    handler = functools.partial(_Quiet, directory=str(DATA))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MARSAD_API_TOKEN", "t0ken")
        mp.setenv("MARSAD_FETCH_ALLOW_NETWORKS", "127.0.0.1/32")  # the test site is on loopback
        with live_server(tmp_path_factory.mktemp("ingest") / "m.db") as url:
            yield url


def _post(api: str, body: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{api}/api/ingest", json=body, headers=AUTH, timeout=120)


def test_fetch_a_page_by_url(api: str, site: str) -> None:
    r = _post(api, {"url": f"{site}/html/youm7-1.html"})
    assert r.status_code == 201, r.text
    ids = r.json()["article_ids"]
    assert len(ids) == 1
    art = httpx.get(f"{api}/api/articles/{ids[0]}").json()
    # The page's own canonical link names the article; where it was fetched from is provenance.
    assert art["provenance"]["page_uri"] == f"{site}/html/youm7-1.html"
    assert art["url"].startswith("https://www.youm7.com/story/")
    assert art["title"] and len(art["text"]) > 200


def test_fetch_a_feed_by_url_stores_every_entry(api: str, site: str) -> None:
    raw = (DATA / "feeds" / "aawsat-rss2.xml").read_bytes()
    links = {e.link for e in feedparser.parse(raw).entries}
    r = _post(api, {"url": f"{site}/feeds/aawsat-rss2.xml"})
    assert r.status_code == 201, r.text
    urls = {httpx.get(f"{api}/api/articles/{i}").json()["url"] for i in r.json()["article_ids"]}
    assert urls == links


def test_post_a_feed_inline(api: str) -> None:
    raw = (DATA / "feeds" / "youm7-atom.xml").read_text(encoding="utf-8")
    entries = feedparser.parse(raw).entries
    r = _post(api, {"uri": "test://youm7-feed", "content": raw, "content_type": "application/atom+xml"})
    assert r.status_code == 201, r.text
    assert r.json()["articles"] == len(entries) > 0


def test_bad_ingest_requests_get_clear_errors(api: str) -> None:
    both = _post(api, {"uri": "x", "content": "نص", "url": "http://127.0.0.1:9/"})
    assert both.status_code == 422 and "exactly one" in both.text
    assert _post(api, {"uri": "x"}).status_code == 422
    assert _post(api, {"url": "file:///etc/passwd"}).status_code == 422
    # Port 9 (discard) has no listener here: the fetch fails and the API says so.
    dead = _post(api, {"url": "http://127.0.0.1:9/page.html"})
    assert dead.status_code == 502 and dead.json()["error"]["code"] == "fetch_failed"


def test_fetching_by_url_needs_the_token(api: str, site: str) -> None:
    r = httpx.post(f"{api}/api/ingest", json={"url": f"{site}/html/youm7-1.html"})
    assert r.status_code == 401


def test_sources_md_is_not_a_feed(api: str, site: str) -> None:
    # A plain-text file served by URL is one page, not a feed or records: rejected or stored, never a crash.
    r = _post(api, {"url": f"{site}/feeds/SOURCES.md"})
    assert r.status_code == 201, r.text
    assert r.json()["documents"] == 1


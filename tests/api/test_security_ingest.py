"""Security of ingest over real HTTP (issue 18, defects 5-8): stored XSS through a link, SSRF through a
posted URL, the bearer scheme, and chunked bodies over the cap."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from marsad.api.common import MAX_BODY_BYTES
from marsad.ingest.guard import AddressGuard
from tests.api.live import live_server

TOKEN = "t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BODY = (
    "قالت وزارة الصحة في بيان اليوم إن عدد الحالات الجديدة تراجع خلال الأسبوع الماضي مقارنة بالأسبوع الذي سبقه.\n\n"
    "وأضافت الوزارة أن حملة التطعيم ستبدأ الشهر المقبل في المستشفيات الحكومية والخاصة في جميع المناطق."
)


class _Secret(BaseHTTPRequestHandler):
    """A private service on loopback that must never be reachable through the API."""

    hits = 0

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        type(self).hits += 1
        body = ("سر داخلي " * 40).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def secret() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Secret)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MARSAD_API_TOKEN", TOKEN)
        mp.delenv("MARSAD_FETCH_ALLOW_NETWORKS", raising=False)
        with live_server(tmp_path_factory.mktemp("sec") / "m.db") as url:
            yield url


def _records(url: str) -> dict[str, str]:
    return {"uri": "posted", "content_type": "application/json",
            "content": json.dumps([{"title": "خبر", "content": BODY, "url": url}], ensure_ascii=False)}


def test_javascript_url_is_data_not_a_link(api: str) -> None:
    """Defect 6: a ``javascript:`` URL is stored as written and shown as text, never as an href."""
    r = httpx.post(f"{api}/api/ingest", json=_records("javascript:alert(document.domain)//"), headers=AUTH, timeout=120)
    assert r.status_code == 201, r.text
    aid = r.json()["article_ids"][0]
    assert httpx.get(f"{api}/api/articles/{aid}").json()["url"] == "javascript:alert(document.domain)//"
    page = httpx.get(f"{api}/articles/{aid}").text
    assert "javascript:alert" in page  # shown
    assert 'href="javascript:' not in page.replace("&#34;", '"').lower()


def test_http_url_is_still_a_link(api: str) -> None:
    r = httpx.post(f"{api}/api/ingest", json=_records("https://www.spa.gov.sa/1234"), headers=AUTH, timeout=120)
    aid = r.json()["article_ids"][0]
    assert 'href="https://www.spa.gov.sa/1234"' in httpx.get(f"{api}/articles/{aid}").text


def test_posted_url_cannot_reach_loopback(api: str, secret: str) -> None:
    """Defect 7: the server refuses to fetch loopback (and stores nothing from it)."""
    before = _Secret.hits
    r = httpx.post(f"{api}/api/ingest", json={"url": f"{secret}/admin"}, headers=AUTH, timeout=60)
    assert r.status_code == 502
    assert "not a public address" in r.json()["error"]["message"]
    assert _Secret.hits == before  # not even robots.txt was asked for


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "224.0.0.1", "0.0.0.0", "::1",
     "fe80::1", "fc00::1", "::ffff:127.0.0.1", "100.64.0.1"],
)
def test_guard_refuses_internal_addresses(address: str) -> None:
    assert not AddressGuard().allows("example.com", address)


def test_guard_allows_public_and_listed() -> None:
    assert AddressGuard().allows("example.com", "93.184.216.34")
    assert AddressGuard(["127.0.0.1/32"]).allows("x", "127.0.0.1")
    assert AddressGuard(["feeds.local"]).allows("feeds.local", "10.0.0.5")
    assert not AddressGuard(["127.0.0.1/32"]).allows("x", "127.0.0.2")


def test_redirect_to_loopback_is_refused(api: str, secret: str) -> None:
    """The check is at connect time: a public-looking first hop cannot redirect into loopback."""
    from marsad.ingest.fetch import FetchConfig, fetch_url

    class _Redirect(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", f"{secret}/admin")
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.2", 0), _Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        before = _Secret.hits
        # 127.0.0.2 stands for a public host: it alone is allowed, the redirect target is not.
        res = fetch_url(f"http://127.0.0.2:{server.server_address[1]}/x",
                        FetchConfig(retries=0, allow_networks=("127.0.0.2/32",)), respect_robots=False)
        assert not res.ok and "not a public address" in (res.error or "")
        assert _Secret.hits == before
    finally:
        server.shutdown()


@pytest.mark.parametrize("header", [TOKEN, f"Token {TOKEN}", f"Basic {TOKEN}", f"Bearer{TOKEN}", "Bearer"])
def test_token_needs_the_bearer_scheme(api: str, header: str) -> None:
    """Defect 8: the bare token (or another scheme) is refused."""
    r = httpx.post(f"{api}/api/ingest", json=_records("https://x/1"), headers={"Authorization": header}, timeout=30)
    assert r.status_code == 401


def test_chunked_body_over_the_cap_is_413(api: str) -> None:
    """Defect 8: a body without Content-Length that grows past the cap gets 413, not 400."""

    def chunks() -> Iterator[bytes]:
        piece = b"x" * (1 << 20)
        for _ in range(MAX_BODY_BYTES // len(piece) + 2):
            yield piece

    r = httpx.post(f"{api}/api/ingest", content=chunks(), headers={**AUTH, "Content-Type": "application/json"}, timeout=60)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "too_large"


def test_nested_body_is_a_rejection_and_memory_stays_small(api: str, tmp_path: Path) -> None:
    """Defect 4 through the API: 40 KB of nesting is one rejection, answered quickly."""
    body = {"uri": "nested", "content_type": "application/json", "content": "[" * 20_000 + "]" * 20_000}
    r = httpx.post(f"{api}/api/ingest", json=body, headers=AUTH, timeout=60)
    assert r.status_code == 201, r.text
    assert r.json()["rejection_reasons"] == {"invalid_json": 1} or r.json()["rejection_reasons"] == {"too_deep": 1}

"""The feed monitor and fetcher against real HTTP servers on 127.0.0.1 (never the internet).

Servers serve the fixture feeds and pages with ETag/304, and can be told to be slow, fail with
500, redirect, or forbid paths in robots.txt. Feed envelopes are made here; content is real.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from marsad.ingest.fetch import FetchConfig, Fetcher
from marsad.settings import Settings
from marsad.store import open_store
from marsad.watch import FeedSpec, WatchConfig, load_watch_file, poll_once
from tests.conftest import DATA

#: The local test servers listen on loopback, which fetches refuse unless the allow-list names it.
LOOPBACK = ("127.0.0.1/32",)
FAST = FetchConfig(timeout=1.0, retries=2, backoff=0.2, host_delay=0.0, max_connections=4, allow_networks=LOOPBACK)


@dataclass
class Site:
    """What one local server serves and what it saw."""

    routes: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    fail_times: dict[str, int] = field(default_factory=dict)  # path -> number of 500s before success
    slow: dict[str, float] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    robots: str | None = None
    log: list[tuple[float, str, int]] = field(default_factory=list)
    base: str = ""

    def hits(self, path: str) -> list[int]:
        return [status for _, p, status in self.log if p == path]


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
            site.log.append((time.monotonic(), self.path, status))
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path
            if path in site.slow:
                time.sleep(site.slow[path])
            if path == "/robots.txt":
                if site.robots is None:
                    return self._send(404)
                return self._send(200, site.robots.encode(), {"Content-Type": "text/plain"})
            if path in site.redirects:
                return self._send(301, b"", {"Location": site.redirects[path]})
            if site.fail_times.get(path, 0) > 0:
                site.fail_times[path] -= 1
                return self._send(500, b"oops")
            if path not in site.routes:
                return self._send(404)
            body, ctype = site.routes[path]
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                return self._send(304, b"", {"ETag": etag})
            return self._send(200, body, {"Content-Type": ctype, "ETag": etag})

    return Handler


@pytest.fixture
def serve() -> Iterator[object]:
    servers: list[ThreadingHTTPServer] = []

    def start(site: Site) -> Site:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
        server.daemon_threads = True
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        site.base = f"http://127.0.0.1:{server.server_address[1]}"
        return site

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def _atom(base: str, pages: list[str]) -> bytes:
    """An Atom envelope (made here) whose entries link to real fixture pages on the local server."""
    entries = "".join(
        f"<entry><title>مقال {i}</title><link href='{base}/page/{p}'/><id>{base}/page/{p}</id>"
        f"<updated>2024-05-20T10:00:00Z</updated><summary>ملخص المقال رقم {i} كما نشر في الموقع.</summary></entry>"
        for i, p in enumerate(pages)
    )
    return f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>موقع</title><id>x</id>{entries}</feed>".encode()


def _page(name: str) -> tuple[bytes, str]:
    return (DATA / "html" / name).read_bytes(), "text/html; charset=utf-8"


def test_new_entries_then_304_then_only_new_entry(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = serve(Site())
    site.routes["/feed.xml"] = (_atom(site.base, ["youm7-1.html", "alyaum-1.html"]), "application/atom+xml")
    for name in ("youm7-1.html", "alyaum-1.html", "cnnarabic-1.html"):
        site.routes[f"/page/{name}"] = _page(name)
    config = WatchConfig([FeedSpec(site.base + "/feed.xml")], fetch=FAST)
    store = open_store(str(tmp_path / "m.db"))
    try:
        r1 = poll_once(config, store, Settings())
        assert r1.new_entries == 2 and r1.pages_fetched == 2 and r1.articles == 2, r1.to_dict()
        r2 = poll_once(config, store, Settings())
        assert r2.not_modified == 1 and not r2.feeds[0].parsed and r2.articles == 0
        assert site.hits("/feed.xml") == [200, 304]
        # A new entry appears: only it is fetched.
        site.routes["/feed.xml"] = (_atom(site.base, ["youm7-1.html", "alyaum-1.html", "cnnarabic-1.html"]), "application/atom+xml")
        r3 = poll_once(config, store, Settings())
        assert r3.new_entries == 1 and r3.articles == 1
        assert site.hits("/page/youm7-1.html") == [200]
        titles = {r.title for r in store.articles()}
        assert "معارضون يسيطرون على مخازن للصواريخ بريف دمشق" in titles
    finally:
        store.close()


def test_failing_host_is_retried_with_backoff_and_does_not_block_others(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = serve(Site(fail_times={"/feed.xml": 2}))
    good = serve(Site())
    dead = serve(Site(fail_times={"/feed.xml": 99}))
    for site in (bad, good, dead):
        site.routes["/feed.xml"] = (_atom(site.base, []), "application/atom+xml")
    good.routes["/feed.xml"] = (_atom(good.base, ["beirutobserver-1.html"]), "application/atom+xml")
    good.routes["/page/beirutobserver-1.html"] = _page("beirutobserver-1.html")
    config = WatchConfig([FeedSpec(s.base + "/feed.xml") for s in (bad, good, dead)], fetch=FAST)
    store = open_store(str(tmp_path / "m.db"))
    try:
        report = poll_once(config, store, Settings())
    finally:
        store.close()
    by_url = {f.url: f for f in report.feeds}
    assert bad.hits("/feed.xml") == [500, 500, 200] and by_url[bad.base + "/feed.xml"].status == 200
    assert dead.hits("/feed.xml") == [500, 500, 500] and by_url[dead.base + "/feed.xml"].error == "http_500"
    # Backoff: waits of ~0.2 s then ~0.4 s between the dead host's attempts.
    times = [t for t, p, _ in dead.log if p == "/feed.xml"]
    assert times[1] - times[0] >= 0.18 and times[2] - times[1] >= 0.38
    # The good host was served (feed and page) before the dead host's retries were over.
    assert max(t for t, _, _ in good.log) < times[-1]
    assert report.articles == 1


def test_timeout_redirect_and_robots(serve) -> None:  # type: ignore[no-untyped-def]
    site = serve(Site(robots="User-agent: *\nDisallow: /private/\n"))
    site.routes["/new/feed.xml"] = (_atom(site.base, []), "application/atom+xml")
    site.redirects["/old/feed.xml"] = "/new/feed.xml"
    site.routes["/slow"] = (b"<html></html>", "text/html")
    site.slow["/slow"] = 1.5
    site.routes["/private/a.html"] = _page("youm7-1.html")

    async def run() -> None:
        cfg = FetchConfig(timeout=0.3, retries=1, backoff=0.05, host_delay=0.0, allow_networks=LOOPBACK)
        async with Fetcher(cfg) as f:
            moved = await f.get(site.base + "/old/feed.xml")
            assert moved.ok and moved.final_url.endswith("/new/feed.xml")
            slow = await f.get(site.base + "/slow")
            assert slow.error == "timeout" and slow.attempts == 2
            blocked = await f.get(site.base + "/private/a.html", respect_robots=True)
            assert blocked.error == "robots_disallowed"
            assert not site.hits("/private/a.html")
            # Feeds are not subject to robots (a feed is published to be polled); pages are.
            assert (await f.get(site.base + "/private/a.html")).ok

    asyncio.run(run())


def test_per_host_delay_spaces_requests(serve) -> None:  # type: ignore[no-untyped-def]
    site = serve(Site())
    site.routes["/a"] = (b"<html>a</html>", "text/html")

    async def run() -> None:
        async with Fetcher(FetchConfig(host_delay=0.25, retries=0, allow_networks=LOOPBACK)) as f:
            await asyncio.gather(*(f.get(site.base + "/a") for _ in range(3)))

    asyncio.run(run())
    times = [t for t, _, _ in site.log]
    assert len(times) == 3 and all(b - a >= 0.24 for a, b in itertools.pairwise(times))


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed entry point (``python -m marsad.cli`` registers late verbs on a second app)."""
    code = "import sys; from marsad.cli import main; sys.argv[0] = 'marsad'; main()"
    env = {**os.environ, "MARSAD_FETCH_ALLOW_NETWORKS": "127.0.0.1/32"}  # the test servers are on loopback
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, env=env)


def test_watch_file_and_cli(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    site = serve(Site())
    site.routes["/feed.xml"] = (_atom(site.base, ["youm7-2.html"]), "application/atom+xml")
    site.routes["/page/youm7-2.html"] = _page("youm7-2.html")
    toml = tmp_path / "feeds.toml"
    toml.write_text(f'[watch]\nhost_delay = 0\nretries = 0\n\n[[feed]]\nurl = "{site.base}/feed.xml"\nname = "local"\n', encoding="utf-8")
    assert load_watch_file(toml).feeds[0].name == "local"
    db = tmp_path / "w.db"
    out = run_cli("watch", str(toml), "--once", "--db", str(db), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["articles"] == 1
    one = run_cli("fetch", site.base + "/page/youm7-2.html", "--db", str(db), "--json")
    assert one.returncode == 0, one.stderr
    assert json.loads(one.stdout)["duplicates"] == 1  # same page already stored by the monitor
    bad = tmp_path / "bad.toml"
    bad.write_text("[[feed]]\nname = 'no url'\n", encoding="utf-8")
    err = run_cli("watch", str(bad), "--once", "--db", str(db))
    assert err.returncode == 2 and "needs a url" in err.stderr

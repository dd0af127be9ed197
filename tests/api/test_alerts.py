"""Alerts (issue 17): saved searches with a threshold or a spike rule, checked after each ingest,
delivered to a JSON Lines log and to a webhook over real HTTP on 127.0.0.1, listed in the UI.

Real data: two shared SaudiNewsNet days ingested one after the other by the CLI; the spike rule on a
real word series counted here from the shared files, and on synthetic series with known change points.
"""

from __future__ import annotations

import json
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from marsad.observatory.alerts import evaluate
from tests.api.live import free_port, live_server
from tests.conftest import run_cli

WORD = "اليمن"
#: Articles taken from each shared day: every one naming the word, and as many others.
PER_DAY = 40


def _day(shared_dir: Path, day: str) -> list[dict[str, Any]]:
    with zipfile.ZipFile(shared_dir / "corpora" / "saudinewsnet" / f"{day}.zip") as f:
        arts: list[dict[str, Any]] = json.loads(f.read(f.namelist()[0]))
    hits = [a for a in arts if WORD in f"{a.get('title', '')} {a.get('content', '')}"][:PER_DAY]
    others = [a for a in arts if a not in hits][: PER_DAY - len(hits) + 10]
    return hits + others


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A webhook receiver on 127.0.0.1 that keeps every JSON body posted to it."""
    got: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            got.append(json.loads(self.rfile.read(int(self.headers["content-length"])).decode("utf-8")))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", got
    server.shutdown()
    server.server_close()


def test_threshold_alert_fires_once_per_day_after_each_ingest(
        tmp_path: Path, shared_dir: Path, receiver: tuple[str, list[dict[str, Any]]]) -> None:
    """Ingest day 1, save alerts, ingest day 2: day 2's firing reaches the log and the webhook once,
    with the day's count as attention counts it (bounded by plain substring counts of the files)."""
    hook, got = receiver
    db = str(tmp_path / "m.db")
    days = ("2015-07-21", "2015-07-22")
    files = []
    for d in days:
        arts = _day(shared_dir, d)
        (tmp_path / f"{d}.json").write_text(json.dumps(arts, ensure_ascii=False), encoding="utf-8")
        files.append((tmp_path / f"{d}.json", arts))
    assert run_cli("ingest", str(files[0][0]), "--db", db).returncode == 0
    added = run_cli("alerts", "add", "yemen", WORD, "--threshold", "2", "--webhook", hook, "--db", db, "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["since_day"] == days[0]
    # A webhook nobody answers: the firing is kept with the error, and the ingest still succeeds.
    assert run_cli("alerts", "add", "dead", WORD, "--threshold", "1", "--webhook", f"http://127.0.0.1:{free_port()}/x",
                   "--db", db).returncode == 0
    first = json.loads(run_cli("alerts", "check", "--db", db, "--json").stdout)
    assert {(f["name"], f["day"]) for f in first} == {("yemen", days[0]), ("dead", days[0])}
    done = run_cli("ingest", str(files[1][0]), "--db", db, "--json")
    assert done.returncode == 0, done.stderr
    fired = json.loads(done.stdout)["alerts"]
    assert {(f["name"], f["day"]) for f in fired} == {("yemen", days[1]), ("dead", days[1])}
    attention = json.loads(run_cli("attention", WORD, "--db", db, "--json").stdout)["series"][0]["points"]
    for (_path, arts), day in zip(files, days, strict=True):
        count = next(f["count"] for f in first + fired if f["name"] == "yemen" and f["day"] == day)
        assert count == next(p["count"] for p in attention if p["day"] == day)
        exact = sum(WORD in f"{a['title']} {a['content']}" for a in arts)
        loose = sum("يمن" in f"{a['title']} {a['content']}" for a in arts)
        assert 2 <= exact <= count <= loose
    # Each day fires once; the log has every firing; the webhook got the yemen ones, body for body.
    assert json.loads(run_cli("alerts", "check", "--db", db, "--json").stdout) == []
    log = [json.loads(line) for line in Path(f"{db}.alerts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted((e["name"], e["day"]) for e in log) == sorted((f["name"], f["day"]) for f in first + fired)
    assert [(g["name"], g["day"]) for g in got] == [("yemen", days[0]), ("yemen", days[1])]
    assert got == [e for e in log if e["name"] == "yemen"]
    events = json.loads(run_cli("alerts", "events", "dead", "--db", db, "--json").stdout)
    assert len(events) == 2 and all("webhook error" in e["delivery"] and "logged" in e["delivery"] for e in events)
    assert all(e["delivery"] == "logged; webhook 204" for e in json.loads(
        run_cli("alerts", "events", "yemen", "--db", db, "--json").stdout))
    # Listed in the UI and the API, with their firings.
    with live_server(db) as url:
        page = httpx.get(f"{url}/alerts")
        assert page.status_code == 200 and "yemen" in page.text and WORD in page.text
        api = httpx.get(f"{url}/api/alerts").json()
        assert {a["name"]: a["fired"] for a in api["alerts"]} == {"yemen": 2, "dead": 2}
        assert httpx.get(f"{url}/alerts.json").json() == api
    assert run_cli("alerts", "remove", "dead", "--db", db).returncode == 0
    assert [a["name"] for a in json.loads(run_cli("alerts", "list", "--db", db, "--json").stdout)] == ["yemen"]


@pytest.mark.parametrize(("args", "message"), [
    (["x", "كلمة", "--rule", "nope"], "rule must be"),
    (["x", "كلمة date:2015-07-21"], "date: filter"),
    (["x", "كلمة", "--webhook", "ftp://h/x"], "not an http(s) URL"),
    (["x", "كلمة", "--threshold", "0"], "above 0"),
    (["", "كلمة"], "name"),
])
def test_bad_alerts_are_clear_errors(tmp_path: Path, args: list[str], message: str) -> None:
    """A wrong rule, a date filter, a non-HTTP webhook, a zero threshold or an empty name: exit 2, one line."""
    out = run_cli("alerts", "add", *args, "--db", str(tmp_path / "m.db"))
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr


def _alert(rule: str, threshold: float, since: str | None = None) -> dict[str, Any]:
    return {"id": 1, "name": "a", "query": "q", "rule": rule, "threshold": threshold, "since_day": since}


@pytest.mark.parametrize(("series", "change"), [
    ([3, 2, 4, 3, 3, 2, 3, 20, 18, 19], 7),
    ([0, 0, 0, 0, 0, 0, 0, 0, 6, 1], 8),
    ([10, 12, 9, 11, 10, 30, 31, 29, 30, 30], 5),
])
def test_spike_rule_fires_at_the_known_change_point(series: list[int], change: int) -> None:
    """Synthetic series at a constant day volume: the spike alert's first firing is the change point."""
    days = [f"2015-07-{d:02d}" for d in range(1, len(series) + 1)]
    fired = evaluate(_alert("spike", 3.0), dict(zip(days, series, strict=True)), dict.fromkeys(days, 300))
    assert fired and fired[0].day == days[change]
    assert evaluate(_alert("spike", 3.0, days[change + 1]), dict(zip(days, series, strict=True)),
                    dict.fromkeys(days, 300))[:1] != [fired[0]], "days before since_day never fire"
    assert [f.day for f in evaluate(_alert("threshold", 15), dict(zip(days, series, strict=True)), dict.fromkeys(days, 300))] \
        == [d for d, n in zip(days, series, strict=True) if n >= 15]


def test_spike_rule_on_a_real_series(shared_dir: Path) -> None:
    """The daily count of المملكة over the 12 shared days (counted here from the files) follows the
    day's volume and never spikes; the same series with its count doubled from day 9 on spikes on day 9."""
    totals: dict[str, int] = {}
    counts: dict[str, int] = {}
    for z in sorted((shared_dir / "corpora" / "saudinewsnet").glob("*.zip")):
        with zipfile.ZipFile(z) as f:
            arts = json.loads(f.read(f.namelist()[0]))
        totals[z.stem] = len(arts)
        counts[z.stem] = sum("المملكة" in f"{a.get('title', '')} {a.get('content', '')}" for a in arts)
    assert len(totals) == 12
    assert evaluate(_alert("spike", 3.0), counts, totals) == []
    days = sorted(totals)
    raised = {d: n * 2 + 10 if i >= 8 else n for i, (d, n) in enumerate(sorted(counts.items()))}
    fired = evaluate(_alert("spike", 3.0), raised, totals)
    assert fired and fired[0].day == days[8] and fired[0].count == raised[days[8]]
    assert fired[0].score is not None and fired[0].expected is not None and fired[0].score >= 3.0

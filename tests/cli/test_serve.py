"""`marsad serve` as a user runs it: a real process on a loopback port, serving the web UI and the API."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import DATA, run_cli, run_cli_process

#: Seconds to wait for the server to answer (models load lazily, so start-up is quick).
START_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_html_and_json(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    done = run_cli("ingest", str(DATA / "seed-kim-putin.txt"), "--db", str(db))
    assert done.returncode == 0, done.stderr[-2000:]
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "MARSAD_DB"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "marsad", "serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert proc.poll() is None, proc.communicate()[1][-2000:]
            try:
                articles = httpx.get(f"{base}/api/articles", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "marsad serve did not answer"
                time.sleep(0.3)
        assert articles.status_code == 200 and articles.json()["total"] == 2
        home = httpx.get(f"{base}/", timeout=30)
        assert home.status_code == 200 and 'dir="rtl"' in home.text and 'lang="ar"' in home.text
        assert httpx.get(f"{base}/index.json", timeout=30).json() is not None
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    # It printed where it serves, as `make demo` relies on.
    assert f"http://127.0.0.1:{port}/" in out


def test_serve_refuses_a_store_it_cannot_open(tmp_path: Path) -> None:
    done = run_cli_process("serve", "--db", str(tmp_path / "no" / "such" / "folder" / "m.db"), "--port", str(_free_port()))
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and "does not exist" in done.stderr

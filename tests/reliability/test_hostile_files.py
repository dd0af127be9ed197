"""Hostile files through the real CLI: each gets a clear error or a recorded rejection, memory stays bounded.

The table of inputs and outcomes is mirrored in docs/reliability.md.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import DATA

#: Peak resident memory allowed for one ingest of a hostile file. An idle interpreter with Marsad
#: imported is ~90 MB here; the 100 MB one-line file must be refused without reading it whole.
MAX_PEAK_MB = 400

# VmHWM (not getrusage's ru_maxrss, which Linux carries over from the forking pytest process
# across exec) is this process's own peak resident memory.
_RUNNER = """
import sys
from marsad.cli import main
sys.argv = ["marsad", *sys.argv[1:]]
try:
    main()
finally:
    hwm = [ln for ln in open("/proc/self/status") if ln.startswith("VmHWM:")][0].split()[1]
    sys.stderr.write("\\nPEAK_KB=%s\\n" % hwm)
"""


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, *args], capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {})}
    )
    peak_line = [ln for ln in proc.stderr.splitlines() if ln.startswith("PEAK_KB=")]
    peak_mb = int(peak_line[-1].split("=")[1]) / 1024 if peak_line else 0.0
    err = "\n".join(ln for ln in proc.stderr.splitlines() if ln and not ln.startswith("PEAK_KB="))
    return proc.returncode, proc.stdout, err, peak_mb


def _nul(p: Path) -> None:
    p.write_bytes("خبر عاجل\x00\x00\x00 نص".encode() * 100)


def _one_line_100mb(p: Path) -> None:
    with p.open("wb") as fh:
        chunk = ("كلمة " * 10_000).encode("utf-8")
        for _ in range(100 * 1024 * 1024 // len(chunk) + 1):
            fh.write(chunk)


def _nested_html(p: Path) -> None:
    p.write_text("<html><body>" + "<div>" * 100_000 + "نص" + "</div>" * 100_000 + "</body></html>", encoding="utf-8")


def _zip_bomb(p: Path) -> None:
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("bomb.txt", "w", force_zip64=True) as member:
        block = b"\x00" * (1 << 20)
        for _ in range(300):  # 300 MB of zeros compress to ~300 KB
            member.write(block)


def _zip_traversal(p: Path) -> None:
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("../../etc/evil.txt", "نص خبيث يحاول الخروج من الأرشيف " * 20)


def _invalid_utf8(p: Path) -> None:
    p.write_bytes("خبر عن الاقتصاد السعودي ونمو القطاع الخاص. ".encode() * 50 + b"\xff\xfe\xfa" + "تتمة".encode())


def _cp1256(p: Path) -> None:
    p.write_bytes((DATA / "seed-kim-putin.txt").read_text(encoding="utf-8").encode("cp1256", errors="ignore"))


def _iso8859_6(p: Path) -> None:
    text = (DATA / "seed-kim-putin.txt").read_text(encoding="utf-8")
    p.write_bytes(text.encode("iso-8859-6", errors="ignore"))


def _bidi(p: Path) -> None:
    text = (DATA / "seed-kim-putin.txt").read_text(encoding="utf-8")
    p.write_text("\u202b" + text.replace(" ", " \u200f", 50).replace("بوتين", "\u202aPutin\u202c بوتين"), encoding="utf-8")


def _million_items(p: Path) -> None:
    with p.open("w", encoding="utf-8") as fh:
        fh.write("[")
        fh.write(",".join(["{}"] * 1_000_000))
        fh.write("]")


# name -> (builder, file name, expected outcome: "stored" or a rejection reason)
CASES: dict[str, tuple[Callable[[Path], None], str, str]] = {
    "nul_bytes": (_nul, "nul.txt", "binary"),
    "100mb_one_line": (_one_line_100mb, "huge.txt", "too_large"),
    "deeply_nested_html": (_nested_html, "nested.html", "*"),
    "zip_bomb": (_zip_bomb, "bomb.zip", "zip_bomb"),
    "zip_path_traversal": (_zip_traversal, "evil.zip", "unsafe_zip_name"),
    "invalid_utf8": (_invalid_utf8, "bad-utf8.txt", "stored"),
    "cp1256_undeclared": (_cp1256, "cp1256.txt", "stored"),
    "iso8859_6_undeclared": (_iso8859_6, "iso.txt", "stored"),
    "bidi_controls": (_bidi, "bidi.txt", "stored"),
    "json_1m_tiny_items": (_million_items, "million.json", "invalid_record"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_file(name: str, tmp_path: Path) -> None:
    build, filename, expected = CASES[name]
    db = tmp_path / "store.db"
    # The store's prior content only has to exist; skipping the language stages keeps this quick.
    fast = {"MARSAD_ENTITIES_ON_INGEST": "0", "MARSAD_DEDUP_ON_INGEST": "0"}
    code, _, err, _ = _run("ingest", str(DATA / "saudinewsnet-sample.json"), "--db", str(db), env=fast)
    assert code == 0, err
    with sqlite3.connect(db) as conn:
        before = int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    path = tmp_path / filename
    build(path)
    code, out, err, peak = _run("ingest", str(path), "--db", str(db), "--json")
    assert "Traceback" not in err and "internal error" not in err, err
    assert peak < MAX_PEAK_MB, f"peak {peak:.0f} MB"
    report = json.loads(out) if out.strip() else {}
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        after = int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        reasons = {r[0] for r in conn.execute("SELECT reason FROM rejections")}
    assert after >= before, "nothing already stored may be lost"
    if expected == "stored":
        assert code == 0 and report["articles"] >= 1, (report, err)
    elif expected == "*":
        assert code == 0 or reasons, "either stored or a recorded rejection"
    else:
        assert expected in reasons, (reasons, err)
    if os.environ.get("MARSAD_RELIABILITY_REPORT"):
        with open(os.environ["MARSAD_RELIABILITY_REPORT"], "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"case": name, "exit": code, "report": report, "reasons": sorted(reasons), "peak_mb": round(peak)}) + "\n")

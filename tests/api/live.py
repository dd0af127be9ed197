"""Helpers for tests over real data and real HTTP: an ingested store and a uvicorn server on a free port."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from marsad.pipeline import ingest_paths
from marsad.settings import load_settings
from marsad.store import open_store

DATA = Path(__file__).resolve().parents[1] / "data"

#: A real sentence of the seed page (about Pyongyang), re-spelt the Persian-keyboard way (پيونگ يانگ),
#: and one about a single missile (صاروخ, no plural form): the variant-spelling and lemma cases.
VARIANT_PAGE = (
    "تقرير: تحذيرات من تجربة جديدة\n\n"
    "قالت مصادر دبلوماسية إن مجلس الأمن عاجز عن كبح طموحات پيونگ يانگ النووية في ظل الخلافات بين أعضائه.\n\n"
    "وأضافت المصادر أن إطلاق صاروخ باليستي جديد فوق البحر يزيد المخاوف من تجارب نووية مقبلة في المنطقة.\n"
)


#: The store built once per test process; each caller gets its own copy (ingest tests change theirs).
_TEMPLATE: Path | None = None


def build_store(folder: Path) -> Path:
    """Return a new store in ``folder`` holding the committed fixtures (SaudiNewsNet sample, seed page, variant page).

    The fixtures are ingested once per test process (models load once; ~10 s) and the store file is
    copied for every later caller, so modules never see each other's writes.
    """
    global _TEMPLATE
    if _TEMPLATE is None or not _TEMPLATE.exists():
        template = folder.parent / f"marsad-template-{folder.name}"
        template.mkdir(exist_ok=True)
        _TEMPLATE = _ingest_fixtures(template)
    db = folder / "marsad.db"
    shutil.copyfile(_TEMPLATE, db)
    return db


def _ingest_fixtures(folder: Path) -> Path:
    """Ingest the fixtures into a new store in ``folder`` (closed, so the file alone is the whole store)."""
    variant = folder / "variant-pyongyang.txt"
    variant.write_text(VARIANT_PAGE, encoding="utf-8")
    db = folder / "marsad.db"
    store = open_store(str(db))
    try:
        paths = [str(DATA / "saudinewsnet-sample.json"), str(DATA / "seed-kim-putin.txt"), str(variant)]
        ingest_paths(paths, store, load_settings({"db": str(db)}))
    finally:
        store.close()
    return db


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(db: Path | str) -> Iterator[str]:
    """Run the Marsad app under uvicorn in a thread; yield its base URL."""
    from marsad.server import create_app

    port = free_port()
    config = uvicorn.Config(create_app(str(db)), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(base + "/openapi.json", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)

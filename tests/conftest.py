"""Shared fixtures: paths to committed test data and to the shared corpora beside the repository, a
throwaway PostgreSQL server, and store fixtures parametrized over both backends (SQLite, PostgreSQL)."""

from __future__ import annotations

import contextlib
import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from marsad.store import Store, open_store, pg_server

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SHARED = Path(os.environ.get("MARSAD_SHARED", ROOT.parent / "shared"))

# Ingest in the test process (and in the CLI subprocesses, which inherit this) unless a test asks
# for workers: the default (one worker per core) starts a pool whose workers each load the models,
# which doubled the suite's wall time (20.8 min against 9.6) for runs of a few dozen articles.
# tests/reliability/test_workers.py covers the workers and the default.
os.environ.setdefault("MARSAD_INGEST_WORKERS", "1")

#: The store backends every store/dedup/stories/search test runs against.
BACKENDS = ("sqlite", "postgresql")

_db_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Committed real-data fixtures."""
    return DATA


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared corpora folder beside the repository (skips the test when it is absent)."""
    if not SHARED.is_dir():
        pytest.skip(f"shared data not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The real aggregator page with two fused articles."""
    return (DATA / "seed-kim-putin.txt").read_text(encoding="utf-8")


@dataclass
class CliResult:
    """What a command-line run left: exit code, standard output and standard error."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> CliResult:
    """Run a ``marsad`` verb in-process through Typer's runner, with the same error mapping as ``main``."""
    from typer.testing import CliRunner

    from marsad.cli import app, failure

    # MARSAD_DB from the developer's shell must not leak into a test unless the test sets it.
    full_env: dict[str, str | None] = {"MARSAD_DB": None, **(env or {})}
    with contextlib.chdir(cwd or Path.cwd()):
        result = CliRunner().invoke(app, list(args), env=full_env, catch_exceptions=True)
    code, stderr = result.exit_code, result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        message, code = failure(result.exception)
        stderr += message + "\n"
    return CliResult(code, result.stdout, stderr)


def run_cli_process(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> CliResult:
    """Run the real ``marsad`` command line in a subprocess (for the few end-to-end smoke tests)."""
    full_env = {k: v for k, v in os.environ.items() if k != "MARSAD_DB"} | (env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "marsad", *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=600
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


# -- PostgreSQL and the two-backend store fixtures ---------------------------------------------


@pytest.fixture(scope="session")
def pg() -> Iterator[pg_server.LocalServer]:
    """Start a throwaway PostgreSQL (initdb in a temp dir, 127.0.0.1, free port, trust auth); stop it at the end.

    Skips only when the server binaries are not installed (``make test`` installs them); a server
    that is installed but does not start is an error.
    """
    if not pg_server.available():
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl, postgres) not installed; `make test` installs them")
    pytest.importorskip("psycopg", reason="psycopg not installed: pip install 'marsad[scale]'")
    server = pg_server.start()
    yield server
    server.stop()


def new_database(server: pg_server.LocalServer, template: str | None = None) -> str:
    """Create a fresh database (or a copy of ``template``) on the session server and return its URL."""
    return server.create_database(f"t{next(_db_numbers)}", template)


@pytest.fixture
def pg_url(pg: pg_server.LocalServer) -> str:
    """A fresh, empty database on the session server."""
    return new_database(pg)


def store_location(request: pytest.FixtureRequest, kind: str, folder: Path) -> str:
    """Return the location of a fresh, empty store of backend ``kind`` (a file in ``folder``, or a new database)."""
    if kind == "sqlite":
        return str(folder / "marsad.db")
    server: pg_server.LocalServer = request.getfixturevalue("pg")
    return new_database(server)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The location of a fresh, empty store of each backend (the same test runs against both)."""
    return store_location(request, request.param, tmp_path)


@pytest.fixture
def store(backend: str) -> Iterator[Store]:
    """An open, empty store of each backend, closed after the test."""
    s = open_store(backend)
    yield s
    s.close()


@pytest.fixture(scope="module", params=BACKENDS)
def module_backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh, empty store location of each backend shared by one module's tests (for read-only tests
    over a store filled once)."""
    return store_location(request, request.param, tmp_path_factory.mktemp(request.param))


# -- the committed fixtures, ingested once per backend and copied for every caller -----------------

_PG_FIXTURES: str | None = None


def fixture_store(request: pytest.FixtureRequest, kind: str, folder: Path) -> str:
    """Return the location of a new store of backend ``kind`` holding the committed fixtures
    (SaudiNewsNet sample, seed page, variant page: ``tests.api.live.build_store``).

    The fixtures are ingested once per backend and test process; every caller gets its own copy (a
    file copy on SQLite, a template copy of the database on PostgreSQL).
    """
    from marsad.pipeline import ingest_paths
    from marsad.settings import load_settings
    from tests.api.live import VARIANT_PAGE, build_store

    if kind == "sqlite":
        return str(build_store(folder))
    global _PG_FIXTURES
    server: pg_server.LocalServer = request.getfixturevalue("pg")
    if _PG_FIXTURES is None:
        name = f"fixtures{next(_db_numbers)}"
        url = server.create_database(name)
        variant = folder / "variant-pyongyang.txt"
        variant.write_text(VARIANT_PAGE, encoding="utf-8")
        store = open_store(url)
        try:
            paths = [str(DATA / "saudinewsnet-sample.json"), str(DATA / "seed-kim-putin.txt"), str(variant)]
            ingest_paths(paths, store, load_settings({"db": url}))
        finally:
            store.close()
        _PG_FIXTURES = name
    return new_database(server, _PG_FIXTURES)

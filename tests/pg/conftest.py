"""A real PostgreSQL server for the test session, and a store fixture parametrized over both backends."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from marsad.store import Store, open_store, pg_server

_db_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg() -> Iterator[pg_server.LocalServer]:
    """Start a throwaway PostgreSQL (initdb in a temp dir, 127.0.0.1, free port, trust auth); stop it at the end."""
    if not pg_server.available():
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl, postgres) not installed; `make test` installs them")
    pytest.importorskip("psycopg", reason="psycopg not installed: pip install 'marsad[scale]'")
    try:
        server = pg_server.start()
    except RuntimeError as exc:
        pytest.skip(f"could not start PostgreSQL: {exc}")
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg: pg_server.LocalServer) -> str:
    """A fresh, empty database on the session server."""
    return pg.create_database(f"t{next(_db_numbers)}")


StoreFactory = Callable[[], Store]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The location of a fresh, empty store of each backend (the same tests run against both)."""
    if request.param == "sqlite":
        return str(tmp_path / "marsad.db")
    server: pg_server.LocalServer = request.getfixturevalue("pg")
    return server.create_database(f"t{next(_db_numbers)}")


@pytest.fixture
def store(backend: str) -> Iterator[Store]:
    """An open store at ``backend``, closed after the test."""
    s = open_store(backend)
    yield s
    s.close()

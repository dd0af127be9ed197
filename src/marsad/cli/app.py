"""What every verb shares: the options for the store and JSON output, and opening the store."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from marsad.ports import Store
from marsad.settings import load_settings
from marsad.store import open_store

DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="MARSAD_DB", help="Store: a SQLite file path (default marsad.db) or postgresql://…"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
LimitOption = Annotated[int, typer.Option(help="Show at most this many.", min=1)]


def print_json(data: Any) -> None:
    """Write ``data`` as indented JSON (Arabic kept readable)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def db_location(db: str | None) -> str:
    """Return the store location from --db, MARSAD_DB, marsad.toml or the default."""
    return str(load_settings({"db": db}).db)


def open_db(db: str | None) -> Store:
    """Open the store the options name (use as a context manager)."""
    return open_store(db_location(db))

"""The ``marsad`` command line: parse input, call the core, print, map errors to one line and an exit code.

Verbs live in modules by area and are registered explicitly here; a verb module that fails to
import fails the command line, never silently drops its verbs.
"""

from __future__ import annotations

import sqlite3
import sys

import typer

from marsad.cli import batch, core, entities, inputs, stories, web
from marsad.errors import MarsadError, StoreError

app = typer.Typer(
    help="Marsad (مرصد): Arabic news monitoring — clean articles, entities, duplicates and stories.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
for _module in (core, inputs, stories, entities, web, batch):
    _module.register(app)


def _one_line(message: str) -> str:
    return " ".join(message.split())


def main() -> None:
    """Run the CLI; Marsad errors become one line on stderr and a non-zero exit, never a traceback."""
    try:
        app()
    except MarsadError as exc:
        typer.echo(f"marsad: error: {_one_line(str(exc))}", err=True)
        sys.exit(exc.exit_code)
    except sqlite3.DatabaseError as exc:  # the store failed under a verb that did not name it
        typer.echo(f"marsad: error: store: {_one_line(str(exc))}", err=True)
        sys.exit(StoreError.exit_code)
    except KeyboardInterrupt:
        typer.echo("marsad: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        typer.echo(f"marsad: internal error: {type(exc).__name__}: {_one_line(str(exc))}", err=True)
        sys.exit(70)

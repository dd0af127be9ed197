"""The ``marsad`` command line: parse input, call the core, print, map errors to one line and an exit code.

Verbs live in modules by area and are registered explicitly here; a verb module that fails to
import fails the command line, never silently drops its verbs.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from typing import Annotated

import typer

from marsad.cli import batch, core, entities, inputs, observe, stories, web
from marsad.errors import MarsadError, StoreError
from marsad.memory import bound_allocator

app = typer.Typer(
    help="Marsad (مرصد): Arabic news monitoring — clean articles, entities, duplicates and stories.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
for _module in (core, inputs, stories, entities, observe, web, batch):
    _module.register(app)


@app.callback()
def _options(
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="Log what the stages do to stderr (-v, -vv).")] = 0,
) -> None:
    """Options for every verb."""
    if verbose:
        logging.basicConfig(
            level=logging.DEBUG if verbose > 1 else logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )


def _one_line(message: str) -> str:
    return " ".join(message.split())


def failure(exc: BaseException) -> tuple[str, int]:
    """Return the one stderr line and the exit code for an exception that escaped a verb."""
    if isinstance(exc, MarsadError):
        return f"marsad: error: {_one_line(str(exc))}", exc.exit_code
    if isinstance(exc, sqlite3.DatabaseError):  # the store failed under a verb that did not name it
        return f"marsad: error: store: {_one_line(str(exc))}", StoreError.exit_code
    if isinstance(exc, KeyboardInterrupt):
        return "marsad: interrupted", 130
    return f"marsad: internal error: {type(exc).__name__}: {_one_line(str(exc))}", 70


def main() -> None:
    """Run the CLI; Marsad errors become one line on stderr and a non-zero exit, never a traceback."""
    bound_allocator()
    try:
        app()
    except (Exception, KeyboardInterrupt) as exc:
        message, code = failure(exc)
        typer.echo(message, err=True)
        sys.exit(code)

"""The ``batch`` verb: process whole crawls with the local or the Spark engine."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from marsad.batch.run import DEFAULT_MASTER, run_batch
from marsad.cli.app import JsonOption
from marsad.errors import InputError
from marsad.settings import load_settings


def batch(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders, globs or zips to process.")],
    out: Annotated[str, typer.Option("--out", help="Output folder (articles with entities, pairs, groups, rejections: Parquet with spark, JSON lines with local) or postgresql://… (also clusters stories)")],
    engine: Annotated[str, typer.Option("--engine", help="local (this process) or spark.")] = "local",
    master: Annotated[str, typer.Option("--master", help="Spark master, e.g. local[2] or spark://host:7077.")] = DEFAULT_MASTER,
    as_json: JsonOption = False,
) -> None:
    """Extract, tag entities, fingerprint and group duplicates over any number of pages, locally or on Spark."""
    for spec in inputs:
        if not any(c in spec for c in "*?[") and not Path(spec).exists():
            raise InputError(f"{spec}: no such file or folder")
    result = run_batch(inputs, out, load_settings(), engine=engine, master=master)
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    d = result.to_dict()
    typer.echo(
        f"{d['engine']}: {d['articles']} articles, {d['rejections']} rejections, {d['pairs']} duplicate pairs, "
        f"{d['exact_groups']} exact and {d['near_groups']} near groups in {d['seconds']} s → {d['out']}"
    )


def register(app: typer.Typer) -> None:
    """Add this module's verbs to the command line."""
    for verb in (batch,):
        app.command()(verb)

"""CLI verbs of the read side: ``search`` (Arabic-aware full-text search) and ``serve`` (HTTP API and web UI)."""

from __future__ import annotations

import csv
import json
import sys
from typing import Annotated

import typer

from marsad.cli.app import DbOption, JsonOption
from marsad.errors import InputError
from marsad.ingest.outlets import outlet_name
from marsad.settings import load_settings
from marsad.store import open_store


def search(
    query: Annotated[str, typer.Argument(help='Query: words, "phrases", a OR b, -word, source:, entity:, story:, date:A..B')],
    db: DbOption = None,
    limit: Annotated[int, typer.Option(help="Show at most this many.", min=0, max=100)] = 20,
    offset: Annotated[int, typer.Option(help="Skip this many first.", min=0)] = 0,
    sort: Annotated[str, typer.Option(help="relevance or recent.")] = "relevance",
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Rebuild the index from the store first.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Search stored articles (any spelling of a name, any form of a word); the index catches up first."""
    from marsad.search import open_search

    if sort not in ("relevance", "recent"):
        raise InputError(f"--sort must be relevance or recent, not {sort!r}")
    db_path = str(load_settings({"db": db}).db)
    store = open_store(db_path)
    try:
        engine = open_search(store, db_path)
        try:
            if rebuild:
                engine.rebuild()
            else:
                engine.catch_up()
            result = engine.search(query, limit=limit, offset=offset, sort=sort)
        finally:
            engine.close()
    finally:
        store.close()
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    for err in result.errors:
        typer.echo(f"note: {err}", err=True)
    typer.echo(f"{result.total} articles")
    for h in result.hits:
        title = "".join(f"[{s['text']}]" if s["hit"] else s["text"] for s in h["title_segments"]) or "(untitled)"
        typer.echo(f"{h['id']:>7}  {(h['date'] or '')[:10]:10}  {(outlet_name(h['source']) or '-')[:14]:14}  {title}")
        body = "".join(f"[{s['text']}]" if s["hit"] else s["text"] for s in h["snippet"]["segments"])
        typer.echo("         " + " ".join(body.split()))


def attention(
    queries_: Annotated[list[str], typer.Argument(metavar="QUERY...", help="One or more queries (anything search takes).")],
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print day,query,count,share rows (with hour and source when asked).")] = False,
    by: Annotated[str, typer.Option("--by", help="day or hour (UTC).")] = "day",
    per_source: Annotated[bool, typer.Option("--per-source", help="One series per query and outlet; share of the outlet's articles.")] = False,
) -> None:
    """Articles per day matching each query, and their share of the day's articles, side by side."""
    from marsad.observatory.attention import attention as store_attention
    from marsad.search import open_search

    db_path = str(load_settings({"db": db}).db)
    store = open_store(db_path)
    try:
        engine = open_search(store, db_path)
        try:
            engine.catch_up()
            data = store_attention(store, engine, queries_, by, per_source)
        finally:
            engine.close()
    finally:
        store.close()
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    if as_csv:
        out = csv.writer(sys.stdout)
        bucket = "hour" if by == "hour" else "day"
        out.writerow([bucket, "query", *(["source"] if per_source else []), "count", "share"])
        for s in data["series"]:
            extra = [s["source"]] if per_source else []
            out.writerows([p[bucket], s["query"], *extra, p["count"], p["share"]] for p in s["points"])
        return
    for s in data["series"]:
        for err in s["errors"]:
            typer.echo(f"note: {s['query']}: {err}", err=True)
    heads = [s["query"][:20] + (f"/{s['source'][:8]}" if s.get("source") else "") for s in data["series"]]
    typer.echo(f"{'hour' if by == 'hour' else 'day':13}" + "  ".join(f"{h:>20}" for h in heads))
    for i, b in enumerate(data["buckets"]):
        typer.echo(f"{b:13}" + "  ".join(f"{s['points'][i]['count']:>11} ({s['points'][i]['share']:>6.1%})"
                                       for s in data["series"]))


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
) -> None:
    """Serve the web UI and the HTTP API (JSON at /api/…, OpenAPI at /openapi.json)."""
    import uvicorn

    from marsad.pipeline import repair
    from marsad.server import create_app

    db_path = str(load_settings({"db": db}).db)
    store = open_store(db_path)  # fail now, as one line, if the store cannot be opened
    try:
        fixed = repair(store, db_path)  # derived data an interrupted ingest left behind
    finally:
        store.close()
    if fixed.derived or fixed.indexed:
        typer.echo(f"repaired: {fixed.derived} articles derived, {fixed.indexed} indexed", err=True)
    typer.echo(f"Marsad at http://{host}:{port}/  (entities: http://{host}:{port}/entities, API: http://{host}:{port}/docs)")
    uvicorn.run(create_app(db_path), host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    """Add this module's verbs to the command line."""
    for verb in (search, attention, serve):
        app.command()(verb)

"""The ``marsad`` command line: parse input, call the core, print, map errors to one line and an exit code."""

from __future__ import annotations

import importlib
import json
import sqlite3
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from marsad.errors import InputError, MarsadError, StoreError
from marsad.ingest.files import expand_paths
from marsad.models import RawDocument, Rejection
from marsad.pipeline import ingest_paths, process
from marsad.settings import load_settings
from marsad.store import Store, open_store

app = typer.Typer(
    help="Marsad (مرصد): Arabic news monitoring — clean articles, entities, duplicates and stories.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="MARSAD_DB", help="Store: a SQLite file path (default marsad.db) or postgresql://…"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _store(db: str | None) -> Store:
    settings = load_settings({"db": db})
    return open_store(str(settings["db"]))


@app.command()
def parse(
    file: Annotated[Path, typer.Argument(help="A page (plain text or HTML) or a JSON article record.")],
    as_json: JsonOption = False,
) -> None:
    """Understand one page and print its articles, read-also, related list and boilerplate."""
    if not file.is_file():
        raise InputError(f"{file}: no such file")
    settings = load_settings()
    docs = [d for p in expand_paths([str(file)]) for d in _documents(p, settings)]
    outputs: list[dict[str, Any]] = []
    for doc in docs:
        result = process(doc, settings)
        if isinstance(result, Rejection):
            raise InputError(f"{result.source}: rejected ({result.reason}) {result.detail}".rstrip())
        outputs.append(result.to_dict())
    if not outputs:
        raise InputError(f"{file}: nothing to parse")
    data: Any = outputs[0] if len(outputs) == 1 else outputs
    if as_json:
        _print_json(data)
        return
    for page in outputs:
        for i, a in enumerate(page["articles"], start=1):
            typer.echo(f"── article {i}: {a['title'] or '(untitled)'}")
            for key in ("source", "date", "author"):
                if a.get(key):
                    typer.echo(f"   {key}: {a[key]}")
            if a["tags"]:
                typer.echo("   tags: " + "، ".join(a["tags"]))
            for h in a["headings"]:
                typer.echo(f"   ## {h}")
            typer.echo(f"   {len(a['paragraphs'])} paragraphs, {len(a['text'])} characters")
        for r in page["read_also"]:
            typer.echo(f"── read also: {r}")
        for item in page["related"]:
            same = f"  (= article {item['article'] + 1})" if item.get("article") is not None else ""
            typer.echo(f"── related [{item['group']}]: {item['title']}{same}")


def _documents(path: Path, settings: dict[str, Any]) -> list[RawDocument | Rejection]:
    from marsad.ingest.files import iter_file

    return list(iter_file(path, settings))


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, folders, glob patterns or zips to ingest.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ingest pages and article files into the store; the same article twice is stored once."""
    settings = load_settings({"db": db})
    for spec in paths:
        if not any(c in spec for c in "*?[") and not Path(spec).exists():
            raise InputError(f"{spec}: no such file or folder")
    store = open_store(str(settings["db"]))
    try:
        if sys.stderr.isatty() and not as_json:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            with Progress(SpinnerColumn(), TextColumn("{task.completed} documents"), TimeElapsedColumn(), transient=True) as bar:
                task = bar.add_task("ingest", total=None)
                report = ingest_paths(paths, store, settings, progress=lambda n: bar.advance(task, n))
        else:
            report = ingest_paths(paths, store, settings)
    finally:
        store.close()
    if as_json:
        _print_json(report.to_dict())
    else:
        typer.echo(
            f"pages: {report.pages}  articles: {report.articles}  duplicates skipped: {report.duplicates}"
            f"  rejections: {report.rejections}"
        )
        for reason, n in sorted(report.rejection_reasons.items()):
            typer.echo(f"  rejected ({reason}): {n}", err=True)
    if not report.read_anything:
        raise typer.Exit(1)


@app.command()
def articles(
    db: DbOption = None,
    limit: Annotated[int | None, typer.Option(help="Show at most this many.", min=0)] = None,
    offset: Annotated[int, typer.Option(help="Skip this many first.", min=0)] = 0,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List stored articles (all of them unless --limit is given)."""
    store = _store(db)
    try:
        rows = store.articles(limit=limit, offset=offset, source=source)
    finally:
        store.close()
    if as_json:
        _print_json([r.to_dict() for r in rows])
        return
    for r in rows:
        typer.echo(f"{r.id:>7}  {(r.date or '')[:10]:10}  {(r.source or '-')[:14]:14}  {r.title or '(untitled)'}")


@app.command()
def show(
    article_id: Annotated[int, typer.Argument(help="Article id (from `marsad articles`).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one stored article with its provenance."""
    store = _store(db)
    try:
        art = store.article(article_id)
    finally:
        store.close()
    if art is None:
        raise InputError(f"no article with id {article_id}")
    if as_json:
        _print_json(art)
        return
    typer.echo(art["title"] or "(untitled)")
    meta = [f"{k}: {art[k]}" for k in ("source", "date", "author", "url") if art.get(k)]
    if meta:
        typer.echo("  ".join(meta))
    if art["tags"]:
        typer.echo("tags: " + "، ".join(art["tags"]))
    typer.echo("")
    typer.echo(art["text"])
    typer.echo("")
    typer.echo(f"from {art['provenance']['page_uri']} (ingested {art['ingested_at']})")


@app.command()
def rejections(
    db: DbOption = None,
    limit: Annotated[int | None, typer.Option(help="Show at most this many.", min=0)] = None,
    as_json: JsonOption = False,
) -> None:
    """List inputs that were not stored, with the reason."""
    store = _store(db)
    try:
        rows = store.rejections(limit=limit)
    finally:
        store.close()
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['at']}  {r['reason']:16}  {r['uri']}  {r['detail']}")


@app.command()
def digest(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Print a short digest of the store: counts, sources, most used tags, latest articles."""
    store = _store(db)
    try:
        counts = store.counts()
        sources = store.sources()
        tags: Counter[str] = Counter()
        for art in store.iter_articles():
            tags.update(art.get("tags", []))
        latest = store.articles()[-10:]
    finally:
        store.close()
    data = {
        "counts": counts,
        "sources": [{"source": s, "articles": n} for s, n in sources],
        "top_tags": [{"tag": t, "articles": n} for t, n in tags.most_common(15)],
        "latest": [r.to_dict() for r in reversed(latest)],
    }
    if as_json:
        _print_json(data)
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]مرصد Marsad[/bold] — {counts['articles']} articles from {counts['pages']} pages, {counts['rejections']} rejections")
    table = Table("source", "articles")
    for s, n in sources[:15]:
        table.add_row(s or "(unknown)", str(n))
    console.print(table)
    if tags:
        console.print("tags: " + "، ".join(f"{t} ({n})" for t, n in tags.most_common(15)))
    for r in reversed(latest):
        console.print(f"  {r.id:>6}  {(r.source or '-'):12} {r.title or '(untitled)'}")


@app.command()
def repair(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Bring fingerprints, embeddings, stories and the search index up to the stored articles."""
    from marsad.pipeline import repair as repair_store

    settings = load_settings({"db": db})
    store = open_store(str(settings["db"]))
    try:
        report = repair_store(store, str(settings["db"]))
    finally:
        store.close()
    if as_json:
        _print_json(report.to_dict())
    else:
        typer.echo(f"derived: {report.derived} articles  indexed: {report.indexed}")


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _load_command_modules() -> None:
    # Verbs of later stages live in their own modules and register themselves on ``app``.
    for name in ("marsad.cli_input", "marsad.cli_dedup", "marsad.cli_entities", "marsad.cli_web", "marsad.cli_batch"):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def main() -> None:
    """Run the CLI; Marsad errors become one line on stderr and a non-zero exit, never a traceback."""
    try:
        _load_command_modules()
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


if __name__ == "__main__":
    # Run through the importable module so that verbs registered by marsad.cli_* land on its ``app``
    # (as __main__ this file is a second copy of the module).
    from marsad.cli import main as _main

    _main()

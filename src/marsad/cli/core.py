"""The core verbs: parse, ingest, list and show articles, rejections, digest, repair."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from marsad.cli.app import DbOption, JsonOption, db_location, open_db, print_json
from marsad.errors import InputError
from marsad.ingest.files import expand_paths
from marsad.ingest.outlets import outlet_name
from marsad.models import RawDocument, Rejection
from marsad.pipeline import ingest_paths, process
from marsad.settings import SETTINGS, Settings, load_settings
from marsad.settings import markdown as settings_markdown


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
        print_json(data)
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


def _documents(path: Path, settings: Settings) -> list[RawDocument | Rejection]:
    from marsad.ingest.files import iter_file

    return list(iter_file(path, settings))


def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, folders, glob patterns or zips to ingest.")],
    db: DbOption = None,
    as_json: JsonOption = False,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=0, help="Worker processes that parse and tag (0: one per core; default: the setting).")] = None,
) -> None:
    """Ingest pages and article files into the store; the same article twice is stored once (saved alerts are checked after)."""
    from marsad.observatory.alerts import check_store_alerts

    settings = load_settings({"db": db, "ingest_workers": workers})
    for spec in paths:
        if not any(c in spec for c in "*?[") and not Path(spec).exists():
            raise InputError(f"{spec}: no such file or folder")
    with open_db(db) as store:
        if sys.stderr.isatty() and not as_json:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            with Progress(SpinnerColumn(), TextColumn("{task.completed} documents"), TimeElapsedColumn(), transient=True) as bar:
                task = bar.add_task("ingest", total=None)
                report = ingest_paths(paths, store, settings, progress=lambda n: bar.advance(task, n))
        else:
            report = ingest_paths(paths, store, settings)
        fired = check_store_alerts(store, settings) if report.articles else []
    if as_json:
        print_json({**report.to_dict(), "alerts": fired})
    else:
        typer.echo(
            f"pages: {report.pages}  articles: {report.articles}  duplicates skipped: {report.duplicates}"
            f"  rejections: {report.rejections}{f'  alerts fired: {len(fired)}' if fired else ''}"
        )
        for reason, n in sorted(report.rejection_reasons.items()):
            typer.echo(f"  rejected ({reason}): {n}", err=True)
    if not report.read_anything:
        raise typer.Exit(1)


def articles(
    db: DbOption = None,
    limit: Annotated[int | None, typer.Option(help="Show at most this many.", min=0)] = None,
    offset: Annotated[int, typer.Option(help="Skip this many first.", min=0)] = 0,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    sort: Annotated[str, typer.Option(help="id (storing order), recent (newest published first) or oldest.")] = "id",
    as_json: JsonOption = False,
) -> None:
    """List stored articles (all of them unless --limit is given)."""
    if sort not in ("id", "recent", "oldest"):
        raise InputError(f"--sort must be id, recent or oldest, not {sort!r}")
    with open_db(db) as store:
        rows = store.articles(limit=limit, offset=offset, source=source, sort=sort)
    if as_json:
        print_json([r.to_dict() for r in rows])
        return
    for r in rows:
        typer.echo(f"{r.id:>7}  {(r.date or '')[:10]:10}  {(outlet_name(r.source) or '-')[:14]:14}  {r.title or '(untitled)'}")


def show(
    article_id: Annotated[int, typer.Argument(help="Article id (from `marsad articles`).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one stored article with its provenance."""
    with open_db(db) as store:
        art = store.article(article_id)
    if art is None:
        raise InputError(f"no article with id {article_id}")
    if as_json:
        print_json(art)
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


def rejections(
    db: DbOption = None,
    limit: Annotated[int | None, typer.Option(help="Show at most this many.", min=0)] = None,
    as_json: JsonOption = False,
) -> None:
    """List inputs that were not stored, with the reason."""
    with open_db(db) as store:
        rows = store.rejections(limit=limit)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['at']}  {r['reason']:16}  {r['uri']}  {r['detail']}")


def digest(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Print a short digest of the store: counts, sources, most used tags, latest articles."""
    from marsad.observatory.brief import digest as store_digest

    with open_db(db) as store:
        data = store_digest(store)
    if as_json:
        print_json(data)
        return
    from rich.console import Console
    from rich.table import Table

    counts = data["counts"]
    console = Console()
    console.print(f"[bold]مرصد Marsad[/bold] — {counts['articles']} articles from {counts['pages']} pages, {counts['rejections']} rejections")
    if data["day"]:
        console.print(f"[bold]{data['day']}[/bold]: " + " · ".join(
            f"{s['title'] or '(untitled)'} ({s.get('day_count', s['size'])})" for s in data["stories"]))
    if data["entities"]:
        console.print("entities: " + "، ".join(f"{e['name']} ({e['article_count']})" for e in data["entities"]))
    table = Table("source", "articles")
    for row in data["sources"][:15]:
        table.add_row(row["name"] or "(unknown)", str(row["articles"]))
    console.print(table)
    if data["top_tags"]:
        console.print("tags: " + "، ".join(f"{t['tag']} ({t['articles']})" for t in data["top_tags"]))
    for r in data["latest"]:
        console.print(f"  {r['id']:>6}  {(r['date'] or '')[:16]:16}  {outlet_name(r['source']) or '-'}  {r['title'] or '(untitled)'}")


def repair(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Bring fingerprints, embeddings, stories and the search index up to the stored articles."""
    from marsad.pipeline import repair as repair_store

    with open_db(db) as store:
        report = repair_store(store, db_location(db))
    if as_json:
        print_json(report.to_dict())
    else:
        typer.echo(f"derived: {report.derived} articles  indexed: {report.indexed}")


def settings(
    as_json: JsonOption = False,
    as_markdown: Annotated[bool, typer.Option("--markdown", help="Print the settings reference (docs/settings.md).")] = False,
) -> None:
    """Show the effective settings (defaults, marsad.toml, MARSAD_* environment) and why each default was chosen."""
    if as_markdown:
        sys.stdout.write(settings_markdown())
        return
    effective = load_settings().as_dict()
    if as_json:
        print_json(effective)
        return
    for s in SETTINGS:
        mark = "" if effective[s.name] == s.default else "   (changed)"
        typer.echo(f"{s.name} = {effective[s.name]!r}{mark}")


def register(app: typer.Typer) -> None:
    """Add this module's verbs to the command line."""
    for verb in (parse, ingest, articles, show, rejections, digest, repair, settings):
        app.command()(verb)

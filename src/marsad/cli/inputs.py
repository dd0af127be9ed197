"""CLI verbs for real-world input: ``watch`` (feed monitor) and ``fetch`` (one page)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from marsad.cli.app import DbOption, JsonOption
from marsad.errors import InputError
from marsad.ingest.fetch import FetchConfig, fetch_url
from marsad.settings import load_settings
from marsad.store import open_store


def watch(
    feeds: Annotated[Path, typer.Argument(help="FEEDS.toml: [[feed]] url = … entries and optional [watch] knobs.")],
    db: DbOption = None,
    once: Annotated[bool, typer.Option("--once", help="Poll every feed once and exit.")] = False,
    rounds: Annotated[int | None, typer.Option(help="Stop after this many polling rounds.", min=1)] = None,
    as_json: JsonOption = False,
) -> None:
    """Poll feeds on a schedule (conditional GET, polite per host) and store every new entry's article."""
    from marsad.watch import WatchReport, load_watch_file
    from marsad.watch import watch as run_watch

    config = load_watch_file(feeds)
    settings = load_settings({"db": db})
    config.fetch.allow_networks = FetchConfig.from_settings(settings).allow_networks
    store = open_store(settings.db)

    def show(report: WatchReport) -> None:
        if as_json:
            sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
            sys.stdout.flush()
            return
        typer.echo(
            f"feeds: {len(report.feeds)}  unchanged (304): {report.not_modified}  new entries: {report.new_entries}"
            f"  pages: {report.pages_fetched}  articles: {report.articles}  rejections: {report.rejections}"
            f"{f'  alerts fired: {len(report.alerts)}' if report.alerts else ''}"
        )
        for f in report.feeds:
            if f.error and f.status != 304:
                typer.echo(f"  {f.url}: {f.error} after {f.attempts} attempt(s)", err=True)

    try:
        run_watch(config, store, settings, rounds=1 if once else rounds, on_round=show)
    finally:
        store.close()


def fetch(
    url: Annotated[str, typer.Argument(help="An http(s) URL of a news page.")],
    db: DbOption = None,
    parse_only: Annotated[bool, typer.Option("--parse-only", help="Print the parsed page; store nothing.")] = False,
    ignore_robots: Annotated[bool, typer.Option("--ignore-robots", help="Do not consult robots.txt.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Fetch one page (robots.txt respected, retries with backoff) and store its article(s)."""
    from marsad.extract import extract
    from marsad.models import Rejection
    from marsad.observatory.alerts import check_store_alerts
    from marsad.pipeline import ingest_documents

    if not url.startswith(("http://", "https://")):
        raise InputError(f"{url}: not an http(s) URL")
    settings = load_settings({"db": db})
    res = fetch_url(url, FetchConfig.from_settings(settings), respect_robots=not ignore_robots)
    if not res.ok:
        raise InputError(f"{url}: fetch failed ({res.error or res.status}) after {res.attempts} attempt(s)")
    doc = res.document()
    if parse_only:
        page = extract(doc, settings)
        if isinstance(page, Rejection):
            raise InputError(f"{url}: rejected ({page.reason}) {page.detail}".rstrip())
        sys.stdout.write(json.dumps(page.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    store = open_store(settings.db)
    try:
        report = ingest_documents([doc], store, settings)
        fired = check_store_alerts(store, settings) if report.articles else []
    finally:
        store.close()
    if as_json:
        sys.stdout.write(json.dumps({**report.to_dict(), "alerts": fired}, ensure_ascii=False, indent=2) + "\n")
    else:
        typer.echo(f"{res.final_url}: articles: {report.articles}  duplicates: {report.duplicates}  rejections: {report.rejections}"
                   f"{f'  alerts fired: {len(fired)}' if fired else ''}")
    if not report.read_anything:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this module's verbs to the command line."""
    for verb in (watch, fetch):
        app.command()(verb)

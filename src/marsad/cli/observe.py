"""CLI verbs of the observatory: outlet profiles (``sources``), the day's outlet × story matrix
(``matrix``) and saved-search alerts (``alerts add|list|remove|check|events``)."""

from __future__ import annotations

import csv
import sys
from typing import Annotated

import typer

from marsad.cli.app import DbOption, JsonOption, db_location, open_db, print_json
from marsad.errors import InputError
from marsad.settings import load_settings

alerts_app = typer.Typer(help="Saved searches that alert (JSONL log and webhook) when a day passes a threshold or spikes.",
                         no_args_is_help=True)


def sources(
    slug: Annotated[str | None, typer.Argument(help="One outlet's slug (all outlets when left out).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    limit: Annotated[int | None, typer.Option(help="Show at most this many.", min=0)] = None,
    sort: Annotated[str, typer.Option(help="articles, per_day, first_share, copy_share or name.")] = "articles",
) -> None:
    """Outlet profiles: Arabic name, slug, volume, topics, how often first and how often copying."""
    from marsad.observatory.outlets import PROFILE_SORTS, source_profiles

    if sort not in PROFILE_SORTS:
        raise InputError(f"--sort must be one of {', '.join(PROFILE_SORTS)}, not {sort!r}")
    with open_db(db) as store:
        rows = source_profiles(store, sort)
    if slug is not None:
        rows = [r for r in rows if r["slug"] == slug]
        if not rows:
            raise InputError(f"no article of source {slug!r}")
    rows = rows[:limit]
    if as_json:
        print_json(rows[0] if slug is not None else rows)
        return
    for r in rows:
        first = f"{r['first_reports']}/{r['shared_stories']}"
        topics = "، ".join(e["name"] for e in r["top_entities"])
        typer.echo(f"{r['article_count']:>7}  {r['name']}  ({r['slug'] or '-'})  {r['per_day'] or 0:>6}/day"
                   f"  first {first:>9}  copies {r['copies']:>5}  copied {r['copied_by_others']:>5}  {topics}")


def matrix(
    db: DbOption = None,
    day: Annotated[str | None, typer.Option(help="The day (YYYY-MM-DD); the latest with articles by default.")] = None,
    limit: Annotated[int, typer.Option(help="Stories (rows): the day's largest.", min=1, max=100)] = 25,
    as_json: JsonOption = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print story_id,title,outlet,articles,first rows.")] = False,
) -> None:
    """A day's outlet × story matrix: how many articles each outlet gave each of the day's largest stories (★ first)."""
    from marsad.observatory.outlets import day_matrix

    with open_db(db) as store:
        data = day_matrix(store, day, limit)
    if as_json:
        print_json(data)
        return
    if as_csv:
        out = csv.writer(sys.stdout)
        out.writerow(["story_id", "title", "outlet", "articles", "first"])
        for s in data["stories"]:
            out.writerows([s["id"], s["title"], o, c["articles"], int(c["first"])] for o, c in s["cells"].items())
        return
    if data["day"] is None:
        typer.echo("no dated articles")
        return
    cols = data["outlets"]
    typer.echo(f"{data['day']}  " + " ".join(f"{o['name'][:6]:>6}" for o in cols))
    for s in data["stories"]:
        cells = [s["cells"].get(o["source"]) for o in cols]
        row = " ".join(f"{(str(c['articles']) + ('*' if c['first'] else '')) if c else '.':>6}" for c in cells)
        typer.echo(f"{s['id']:>10}  {row}  {s['title'] or '(untitled)'}")


def topics(
    query: Annotated[str | None, typer.Argument(help="A search (anything search takes); or give --story.")] = None,
    story: Annotated[int | None, typer.Option("--story", min=1, help="A story id instead of a search.")] = None,
    db: DbOption = None,
    limit: Annotated[int, typer.Option(help="Terms and entities shown.", min=1, max=100)] = 15,
    as_json: JsonOption = False,
) -> None:
    """Top terms and top entities of a search's best matches or of a story (stopwords and formulas left out)."""
    from marsad.observatory.topics import query_topics, story_topics
    from marsad.search import open_search

    if (query is None) == (story is None):
        raise InputError("give a QUERY or --story ID")
    with open_db(db) as store:
        if story is not None:
            data = story_topics(store, story, limit)
            if data is None:
                raise InputError(f"no story with id {story}")
        else:
            assert query is not None
            engine = open_search(store, db_location(db))
            try:
                engine.catch_up()
                data = query_topics(store, engine, query, limit)
            finally:
                engine.close()
    if as_json:
        print_json(data)
        return
    for err in data.get("errors") or []:
        typer.echo(f"note: {err}", err=True)
    typer.echo(f"{data['articles']} articles read")
    typer.echo("terms: " + "، ".join(f"{t['term']} ({t['articles']})" for t in data["terms"]))
    typer.echo("entities: " + "، ".join(f"{e['name']} ({e['article_count']})" for e in data["entities"]))


@alerts_app.command("add")
def alerts_add(
    name: Annotated[str, typer.Argument(help="A name for the alert.")],
    query: Annotated[str, typer.Argument(help="What to watch: anything search takes (words, entity:, source:).")],
    db: DbOption = None,
    rule: Annotated[str, typer.Option(help="threshold (N articles a day) or spike (a rise of N standard deviations).")] = "threshold",
    threshold: Annotated[float | None, typer.Option(help="N (default 10 articles; 3.0 deviations for spike).")] = None,
    webhook: Annotated[str | None, typer.Option(help="URL each firing is POSTed to as JSON.")] = None,
    since: Annotated[str | None, typer.Option(help="First day watched (YYYY-MM-DD); the latest stored day by default.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Save an alert; it is checked after each ingest, fetch and watch round."""
    from marsad.observatory.alerts import add_alert

    with open_db(db) as store:
        alert = add_alert(store, name, query, rule, threshold, webhook, since)
    if as_json:
        print_json(alert)
    else:
        typer.echo(f"alert {alert['id']} {alert['name']!r}: {alert['rule']} {alert['threshold']} on {alert['query']!r}"
                   f" from {alert['since_day'] or 'the first day'}")


@alerts_app.command("list")
def alerts_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List saved alerts with how often they fired."""
    with open_db(db) as store:
        rows = store.alerts()
    if as_json:
        print_json(rows)
        return
    for a in rows:
        typer.echo(f"{a['id']:>4}  {a['name']}  {a['rule']} {a['threshold']}  {a['query']}  fired {a['fired']}"
                   f"{' (last ' + a['last_fired'] + ')' if a['last_fired'] else ''}")


@alerts_app.command("remove")
def alerts_remove(name: Annotated[str, typer.Argument(help="The alert's name or id.")], db: DbOption = None) -> None:
    """Delete an alert and its firings."""
    from marsad.observatory.alerts import remove_alert

    with open_db(db) as store:
        remove_alert(store, name)
    typer.echo(f"removed {name}")


@alerts_app.command("check")
def alerts_check(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Check every alert now (ingest, fetch and watch do it after each run); print the new firings."""
    from marsad.observatory.alerts import check_store_alerts

    settings = load_settings({"db": db})
    with open_db(db) as store:
        fired = check_store_alerts(store, settings)
    if as_json:
        print_json(fired)
        return
    for f in fired:
        typer.echo(f"{f['name']}: {f['count']} articles on {f['day']}"
                   f"{'' if f['score'] is None else ' (expected ' + str(f['expected']) + ', ×' + str(f['score']) + ')'}"
                   f"  [{f['delivery']}]")
    typer.echo(f"{len(fired)} new firing(s)")


@alerts_app.command("events")
def alerts_events(
    name: Annotated[str | None, typer.Argument(help="One alert's name or id (all when left out).")] = None,
    db: DbOption = None,
    limit: Annotated[int, typer.Option(help="Show at most this many.", min=1)] = 50,
    as_json: JsonOption = False,
) -> None:
    """List the latest firings, newest day first."""
    with open_db(db) as store:
        alert_id = store.alert_id(name) if name is not None else None
        if name is not None and alert_id is None:
            raise InputError(f"no alert {name!r}")
        rows = store.alert_events(alert_id, limit)
    if as_json:
        print_json(rows)
        return
    for e in rows:
        typer.echo(f"{e['day']}  {e['name']}  {e['count']} articles  [{e['delivery'] or ''}]")


def register(app: typer.Typer) -> None:
    """Add this module's verbs to the command line."""
    for verb in (sources, matrix, topics):
        app.command()(verb)
    app.add_typer(alerts_app, name="alerts")

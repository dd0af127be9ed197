"""CLI verbs of the dedup and stories stages: ``duplicates``, ``similarity``, ``stories``, ``related``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from marsad.cli.app import DbOption, JsonOption, open_db, print_json
from marsad.dedup.near import duplicate_groups
from marsad.errors import InputError
from marsad.ingest.outlets import outlet_name
from marsad.store.base import STORY_SORTS
from marsad.stories.related import related_articles


def duplicates(
    db: DbOption = None,
    as_json: JsonOption = False,
    limit: Annotated[int | None, typer.Option(help="Show at most this many groups.", min=0)] = None,
    sort: Annotated[str, typer.Option(help="size (largest group first) or found (the store's order).")] = "found",
) -> None:
    """List groups of exact, near (MinHash Jaccard) and paraphrase duplicates in the store."""
    if sort not in ("size", "found"):
        raise InputError(f"--sort must be size or found, not {sort!r}")
    with open_db(db) as store:
        groups = duplicate_groups(store)
    if sort == "size":
        groups = sorted(groups, key=lambda g: -len(g["members"]))  # stable: ties keep the store's order
    groups = groups[:limit] if limit is not None else groups
    if as_json:
        print_json(groups)
        return
    for g in groups:
        typer.echo(f"── {g['kind']} ({g['score']:.2f}), {len(g['members'])} articles")
        for m in g["members"]:
            typer.echo(f"   {m['id']:>7}  {(outlet_name(m['source']) or '-')[:14]:14}  {m['title'] or '(untitled)'}")
        if len(g["pairs"]) > 1:
            typer.echo("   pairs: " + ", ".join(f"{p['a']}–{p['b']} {p['score']:.2f}" for p in g["pairs"]))


def similarity(
    pairs: Annotated[Path, typer.Option("--pairs", help='JSON lines {"id", "text1", "text2"}.')],
) -> None:
    """Score text pairs: JSON lines {"id", "score", "same_story"}: score is graded (0-1, the expected 0-4 grade
    over 4: 1 a copy, 0.75 the same story, 0.5 the same topic, 0.25 a look-alike), same_story a probability."""
    from marsad.stories.similarity import pair_scores

    if not pairs.is_file():
        raise InputError(f"{pairs}: no such file")
    items: list[dict[str, Any]] = []
    for n, line in enumerate(pairs.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            items.append({"id": item["id"], "text1": str(item["text1"]), "text2": str(item["text2"])})
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputError(f'{pairs}:{n}: expected {{"id", "text1", "text2"}} ({exc})') from exc
    scores = pair_scores([(i["text1"], i["text2"]) for i in items])
    for item, score in zip(items, scores, strict=True):
        sys.stdout.write(json.dumps({"id": item["id"], **score.to_dict()}, ensure_ascii=False) + "\n")


def stories(
    db: DbOption = None,
    day: Annotated[str | None, typer.Option(help="Only stories with articles published on this day (YYYY-MM-DD).")] = None,
    sort: Annotated[str, typer.Option(help="recent (freshest day, then biggest) or size (biggest first).")] = "recent",
    limit: Annotated[int, typer.Option(help="Show at most this many stories.", min=1)] = 20,
    offset: Annotated[int, typer.Option(help="Skip this many first.", min=0)] = 0,
    since: Annotated[
        str | None, typer.Option(help="Only stories last seen on or after this date (YYYY-MM-DD).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List stories with their articles in publication order (the first report marked ★)."""
    from marsad.queries import list_stories, story

    if sort not in STORY_SORTS:
        raise InputError(f"--sort must be one of {', '.join(STORY_SORTS)}, not {sort!r}")
    with open_db(db) as store:
        listing = list_stories(store, limit, offset, day, sort, since)
        data = []
        for row in listing["items"]:
            full = story(store, int(row["id"])) or {}
            data.append({**row, "entities": full.get("entities", [])[:5],
                         "articles": full.get("articles", [])})
    if as_json:
        print_json(data)
        return
    for s in data:
        extra = f", {s['day_count']} on {day}" if day else ""
        typer.echo(
            f"── story {s['id']}: {s['title'] or '(untitled)'}  [{s['size']} articles{extra}, {', '.join(s['sources'])}]"
        )
        if s["entities"]:
            typer.echo("   " + "، ".join(e["name"] for e in s["entities"]))
        if len(s["articles"]) > 1:
            for a in s["articles"]:
                mark = "★" if a.get("first_report") else " "
                typer.echo(f"  {mark}{a['id']:>7}  {(a['date'] or '')[:16]:16}  {(outlet_name(a['source']) or '-')[:14]:14}  "
                           f"{a['title'] or '(untitled)'}")
    if listing["next_offset"] is not None:
        typer.echo(f"({listing['total']} stories; next page: --offset {listing['next_offset']})", err=True)


def related(
    article_id: Annotated[int, typer.Argument(help="Article id (from `marsad articles`).")],
    db: DbOption = None,
    k: Annotated[int, typer.Option("--limit", "--k", help="How many related articles.", min=1)] = 10,
    as_json: JsonOption = False,
) -> None:
    """Show articles of other stories close to one article, one per story."""
    with open_db(db) as store:
        if store.article(article_id) is None:
            raise InputError(f"no article with id {article_id}")
        rows = related_articles(store, article_id, k)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        typer.echo(
            f"{r['id']:>7}  {r['score']:.2f}  {(outlet_name(r['source']) or '-')[:14]:14}  {r['title'] or '(untitled)'}"
        )


def brief(
    db: DbOption = None,
    day: Annotated[str | None, typer.Option(help="The day (YYYY-MM-DD); the latest with articles by default.")] = None,
    limit: Annotated[int | None, typer.Option(help="Show at most this many stories and rising entities.", min=1)] = None,
    as_json: JsonOption = False,
) -> None:
    """The day's brief: its largest stories and the entities rising against the week before."""
    from marsad.observatory.brief import brief as store_brief

    with open_db(db) as store:
        data = store_brief(store, day)
    if limit is not None:
        data = {**data, **{k: data[k][:limit] for k in ("stories", "rising", "rising_stories")}}
    if as_json:
        print_json(data)
        return
    if data["day"] is None:
        typer.echo("no dated articles")
        return
    typer.echo(f"{data['day']}  (previous: {data['previous_day'] or '-'}, next: {data['next_day'] or '-'})")
    for st in data["stories"]:
        mark = "new" if st.get("new") else "rising" if st.get("rising") else f"{st.get('growth', 0):+d}"
        typer.echo(f"  {st.get('day_count', st['size']):>4} {mark:>7}  {st['title'] or '(untitled)'}")
    for st in data["rising_stories"]:
        typer.echo(f"rising story: {st['title'] or '(untitled)'} ({st['day_count']} against {st['expected']} expected, ×{st['score']})")
    if data["rising"]:
        typer.echo("rising: " + "، ".join(f"{r['name']} ({r['articles']}, ×{r['score']})" for r in data["rising"]))


def coverage(
    story_id: Annotated[int, typer.Argument(help="Story id (from `marsad stories`).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Who covered a story: articles per outlet, who was first, who republished whom, who did not cover it."""
    from marsad.ingest.outlets import outlet_name
    from marsad.observatory.outlets import story_coverage

    with open_db(db) as store:
        data = story_coverage(store, story_id)
    if data is None:
        raise InputError(f"no story with id {story_id}")
    if as_json:
        print_json(data)
        return
    typer.echo(f"{data['title'] or '(untitled)'}  ({data['size']} articles, {', '.join(data['days'])})")
    if data["first"]:
        typer.echo(f"first: {outlet_name(data['first']['source'])} at {data['first']['date']}")
    for o in data["outlets"]:
        typer.echo(f"  {o['articles']:>4}  {o['name'] or '-'}  from {o['first'] or '?'}")
    for c in data["copies"]:
        credit = f" (credits {', '.join(c['credits'])})" if c["credits"] else ""
        typer.echo(f"  copy: {c['copy']} ({outlet_name(c['copy_source'])}) of {c['of']} ({outlet_name(c['of_source'])}),"
                   f" {c['kind']} {c['score']}{credit}")
    if data["missing"]:
        typer.echo("did not cover it: " + "، ".join(m["name"] for m in data["missing"]))


def register(app: typer.Typer) -> None:
    """Add this module's verbs to the command line."""
    for verb in (duplicates, similarity, stories, related, brief, coverage):
        app.command()(verb)

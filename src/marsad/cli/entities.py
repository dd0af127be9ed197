"""Entity verbs: ``marsad entities``, ``marsad entity`` and ``marsad tag --conll``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from marsad.cli.app import DbOption, JsonOption, db_location, open_db, print_json
from marsad.errors import InputError
from marsad.ingest.outlets import outlet_name
from marsad.settings import load_settings

TYPES = ("PER", "LOC", "ORG", "MISC")


def entities(
    db: DbOption = None,
    type: Annotated[str | None, typer.Option("--type", help="Only PER, LOC, ORG or MISC.")] = None,
    limit: Annotated[int | None, typer.Option(help="Show at most this many.", min=0)] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many first.", min=0)] = 0,
    sort: Annotated[str, typer.Option(help="mentions (most first), articles (in most articles first) or name.")] = "mentions",
    as_json: JsonOption = False,
) -> None:
    """List canonical entities with mention counts and the spellings seen."""
    if type is not None and type.upper() not in TYPES:
        raise InputError(f"--type must be one of {', '.join(TYPES)}")
    if sort not in ("mentions", "articles", "name"):
        raise InputError(f"--sort must be mentions, articles or name, not {sort!r}")
    with open_db(db) as store:
        rows = store.entities(type=type.upper() if type else None, limit=limit, offset=offset, sort=sort)
    if as_json:
        print_json(rows)
        return
    for e in rows:
        forms = " / ".join(list(e["forms"])[:5])
        typer.echo(f"{e['mentions']:>6}  {e['type']:4}  {e['name']}  [{forms}]  {e['id']}")


#: Width of the mentions-per-day bars, in characters, and articles listed under an entity.
TIMELINE_WIDTH = 40
ENTITY_ARTICLES_SHOWN = 10


def entity(
    entity_id: Annotated[str, typer.Argument(help="Entity id (from `marsad entities`).")],
    db: DbOption = None,
    as_json: JsonOption = False,
    with_coverage: Annotated[bool, typer.Option("--coverage", help="Also search its spellings and say why search finds more articles than are linked.")] = False,
) -> None:
    """Show one entity: spellings, mentions per day, co-occurring entities, articles."""
    from marsad import queries
    from marsad.search import open_search

    with open_db(db) as store:
        if with_coverage:
            engine = open_search(store, str(load_settings({"db": db}).db))
            try:
                engine.catch_up()
                data = queries.entity(store, entity_id, engine)
            finally:
                engine.close()
        else:
            data = queries.entity(store, entity_id)
    if data is None:
        raise InputError(f"no entity with id {entity_id}")
    if as_json:
        print_json(data)
        return
    typer.echo(f"{data['name']} ({data['type']}) {data['id']}")
    typer.echo("spellings: " + " / ".join(data["forms"]))
    peak = max((day["mentions"] for day in data["timeline"]), default=1)
    for day in data["timeline"]:
        # Bars scaled to the busiest day, so a 500-mention day and a 60-mention day still differ.
        bar = "█" * max(1, round(TIMELINE_WIDTH * day["mentions"] / peak))
        typer.echo(f"  {day['date']}  {bar} {day['mentions']}")
    if data["cooccurring"]:
        typer.echo("with: " + "، ".join(f"{c['name']} ({c['article_count']})" for c in data["cooccurring"][:10]))
    typer.echo(f"articles: {data['article_count']} with a linked mention; the latest:")
    for a in data.get("articles", [])[:ENTITY_ARTICLES_SHOWN]:
        typer.echo(f"  {a['id']:>7}  {(a.get('date') or '')[:10]:10}  {outlet_name(a.get('source'))}  {a.get('title') or '(untitled)'}")
    cov = data.get("coverage")
    if cov:
        typer.echo(f"search: {cov['search_count']} for {cov['query']}" + (f" — {cov['reason']}" if "reason" in cov else ""))


def quotes(
    entity_id: Annotated[str | None, typer.Option("--entity", help="Entity id (from `marsad entities`).")] = None,
    story_id: Annotated[int | None, typer.Option("--story", min=1, help="Story id (from `marsad stories`).")] = None,
    query: Annotated[str | None, typer.Option("--query", "-q", help="Only statements matching this search (any spelling or form).")] = None,
    db: DbOption = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="Show at most this many statements.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Show who said what: an entity's statements, a story's linked speakers' statements, or the statements matching a search, newest first."""
    from marsad import queries
    from marsad.search import open_search

    if (entity_id is not None and story_id is not None) or (entity_id is None and story_id is None and not query):
        raise InputError("give --entity ID or --story ID, or --query WORDS (with or without --entity)")
    if query is not None and story_id is not None:
        raise InputError("--query searches all statements or one entity's, not a story's")
    out: dict[str, Any]
    with open_db(db) as store:
        if query is not None:
            if entity_id is not None and queries.entity_quotes(store, entity_id, 1) is None:
                raise InputError(f"no entity with id {entity_id}")
            engine = open_search(store, db_location(db))
            try:
                engine.catch_up()
                out = queries.search_quotes(store, engine, query, limit, entity_id)
            finally:
                engine.close()
            data: list[dict[str, Any]] | None = out["items"]
        elif entity_id is not None:
            data = queries.entity_quotes(store, entity_id, limit)
            if data is None:
                raise InputError(f"no entity with id {entity_id}")
            out = {"entity": entity_id, "items": data}
        else:
            assert story_id is not None
            data = queries.story_quotes(store, story_id, limit)
            if data is None:
                raise InputError(f"no story {story_id}")
            out = {"story": story_id, "items": data}
    if as_json:
        print_json(out)
        return
    for err in out.get("errors") or []:
        typer.echo(f"note: {err}", err=True)
    if not data:
        typer.echo("no attributed statements found")
    for q in data or []:
        typer.echo(f"{(q.get('date') or '')[:10]:10}  {outlet_name(q.get('source'))}  [{q['article_id']}] {q['speaker']} {q['verb']}: {q['content']}")


def tag(
    conll: Annotated[Path, typer.Option("--conll", help="One token per line (a second column is ignored), blank line between sentences.")],
) -> None:
    """Tag an ANERcorp-style token file and print ``token TAG`` lines (BIO with PERS/LOC/ORG/MISC)."""
    from marsad.entities.ner import tag_sentences

    if not conll.is_file():
        raise InputError(f"{conll}: no such file")
    try:
        lines = conll.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise InputError(f"{conll}: not UTF-8 text ({exc.reason})") from exc
    sentences: list[list[str]] = [[]]
    for line in lines:
        token = line.split()[0] if line.strip() else ""
        if token:
            sentences[-1].append(token)
        elif sentences[-1]:
            sentences.append([])
    sentences = [s for s in sentences if s]
    out = sys.stdout
    for tokens, labels in zip(sentences, tag_sentences(sentences), strict=True):
        for tok, lab in zip(tokens, labels, strict=True):
            out.write(f"{tok} {lab}\n")
        out.write("\n")


def register(app: typer.Typer) -> None:
    """Add this module's verbs to the command line."""
    for verb in (entities, entity, quotes, tag):
        app.command()(verb)

"""The PostgreSQL search backend: a tsvector of Marsad's own analysed terms under a GIN index.

PostgreSQL's text-search parser and dictionaries are never used: every lexeme is a term of
:mod:`marsad.search.analysis` (normalized, clitic-split, stemmed, broken plurals mapped), the same
strings tantivy indexes, written as a ``tsvector`` literal with positions, so the two backends find
the same articles for the same query. One column holds everything, told apart by weight and prefix:

* title terms at their positions, weight A; body terms after them (one position gap, so no phrase
  runs from the headline into the body), weight D;
* each word's name key (:func:`marsad.text.fold_key`) with a ``~`` prefix at the same position as
  its term, weight B in the title and C in the body.

A word of the query matches its term or any of its name keys (with the proclitic variants tantivy
asks for); a phrase is ``t1 <-> t2`` over terms, or the same over name keys. Ranking is
``ts_rank_cd`` with weights title 1.0, body 0.5 (the tantivy title boost of 2) and name keys 0.3
(tantivy's 0.6 of a body match), normalized by log document length. The rows are derived data,
like the tantivy index: a search (or ``marsad repair``) first indexes the stored articles that
have no row, found by an anti-join rather than a watermark, so articles committed out of id order
by concurrent writers are never skipped; see docs/search.md.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from marsad.search.backend import BackendResult, IndexDoc
from marsad.search.query import Clause, ParsedQuery
from marsad.search.tantivy_backend import DAY_FACET_SIZE, FACET_SIZE, FOLD_PROCLITICS

try:  # psycopg is in the optional "scale" extra, like the PostgreSQL store
    import psycopg
except ImportError:  # pragma: no cover - exercised only without the extra
    psycopg = None  # type: ignore[assignment]

#: Largest position PostgreSQL stores in a tsvector (larger ones are clamped to it).
MAX_POSITION = 16383
#: Positions PostgreSQL keeps per lexeme in one tsvector.
MAX_POSITIONS = 256
#: Prefix of name-key lexemes (terms never start with it: the tokenizer keeps only word characters).
FOLD_PREFIX = "~"
#: ts_rank_cd weights, in PostgreSQL's order {D, C, B, A}: body 0.5, body name keys 0.3, title name
#: keys 0.3, title 1.0 — the tantivy backend's TITLE_BOOST (2.0) and FOLD_WEIGHT (0.6) as ratios.
RANK_WEIGHTS = "{0.5, 0.3, 0.3, 1.0}"
#: ts_rank_cd normalization 1: divide by 1 + log(document length), as BM25 favours shorter documents.
RANK_NORMALIZATION = 1
#: Meta key recording the analysis the stored rows were built with (a mismatch empties the table).
META_KEY = "search_index"


def search_meta() -> str:
    """Return the versions the search rows are built with, as stored under ``META_KEY``."""
    from marsad.search.engine import index_meta

    return json.dumps(index_meta("postgres"), sort_keys=True)


def _lexeme(word: str) -> str:
    """Quote one lexeme for tsvector/tsquery input (quotes doubled, backslashes escaped)."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_text(doc: IndexDoc) -> str:
    """Return the tsvector literal of an analysed document (see the module docstring for the layout)."""
    title = doc.title_terms.split()
    body = doc.body_terms.split()
    folds = doc.folds.split()
    if len(folds) != len(title) + len(body):  # never expected; index the terms alone rather than misalign
        folds = []
    positions: dict[str, list[str]] = {}

    def put(lexeme: str, pos: int, weight: str) -> None:
        got = positions.setdefault(lexeme, [])
        if len(got) < MAX_POSITIONS:
            got.append(f"{min(pos, MAX_POSITION)}{weight}")

    for i, term in enumerate(title):
        put(term, i + 1, "A")
        if folds:
            put(FOLD_PREFIX + folds[i], i + 1, "B")
    start = len(title) + 2
    for j, term in enumerate(body):
        put(term, start + j, "")
        if folds:
            put(FOLD_PREFIX + folds[len(title) + j], start + j, "C")
    return " ".join(f"{_lexeme(lex)}:{','.join(dict.fromkeys(ps))}" for lex, ps in positions.items())


def _dayn(day: str) -> int:
    return int(day.replace("-", "")) if day else 0


def doc_row(doc: IndexDoc) -> tuple[int, str, str, int, str]:
    """Return the ``search_docs`` row of an analysed document."""
    return (doc.id, doc.source.replace("\x00", "\ufffd"), doc.day, _dayn(doc.day), tsvector_text(doc))


def _word(term: str, fold: str) -> str:
    parts = [_lexeme(term)]
    if fold:
        parts += [_lexeme(FOLD_PREFIX + v) for v in (fold, *(p + fold for p in FOLD_PROCLITICS))]
    return "(" + " | ".join(parts) + ")"


def clause_query(c: Clause) -> str:
    """Return the tsquery text of one word or phrase."""
    if not c.is_phrase:
        return _word(*c.keys[0])
    terms = " <-> ".join(_lexeme(t) for t, _ in c.keys)
    folds = " <-> ".join(_lexeme(FOLD_PREFIX + (f or t)) for t, f in c.keys)
    return f"(({terms}) | ({folds}))"


def positive_query(q: ParsedQuery) -> str | None:
    """Return the tsquery of the query's AND of OR-groups, or None when it has no words."""
    groups = ["(" + " | ".join(clause_query(c) for c in g) + ")" for g in q.groups if g]
    return " & ".join(groups) if groups else None


def excluded_query(q: ParsedQuery) -> str | None:
    """Return the tsquery matching any excluded clause, or None."""
    return " | ".join(clause_query(c) for c in q.excluded) if q.excluded else None


class PostgresBackend:
    """Search over the ``search_docs`` table of a Marsad PostgreSQL store."""

    def __init__(self, url: str, meta: str | None = None) -> None:
        if psycopg is None:
            raise RuntimeError("the PostgreSQL search backend needs psycopg: pip install 'marsad[scale]'")
        self.url = url
        self._pg: psycopg.Connection[dict[str, Any]] | None = None
        if meta is not None:
            stored = self._one("SELECT value FROM meta WHERE key=%s", (META_KEY,))
            wanted = meta
            if stored is None or stored["value"] != wanted:
                # Built by another analysis/normalizer version (or never recorded): rebuild from the store.
                self.clear()
                self._conn().execute(
                    "INSERT INTO meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value=excluded.value", (META_KEY, wanted)
                )

    def _conn(self) -> psycopg.Connection[dict[str, Any]]:
        if self._pg is None or self._pg.closed:
            from psycopg.rows import dict_row

            from marsad.store.engines import CONNECT_TIMEOUT

            self._pg = psycopg.connect(self.url, autocommit=True, row_factory=dict_row, connect_timeout=CONNECT_TIMEOUT)
        return self._pg

    def _one(self, sql: str, args: Sequence[Any] = ()) -> dict[str, Any] | None:
        return self._conn().execute(sql.encode(), list(args)).fetchone()

    def _int(self, sql: str, args: Sequence[Any] = ()) -> int:
        row = self._one(sql, args)
        return int(row["n"]) if row and row["n"] is not None else 0

    # -- writing ---------------------------------------------------------------------------------

    def add(self, docs: Sequence[IndexDoc]) -> None:
        """Write documents (replacing rows of the same ids); each statement commits."""
        if not docs:
            return
        with self._conn().cursor() as cur:
            cur.executemany(
                "INSERT INTO search_docs(article_id, source, day, dayn, tsv) VALUES (%s,%s,%s,%s,%s::tsvector)"
                " ON CONFLICT (article_id) DO UPDATE SET source=excluded.source, day=excluded.day,"
                " dayn=excluded.dayn, tsv=excluded.tsv",
                [doc_row(d) for d in docs],
            )

    def clear(self) -> None:
        """Remove every document (DELETE, not TRUNCATE: concurrent writers are not blocked)."""
        self._conn().execute("DELETE FROM search_docs")

    def close(self) -> None:
        """Release the connection (it is opened again when next needed)."""
        if self._pg is not None:
            self._pg.close()
            self._pg = None

    # -- catching up -----------------------------------------------------------------------------

    def missing(self, limit: int) -> list[int]:
        """Return up to ``limit`` ids of stored articles without a search row, ascending."""
        rows = self._conn().execute(
            "SELECT k.id FROM article_keys k WHERE NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.article_id = k.id)"
            " AND EXISTS (SELECT 1 FROM articles a WHERE a.id = k.id AND a.month = k.month) ORDER BY k.id LIMIT %s",
            (limit,),
        )
        return [int(r["id"]) for r in rows]

    def count_missing(self) -> int:
        """Return how many stored articles have no search row."""
        return self._int(
            "SELECT count(*) AS n FROM article_keys k WHERE NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.article_id = k.id)"
            " AND EXISTS (SELECT 1 FROM articles a WHERE a.id = k.id AND a.month = k.month)"
        )

    # -- reading ---------------------------------------------------------------------------------

    def watermark(self) -> int:
        """Return the highest article id indexed (0 when empty)."""
        return self._int("SELECT coalesce(max(article_id), 0) AS n FROM search_docs")

    def count(self) -> int:
        """Return the number of documents indexed."""
        return self._int("SELECT count(*) AS n FROM search_docs")

    def _where(self, q: ParsedQuery, only_ids: Sequence[int] | None) -> tuple[str, list[Any], str | None]:
        """Return the WHERE clause, its parameters and the positive tsquery (None: match everything)."""
        conds: list[str] = []
        args: list[Any] = []
        positive = positive_query(q)
        if positive is not None:
            conds.append("tsv @@ %s::tsquery")
            args.append(positive)
        excluded = excluded_query(q)
        if excluded is not None:
            conds.append("NOT (tsv @@ %s::tsquery)")
            args.append(excluded)
        if q.sources:
            conds.append("source = ANY(%s)")
            args.append(list(q.sources))
        if q.date_from:
            conds.append("dayn >= %s")
            args.append(_dayn(q.date_from))
        if q.date_to:
            conds.append("dayn <= %s")
            args.append(_dayn(q.date_to))
        if only_ids is not None:
            conds.append("article_id = ANY(%s)")
            args.append(sorted(set(only_ids)))
        return (" WHERE " + " AND ".join(conds)) if conds else "", args, positive

    def search(
        self,
        query: ParsedQuery,
        limit: int,
        offset: int,
        sort: str,
        only_ids: Sequence[int] | None,
        facets: bool,
    ) -> BackendResult:
        """Answer a parsed query (sort ``relevance`` or ``recent``) with optional facets."""
        where, args, positive = self._where(query, only_ids)
        if sort == "recent":
            score, rank_args, order = "0.0", [], "dayn DESC, article_id DESC"
        elif positive is not None:
            score = f"ts_rank_cd('{RANK_WEIGHTS}', tsv, %s::tsquery, {RANK_NORMALIZATION})"
            rank_args, order = [positive], "score DESC, article_id"
        else:
            score, rank_args, order = "1.0", [], "article_id"
        try:
            return self._search(where, args, score, rank_args, order, limit, offset, facets)
        except (psycopg.DataError, psycopg.ProgrammingError) as exc:  # a query PostgreSQL refuses: reported, never raised
            raise ValueError(str(exc).strip()) from exc

    def _search(
        self, where: str, args: list[Any], score: str, rank_args: list[Any], order: str, limit: int, offset: int, facets: bool
    ) -> BackendResult:
        conn = self._conn()
        rows = conn.execute(
            f"SELECT article_id, {score} AS score, count(*) OVER () AS total FROM search_docs{where}"
            f" ORDER BY {order} LIMIT %s OFFSET %s".encode(),
            [*rank_args, *args, limit, offset],
        ).fetchall()
        if rows:
            total = int(rows[0]["total"])
        else:
            total = self._int(f"SELECT count(*) AS n FROM search_docs{where}", args)
        out = BackendResult(hits=[(int(r["article_id"]), float(r["score"])) for r in rows], total=total)
        if facets and out.total:
            out.sources = [
                (str(r["source"]), int(r["n"]))
                for r in conn.execute(
                    f"SELECT source, count(*) AS n FROM search_docs{where} GROUP BY source"
                    f' ORDER BY n DESC, source COLLATE "C" LIMIT {FACET_SIZE}'.encode(),
                    args,
                )
            ]
            day_where = f"{where} AND day <> ''" if where else " WHERE day <> ''"
            out.days = [
                (str(r["day"]), int(r["n"]))
                for r in conn.execute(
                    f'SELECT day, count(*) AS n FROM search_docs{day_where} GROUP BY day ORDER BY day COLLATE "C"'
                    f" LIMIT {DAY_FACET_SIZE}".encode(),
                    args,
                )
            ]
        return out

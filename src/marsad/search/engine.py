"""The search engine: keeps an index caught up with the store and answers queries with highlights and facets.

The store is the system of record; the index is derived. Its watermark is the highest article id
it holds (read from the index itself, so a crash between commit and bookkeeping cannot desync
them); catching up indexes every stored article above it. An index built by another analysis or
normalizer version is dropped and rebuilt.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marsad.entities.linking import resolve_entity
from marsad.ports import Store
from marsad.search.analysis import ANALYSIS_VERSION, iter_terms
from marsad.search.backend import GapFreeBackend, SearchBackend, make_doc
from marsad.search.query import Clause, ParsedQuery, parse_query
from marsad.search.tantivy_backend import FOLD_PROCLITICS, TantivyBackend
from marsad.text.normalize import NORMALIZER_VERSION

log = logging.getLogger(__name__)

#: Articles read from the store and committed to the index at a time (bounded memory; a crash
#: re-indexes at most one batch).
INDEX_BATCH = 2000
#: Largest page of results.
MAX_LIMIT = 100
#: Deepest result reachable by paging (BM25 top-k cost grows with offset+limit).
MAX_OFFSET = 10000
#: Characters of body text shown around the first match in a result snippet.
SNIPPET_CHARS = 240
#: Entities listed in the entity facet (a sidebar's worth).
ENTITY_FACET_SIZE = 15
#: Top hits looked at for the stories facet (stories are a property of the best matches).
STORY_FACET_HITS = 500
#: Spellings of an ``entity:`` filter's entities used to highlight hits (its name and most frequent forms).
ENTITY_HIGHLIGHT_FORMS = 10
SORTS = ("relevance", "recent")


#: Characters of a result's body first read for its snippet's hits (then four times more, and so
#: on): most first hits are in the opening lines, and normalizing a whole body for a 240-character
#: snippet cost more than the search itself (measured on the 20k store: 41 ms per query, 24 bounded).
HIGHLIGHT_FIRST_CHARS = 800


def highlight(text: str, clauses: Sequence[Clause], within: int | None = None) -> list[tuple[int, int]]:
    """Return the original-text spans of words in ``text`` that match any query clause; with
    ``within``, only those up to that many characters past the first (all a snippet can show: the
    text is then read from its opening in growing parts, not to its end)."""
    terms = {k[0] for c in clauses for k in c.keys}
    folds = {k[1] for c in clauses for k in c.keys if k[1]}
    folds |= {p + f for f in list(folds) for p in FOLD_PROCLITICS}
    size = HIGHLIGHT_FIRST_CHARS
    while within is not None and size < len(text):
        cut = text.rfind(" ", 0, size)  # on a space, so that the words before it are whole
        if cut > 0:
            spans = _matches(text[:cut], terms, folds, within)
            if spans and spans[0][0] + within < cut:
                return spans
        size *= 4
    return _matches(text, terms, folds, within)


def _matches(text: str, terms: set[str], folds: set[str], within: int | None) -> list[tuple[int, int]]:
    """Spans of matching words, stopping ``within`` characters past the first (None: all)."""
    out: list[tuple[int, int]] = []
    stop = len(text)
    for t in iter_terms(text):
        if t.start > stop:
            break
        if t.term in terms or t.fold in folds:
            if not out and within is not None:
                stop = t.start + within
            out.append((t.start, t.end))
    return out


def segments(text: str, spans: Sequence[tuple[int, int]]) -> list[dict[str, Any]]:
    """Split ``text`` into ``{"text", "hit"}`` pieces so templates can mark the hits."""
    out: list[dict[str, Any]] = []
    pos = 0
    for s, e in spans:
        if s < pos:
            continue
        if s > pos:
            out.append({"text": text[pos:s], "hit": False})
        out.append({"text": text[s:e], "hit": True})
        pos = e
    if pos < len(text):
        out.append({"text": text[pos:], "hit": False})
    return out


def snippet(text: str, spans: Sequence[tuple[int, int]], width: int = SNIPPET_CHARS) -> dict[str, Any]:
    """Return a window of ``text`` around the first hit, with hit offsets into the original text."""
    if not spans:
        end = min(len(text), width)
        return {"start": 0, "end": end, "segments": segments(text[:end], []), "highlights": []}
    first = spans[0][0]
    start = max(0, first - width // 3)
    # Start on a word boundary so the snippet never opens mid-word.
    if start > 0:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and first - space < width else start
    end = min(len(text), start + width)
    inside = [(s, e) for s, e in spans if s >= start and e <= end]
    local = [(s - start, e - start) for s, e in inside]
    return {
        "start": start,
        "end": end,
        "segments": segments(text[start:end], local),
        "highlights": [list(x) for x in inside],
    }


@dataclass(slots=True)
class SearchResult:
    """One page of search results with facets and any query problems."""

    query: str
    total: int = 0
    hits: list[dict[str, Any]] = field(default_factory=list)
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    limit: int = 20
    offset: int = 0
    sort: str = "relevance"

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "query": self.query,
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
            "sort": self.sort,
            "errors": self.errors,
            "hits": self.hits,
            "facets": self.facets,
        }


class SearchEngine:
    """Search over one store, through a backend (tantivy by default)."""

    def __init__(self, store: Store, backend: SearchBackend, lock: threading.Lock | None = None) -> None:
        self.store = store
        self.backend = backend
        # Engines of several threads share one backend and must share this lock too.
        self._lock = lock or threading.Lock()

    # -- indexing --------------------------------------------------------------------------------

    def pending(self) -> int:
        """Return how many stored articles the index does not have yet."""
        if isinstance(self.backend, GapFreeBackend):
            return self.backend.count_missing()
        return self.store.count_articles(after_id=self.backend.watermark())

    def catch_up(self, batch: int = INDEX_BATCH) -> int:
        """Index every stored article the index lacks; return how many were added.

        A watermark backend (tantivy) takes the articles above the highest id it holds. A gap-free
        backend (PostgreSQL, written by the store itself) is asked which ids it lacks.
        """
        with self._lock:
            if isinstance(self.backend, GapFreeBackend):
                return self._fill_missing(self.backend, batch)
            wm = self.backend.watermark()
            if self.store.max_article_id() <= wm:
                return 0
            added = 0
            try:
                while True:
                    rows = self.store.articles_after(wm, batch)
                    if not rows:
                        break
                    self.backend.add([make_doc(r["id"], r["source"], r["title"], r.get("day") or r["date"], r["text"]) for r in rows])
                    added += len(rows)
                    wm = int(rows[-1]["id"])
            finally:
                self.backend.close()
        log.info("search index caught up: %d articles added", added)
        return added

    def _fill_missing(self, backend: GapFreeBackend, batch: int) -> int:
        added = 0
        while True:
            ids = backend.missing(batch)
            if not ids:
                break
            rows = self.store.article_texts(ids)
            self.backend.add([make_doc(r["id"], r["source"], r["title"], r.get("day") or r["date"], r["text"]) for r in rows])
            added += len(rows)
            if len(rows) < len(ids):  # ids without an article row (never expected): stop rather than loop
                break
        return added

    def rebuild(self) -> int:
        """Drop the index and index the whole store again."""
        with self._lock:
            self.backend.clear()
            self.backend.close()
        return self.catch_up()

    # -- querying --------------------------------------------------------------------------------

    def _story_ids(self, stories: Sequence[int]) -> list[int]:
        out: list[int] = []
        for sid in stories:
            out.extend(self.store.story_members(sid))
        return out

    def _entity_filter(self, q: ParsedQuery) -> tuple[set[int] | None, list[Clause]]:
        """Resolve ``entity:`` filters to the articles mentioning them, and the clauses that highlight them.

        Each filter is an entity id or any name or spelling, resolved through the store's alias keys.
        A name the store does not know is searched as a phrase (an entity is then its name).
        """
        allowed: set[int] | None = None
        marks: list[Clause] = []
        for name in q.entities:
            ids = resolve_entity(self.store, name)
            if not ids:
                phrase = parse_query(f'"{name}"').clauses()
                if phrase:
                    q.groups.append(phrase)
                continue
            arts = set(self.store.entity_article_ids(ids))
            allowed = arts if allowed is None else allowed & arts
            forms = [name, *self.store.entity_forms(ids)][: ENTITY_HIGHLIGHT_FORMS + 1]
            marks += [c for f in dict.fromkeys(forms) for c in parse_query(f'"{f}"').clauses()]
        q.entities = []
        return allowed, marks

    def search(
        self,
        text: str,
        limit: int = 20,
        offset: int = 0,
        sort: str = "relevance",
        facets: bool = True,
    ) -> SearchResult:
        """Answer a query string; hostile or malformed input yields errors or no hits, never an exception."""
        limit = max(0, min(int(limit), MAX_LIMIT))
        offset = max(0, min(int(offset), MAX_OFFSET))
        sort = sort if sort in SORTS else "relevance"
        result = SearchResult(query=text if isinstance(text, str) else "", limit=limit, offset=offset, sort=sort)
        q = parse_query(text)
        result.errors = list(q.errors)
        if q.is_empty:
            if not result.errors:
                result.errors.append("empty query")
            return result
        allowed, marks = self._entity_filter(q)
        if q.stories:
            in_stories = set(self._story_ids(q.stories))
            allowed = in_stories if allowed is None else allowed & in_stories
        only_ids = sorted(allowed) if allowed is not None else None
        if only_ids is not None and not only_ids:
            return result
        # The stories and entities facets look at the best STORY_FACET_HITS matches; when the page
        # is among them, one backend search gives the page, the count, the facets and those matches.
        shared = facets and sort == "relevance" and offset + limit <= STORY_FACET_HITS
        try:
            if shared:
                found = self.backend.search(q, STORY_FACET_HITS, 0, sort, only_ids, facets)
                top, page = [i for i, _ in found.hits], found.hits[offset : offset + limit]
            else:
                found = self.backend.search(q, limit, offset, sort, only_ids, facets)
                page = found.hits
                top = []
                if facets and found.total:
                    best = self.backend.search(q, STORY_FACET_HITS, 0, "relevance", only_ids, False)
                    top = [i for i, _ in best.hits]
        except (ValueError, OverflowError) as exc:  # the backend refused the query: report, never raise
            result.errors.append(f"query not understood: {exc}")
            return result
        result.total = found.total
        result.hits = self._hits(page, q, marks)
        if facets:
            result.facets = {
                "sources": [{"value": s, "count": n} for s, n in found.sources],
                "days": [{"value": d, "count": n} for d, n in found.days],
            }
            stories = self._story_facet(top)
            if stories:
                result.facets["stories"] = stories
            entities = self._entity_facet(top)
            if entities:
                result.facets["entities"] = entities
        return result

    def match_ids(self, text: str, limit: int, sort: str = "relevance") -> tuple[list[int], int, list[str]]:
        """Return the ids of a query's best (or latest) ``limit`` matches without snippets, the total
        and any query problems: for views that aggregate over matches (topics, hourly attention)."""
        q = parse_query(text)
        errors = list(q.errors)
        if q.is_empty:
            return [], 0, errors or ["empty query"]
        allowed, _ = self._entity_filter(q)
        if q.stories:
            in_stories = set(self._story_ids(q.stories))
            allowed = in_stories if allowed is None else allowed & in_stories
        only_ids = sorted(allowed) if allowed is not None else None
        if only_ids is not None and not only_ids:
            return [], 0, errors
        try:
            found = self.backend.search(q, max(0, int(limit)), 0, sort if sort in SORTS else "relevance", only_ids, False)
        except (ValueError, OverflowError) as exc:
            return [], 0, [*errors, f"query not understood: {exc}"]
        return [i for i, _ in found.hits], found.total, errors

    def _entity_facet(self, ids: list[int]) -> list[dict[str, Any]]:
        """Count the entities mentioned in the best matches (like the stories facet, over the top hits)."""
        if not ids:
            return []
        return [
            {"value": e["id"], "type": e["type"], "title": e["name"], "count": e["article_count"]}
            for e in self.store.entity_counts(ids, ENTITY_FACET_SIZE)
        ]

    def _hits(self, hits: Sequence[tuple[int, float]], q: ParsedQuery, marks: Sequence[Clause] = ()) -> list[dict[str, Any]]:
        ids = [i for i, _ in hits]
        texts = {int(d["id"]): d for d in self.store.article_texts(ids)}
        clauses = [*q.clauses(), *marks]
        out: list[dict[str, Any]] = []
        for article_id, score in hits:
            d = texts.get(article_id)
            if d is None:
                continue
            title = d.get("title") or ""
            body = d.get("text") or ""
            title_spans = highlight(title, clauses)
            body_spans = highlight(body, clauses, within=SNIPPET_CHARS)
            out.append(
                {
                    "id": article_id,
                    "score": round(score, 4),
                    "title": title,
                    "source": d.get("source"),
                    "date": d.get("date"),
                    "url": d.get("url"),
                    "title_segments": segments(title, title_spans),
                    "title_highlights": [list(s) for s in title_spans],
                    "snippet": snippet(body, body_spans),
                }
            )
        return out

    def _story_facet(self, ids: list[int]) -> list[dict[str, Any]]:
        """Count the stories of the best matches."""
        counts: dict[int, int] = {}
        for sid in self.store.story_of(ids).values():
            counts[sid] = counts.get(sid, 0) + 1
        if not counts:
            return []
        rows = self.store.story_rows(list(counts))
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
        return [{"value": str(sid), "title": rows[sid]["title"] if sid in rows else None, "count": n} for sid, n in ranked]

    def close(self) -> None:
        """Release the index."""
        self.backend.close()


def index_path_for(db: str) -> Path | None:
    """Return the index folder beside a SQLite store file (None for in-memory or server stores)."""
    if db == ":memory:" or "://" in db:
        return None
    return Path(db).with_name(Path(db).name + ".search")


def index_meta(backend: str = "tantivy") -> dict[str, Any]:
    """Return the versions an index is built with (a mismatch forces a rebuild)."""
    return {"analysis": ANALYSIS_VERSION, "normalizer": NORMALIZER_VERSION, "backend": backend, "schema": 1}


def open_backend(db: str) -> SearchBackend:
    """Return the search backend for the store at ``db``: PostgreSQL's own table for a postgresql:// URL,
    else a tantivy index beside the SQLite file (in memory for ``:memory:``)."""
    from marsad.store import is_postgres_url

    if is_postgres_url(db):
        from marsad.search.postgres_backend import PostgresBackend, search_meta

        return PostgresBackend(db, search_meta())
    return TantivyBackend(index_path_for(db), index_meta())


def open_search(store: Store, db: str) -> SearchEngine:
    """Open the search engine for the store at ``db`` (see ``open_backend``) without catching up."""
    return SearchEngine(store, open_backend(db))

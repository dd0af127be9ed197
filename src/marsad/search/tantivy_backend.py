"""The default search backend: tantivy (BM25) over Marsad's pre-analysed, whitespace-joined terms.

Chosen over SQLite FTS5 because of the issue's 100k measurement (tantivy p50 0.2 ms / p95 1.2 ms vs
FTS5 4 ms / 62 ms) and because it gives BM25 per field, boosts, phrase queries and aggregations (facets)
in one place. ``bench/search.py`` on this machine (20,093 SaudiNewsNet articles, 200 headline queries):
this backend p50 1.5 ms / p99 20 ms, unnormalized FTS5 p50 0.4 ms / p99 4.8 ms but with 4.4x fewer
hits; at 1M replicated articles p50 15 ms / p99 39 ms. A normalized-FTS5 backend behind the same
interface was not measured yet.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import tantivy

from marsad.search.backend import BackendResult, IndexDoc
from marsad.search.query import Clause, ParsedQuery
from marsad.text.clitics import NAMES

#: Weight of a title match against a body match (BM25 scores multiplied). Headlines name the story;
#: 2.0 put headline hits first on the sample queries without burying body-only matches.
TITLE_BOOST = 2.0
#: Weight of a name-key (fold) match. Below 1 because the key is coarse (غ=ج) and should decide only
#: when the stemmed term does not match (a differently spelt name).
FOLD_WEIGHT = 0.6
#: Proclitics a query's name key is also looked up behind (text.clitics.NAMES).
FOLD_PROCLITICS = NAMES
#: Writer heap in bytes: tantivy's minimum is 15 MB per thread; 128 MB indexes 1M articles
#: without flushing tiny segments.
WRITER_HEAP = 128 * 1024 * 1024
#: Number of entries in each facet (sources, days).
FACET_SIZE = 40
#: Days shown in the date histogram (two months of a daily monitor).
DAY_FACET_SIZE = 62
#: The source and day facets of a search, as one tantivy aggregation request.
FACET_AGGREGATIONS: dict[str, Any] = {
    "sources": {"terms": {"field": "source", "size": FACET_SIZE}},
    "days": {"terms": {"field": "day", "size": DAY_FACET_SIZE, "order": {"_key": "asc"}}},
}
#: Where the facet pass runs while the calling thread collects the top hits. tantivy releases the
#: GIL while it searches, so the two passes over the postings run on two cores: at 1M articles
#: (bench/search.py --scale) p50 with facets 5.5-6.3 ms one after the other, 2.6-3.0 ms together.
_FACET_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="marsad-facets")


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_integer_field("id", stored=True, indexed=True, fast=True)
    b.add_text_field("title", tokenizer_name="whitespace")
    b.add_text_field("body", tokenizer_name="whitespace")
    b.add_text_field("folds", tokenizer_name="whitespace")
    b.add_text_field("source", tokenizer_name="raw", fast=True)
    b.add_text_field("day", tokenizer_name="raw", fast=True)
    b.add_integer_field("dayn", indexed=True, fast=True)
    return b.build()


def _dayn(day: str) -> int:
    return int(day.replace("-", "")) if day else 0


class TantivyBackend:
    """A tantivy index in a folder (or in memory when ``path`` is None)."""

    def __init__(self, path: str | Path | None, meta: dict[str, Any] | None = None) -> None:
        self.schema = _schema()
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._writer: Any = None
        if self.path is None:
            self.index = tantivy.Index(self.schema)
        else:
            meta_file = self.path / "marsad-search.json"
            if self.path.exists() and meta is not None:
                try:
                    stored = json.loads(meta_file.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    stored = None
                if stored != meta:  # built by another analysis/normalizer version: rebuild
                    shutil.rmtree(self.path, ignore_errors=True)
            self.path.mkdir(parents=True, exist_ok=True)
            self.index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
            if meta is not None:
                meta_file.write_text(json.dumps(meta), encoding="utf-8")

    # -- writing ---------------------------------------------------------------------------------

    def _get_writer(self) -> Any:
        if self._writer is None:
            self._writer = self.index.writer(heap_size=WRITER_HEAP, num_threads=1)
        return self._writer

    def add(self, docs: Sequence[IndexDoc]) -> None:
        """Add documents and commit (a crash loses at most this batch; the watermark stays behind it)."""
        if not docs:
            return
        with self._lock:
            w = self._get_writer()
            # Another process (a CLI verb beside a running server) may have indexed these articles
            # since this one read its watermark: with the writer lock held, look again and skip them.
            self.index.reload()
            done = self._max_id()
            for d in docs:
                if d.id <= done:
                    continue
                w.add_document(
                    tantivy.Document(
                        id=d.id,
                        title=d.title_terms,
                        body=d.body_terms,
                        folds=d.folds,
                        source=d.source,
                        day=d.day,
                        dayn=_dayn(d.day),
                    )
                )
            w.commit()
            self.index.reload()

    def clear(self) -> None:
        """Remove every document."""
        with self._lock:
            w = self._get_writer()
            w.delete_all_documents()
            w.commit()
            self.index.reload()

    def close(self) -> None:
        """Release the writer lock."""
        with self._lock:
            if self._writer is not None:
                self._writer.wait_merging_threads()
                self._writer = None

    # -- reading ---------------------------------------------------------------------------------

    def watermark(self) -> int:
        """Return the highest article id indexed (0 when empty), as committed by any process."""
        self.index.reload()
        return self._max_id()

    def _max_id(self) -> int:
        s = self.index.searcher()
        if s.num_docs == 0:
            return 0
        res = s.search(tantivy.Query.all_query(), 1, count=False, order_by_field="id")
        return int(res.hits[0][0]) if res.hits else 0

    def count(self) -> int:
        """Return the number of documents indexed."""
        return int(self.index.searcher().num_docs)

    def _word(self, term: str, fold: str) -> Any:
        Q = tantivy.Query
        parts = [
            (tantivy.Occur.Should, Q.boost_query(Q.term_query(self.schema, "title", term), TITLE_BOOST)),
            (tantivy.Occur.Should, Q.term_query(self.schema, "body", term)),
        ]
        if fold:
            # A constant-score union of term queries, not ``term_set_query``: tantivy answers a term
            # set through an automaton that fills a bitset of every document of each segment, which
            # at 1M articles cost more than the rest of the query (bench/search.py --scale 1000000:
            # search p50 6.0 -> 3.6 ms, with facets 12.7 -> 6.6-8.4 ms). Both score a match
            # ``FOLD_WEIGHT``; the 200 bench queries gave identical totals, top 20, scores and facets.
            variants = [fold] + [p + fold for p in FOLD_PROCLITICS]
            union = Q.boolean_query([(tantivy.Occur.Should, Q.term_query(self.schema, "folds", v)) for v in variants])
            parts.append((tantivy.Occur.Should, Q.const_score_query(union, FOLD_WEIGHT)))
        return Q.boolean_query(parts)

    def _clause(self, c: Clause) -> Any:
        Q = tantivy.Query
        if not c.is_phrase:
            return self._word(*c.keys[0])
        terms: list[str | tuple[int, str]] = [k[0] for k in c.keys]
        folds: list[str | tuple[int, str]] = [k[1] for k in c.keys]
        return Q.boolean_query(
            [
                (tantivy.Occur.Should, Q.boost_query(Q.phrase_query(self.schema, "title", terms), TITLE_BOOST)),
                (tantivy.Occur.Should, Q.phrase_query(self.schema, "body", terms)),
                (tantivy.Occur.Should, Q.boost_query(Q.phrase_query(self.schema, "folds", folds), FOLD_WEIGHT)),
            ]
        )

    def build_query(self, q: ParsedQuery, only_ids: Sequence[int] | None) -> Any:
        """Translate a parsed query into a tantivy query."""
        Q = tantivy.Query
        must: list[tuple[Any, Any]] = []
        for group in q.groups:
            if len(group) == 1:
                must.append((tantivy.Occur.Must, self._clause(group[0])))
            else:
                must.append(
                    (tantivy.Occur.Must, Q.boolean_query([(tantivy.Occur.Should, self._clause(c)) for c in group]))
                )
        filters: list[Any] = []
        if q.sources:
            # A union of term queries for the same reason as the name keys (no bitset of every document).
            filters.append(Q.boolean_query([(tantivy.Occur.Should, Q.term_query(self.schema, "source", s))
                                            for s in q.sources]))
        if q.date_from or q.date_to:
            filters.append(
                Q.range_query(
                    self.schema,
                    "dayn",
                    tantivy.FieldType.Integer,
                    _dayn(q.date_from) if q.date_from else None,
                    _dayn(q.date_to) if q.date_to else None,
                )
            )
        if only_ids is not None:
            filters.append(Q.term_set_query(self.schema, "id", list(only_ids)))
        for f in filters:
            # Filters never change the score: wrap them in a constant-score query of weight zero.
            must.append((tantivy.Occur.Must, Q.const_score_query(f, 0.0)))
        if not any(True for g in q.groups):
            must.append((tantivy.Occur.Must, Q.all_query()))
        for c in q.excluded:
            must.append((tantivy.Occur.MustNot, self._clause(c)))
        return Q.boolean_query(must)

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
        searcher = self.index.searcher()
        tq = self.build_query(query, only_ids)
        pending: Future[dict[str, Any]] | None = None
        if facets:
            pending = _FACET_POOL.submit(searcher.aggregate, tq, FACET_AGGREGATIONS)
        # tantivy panics on a limit of 0: ask for one hit and drop it (a count-only search).
        if sort == "recent":
            res = searcher.search(tq, max(limit, 1), count=True, order_by_field="dayn", offset=offset)
        else:
            res = searcher.search(tq, max(limit, 1), count=True, offset=offset)
        kept = res.hits[:limit]
        addrs = [addr for _, addr in kept]
        ids = searcher.fast_field_values("id", addrs) if addrs else []
        scores = [float(k) if sort != "recent" else 0.0 for k, _ in kept]
        total = getattr(res, "count", None) or 0  # present at runtime when count=True; not in the stubs
        out = BackendResult(hits=[(int(i or 0), s) for i, s in zip(ids, scores, strict=True)], total=int(total))
        if pending is not None:
            agg = pending.result()
            out.sources = [(str(b["key"]), int(b["doc_count"])) for b in agg["sources"]["buckets"]]
            out.days = [(str(b["key"]), int(b["doc_count"])) for b in agg["days"]["buckets"] if b["key"]]
        return out

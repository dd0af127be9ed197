"""Lucene with its ArabicAnalyzer as the search benchmark's peer, driven from Python through pyjnius.

Lucene's jars are not on PyPI by themselves; Anserini's fat jar (Lucene 9.5 with lucene-analysis-common,
where ``org.apache.lucene.analysis.ar.ArabicAnalyzer`` lives) ships inside the pyserini 0.22.1 wheel.
``make bench-deps`` installs pyjnius and extracts that jar to ``.cache/lucene/`` (pyserini 0.22 is the
last release whose jar runs on Java 11+; later ones need Java 21, and this machine has 17). Nothing of
it is a dependency of Marsad itself.

The peer indexes the original title and text (Lucene does its own Arabic normalization, stop words and
light stemming) and answers the same two-word queries with every word required, as Marsad's search
does, returning the top 20 and the exact hit count in one pass. The fat jar holds neither lucene-facet nor the
highlighter, so the peer has no faceted or highlighted figures.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
JAR = ROOT / ".cache" / "lucene" / "anserini-0.22.1-fatjar.jar"
#: Lucene's in-memory buffer before it flushes a segment; the default (16 MB) makes a 1M index of
#: hundreds of small segments, which is not how anyone would run it.
RAM_BUFFER_MB = 512.0


def available() -> str | None:
    """Return why the peer cannot run here (None when it can)."""
    if not JAR.exists():
        return f"{JAR} missing: run `make bench-deps`"
    try:
        import jnius_config  # noqa: F401
    except ImportError:
        return "pyjnius not installed: run `make bench-deps`"
    return None


class LuceneIndex:
    """A Lucene index on disk: built once from (title, text) pairs, then searched."""

    def __init__(self, path: Path) -> None:
        """Start the JVM with the fat jar (once per process) and open a writer on a fresh folder."""
        import jnius_config

        if not jnius_config.vm_running:
            jnius_config.add_options("-Xmx4g")
            jnius_config.set_classpath(str(JAR))
        from jnius import autoclass, cast

        self._cast = cast  # pyjnius would pick search(Query, CollectorManager) for a bare collector
        self._j = {name.rsplit(".", 1)[-1].rsplit("$", 1)[-1]: autoclass(name) for name in (
            "org.apache.lucene.analysis.ar.ArabicAnalyzer",
            "org.apache.lucene.store.FSDirectory",
            "org.apache.lucene.index.IndexWriter",
            "org.apache.lucene.index.IndexWriterConfig",
            "org.apache.lucene.index.DirectoryReader",
            "org.apache.lucene.search.IndexSearcher",
            "org.apache.lucene.search.TopScoreDocCollector",
            "org.apache.lucene.document.Document",
            "org.apache.lucene.document.TextField",
            "org.apache.lucene.document.Field$Store",
            "org.apache.lucene.queryparser.classic.MultiFieldQueryParser",
            "org.apache.lucene.queryparser.classic.QueryParser$Operator",
            "java.io.File",
        )}
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        self._dir = self._j["FSDirectory"].open(self._j["File"](str(path)).toPath())
        self._analyzer = self._j["ArabicAnalyzer"]()
        config = self._j["IndexWriterConfig"](self._analyzer)
        config.setRAMBufferSizeMB(RAM_BUFFER_MB)
        self._writer: Any = self._j["IndexWriter"](self._dir, config)
        self._searcher: Any = None
        self._parser: Any = None

    def add(self, docs: Iterable[tuple[str, str]]) -> int:
        """Index (title, text) documents; return how many."""
        document, text_field, no = self._j["Document"], self._j["TextField"], self._j["Store"].NO
        n = 0
        for title, text in docs:
            doc = document()
            doc.add(text_field("title", title, no))
            doc.add(text_field("body", text, no))
            self._writer.addDocument(doc)
            n += 1
        return n

    def commit(self) -> None:
        """Merge down to a searchable index and open a searcher on it."""
        self._writer.forceMerge(1)
        self._writer.close()
        reader = self._j["DirectoryReader"].open(self._dir)
        self._searcher = self._j["IndexSearcher"](reader, signature="(Lorg/apache/lucene/index/IndexReader;)V")
        self._parser = self._j["MultiFieldQueryParser"](["title", "body"], self._analyzer)
        self._parser.setDefaultOperator(self._j["Operator"].AND)

    def search(self, words: list[str], top_k: int) -> int:
        """Top ``top_k`` documents holding every word (in title or body) and the exact hit count."""
        # each word quoted (a phrase of its own tokens), so that AND/OR/NOT are words, not operators
        escape = self._j["MultiFieldQueryParser"].escape
        escaped = " ".join(f'"{escape(w)}"' for w in words)
        query = self._parser.parse(escaped)
        # one pass for the top k and the exact count (a total-hits threshold of "all"), as Marsad's
        # search counts while it ranks
        collector = self._j["TopScoreDocCollector"].create(top_k, 2**31 - 1)
        self._searcher.search(query, self._cast("org.apache.lucene.search.Collector", collector))
        return int(collector.getTotalHits())

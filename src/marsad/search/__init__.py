"""Arabic-aware search: an index derived from the store over Marsad's own normalized, stemmed tokens."""

from marsad.search.backend import BackendResult, IndexDoc, SearchBackend
from marsad.search.engine import SearchEngine, SearchResult, index_path_for, open_backend, open_search
from marsad.search.query import ParsedQuery, parse_query

__all__ = [
    "BackendResult",
    "IndexDoc",
    "ParsedQuery",
    "SearchBackend",
    "SearchEngine",
    "SearchResult",
    "index_path_for",
    "open_backend",
    "open_search",
    "parse_query",
]

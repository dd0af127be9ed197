"""Arabic stopwords (stopwords-iso, MIT), stored normalized in text/data/stopwords-ar.txt."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from marsad.text.normalize import normalize_text


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Return the set of normalized Arabic stopwords."""
    raw = resources.files("marsad.text").joinpath("data/stopwords-ar.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in raw.splitlines() if line.strip() and not line.startswith("#"))


def is_stopword(word: str) -> bool:
    """Return True if ``word`` (any spelling) is an Arabic stopword."""
    return normalize_text(word) in stopwords()

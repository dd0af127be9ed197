"""Page-furniture phrase lists (extract/data/markers.toml), loaded once and normalized for matching."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from marsad.text.normalize import normalize_text


@dataclass(frozen=True, slots=True)
class Markers:
    """Normalized phrase lists used by the page rules."""

    source_labels: tuple[str, ...]
    author_labels: tuple[str, ...]
    date_labels: tuple[str, ...]
    tag_labels: tuple[str, ...]
    read_also_labels: tuple[str, ...]
    related_labels: tuple[str, ...]
    promo_prefixes: tuple[str, ...]
    share_words: frozenset[str]
    nav_words: frozenset[str]
    final_punctuation: tuple[str, ...]
    bullets: tuple[str, ...]


def _norm_list(values: list[str]) -> tuple[str, ...]:
    # Longest first so that "اقرا ايضا" wins over "اقرا".
    return tuple(sorted({normalize_text(v).lower().strip() for v in values}, key=len, reverse=True))


@lru_cache(maxsize=1)
def markers() -> Markers:
    """Return the phrase lists from ``extract/data/markers.toml``."""
    raw = resources.files("marsad.extract").joinpath("data/markers.toml").read_text(encoding="utf-8")
    data = tomllib.loads(raw)
    return Markers(
        source_labels=_norm_list(data["source_labels"]),
        author_labels=_norm_list(data["author_labels"]),
        date_labels=_norm_list(data["date_labels"]),
        tag_labels=_norm_list(data["tag_labels"]),
        read_also_labels=_norm_list(data["read_also_labels"]),
        related_labels=_norm_list(data["related_labels"]),
        promo_prefixes=_norm_list(data["promo_prefixes"]),
        share_words=frozenset(_norm_list(data["share_words"])),
        nav_words=frozenset(w.lower() for w in _norm_list(data["nav_words"])),
        final_punctuation=tuple(data["final_punctuation"]),
        bullets=tuple(data["bullets"]),
    )

"""Outlets by slug: the Arabic name, country and site a reader sees instead of ``aawsat``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Outlet:
    """A news outlet: its slug as inputs name it, its Arabic name, country and site."""

    slug: str
    name: str
    country: str
    site: str

    def to_dict(self) -> dict[str, str]:
        """Return the JSON form."""
        return {"slug": self.slug, "name": self.name, "country": self.country, "site": self.site}


@lru_cache(maxsize=1)
def outlets() -> dict[str, Outlet]:
    """Return the committed outlet table (``ingest/data/outlets.tsv``) by slug."""
    text = resources.files("marsad.ingest").joinpath("data/outlets.tsv").read_text(encoding="utf-8")
    out = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            slug, name, country, site = line.split("\t")
            out[slug] = Outlet(slug, name, country, site)
    return out


def outlet_name(slug: str | None) -> str:
    """Return an outlet's Arabic name, or its slug when the table does not know it."""
    if not slug:
        return ""
    known = outlets().get(slug)
    return known.name if known else slug

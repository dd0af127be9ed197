"""Every tunable number in one table: name, default, help; layered defaults → marsad.toml → MARSAD_* env."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marsad.errors import SettingsError


@dataclass(frozen=True, slots=True)
class Setting:
    """One tunable: its name, default value and why it has that value."""

    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("db", "marsad.db", "Store location: a SQLite file path, or postgresql://… for PostgreSQL."),
    Setting(
        "max_document_bytes",
        20 * 1024 * 1024,
        "Largest single page (HTML/text) accepted. The biggest real news page seen here is 0.5 MB; "
        "20 MB leaves room for inline images while keeping one parse well under a second of memory churn.",
    ),
    Setting(
        "max_record_bytes",
        2 * 1024 * 1024,
        "Largest single JSON article record. SaudiNewsNet's largest is ~60 KB; 2 MB rejects runaway records.",
    ),
    Setting(
        "max_zip_total_bytes",
        2 * 1024 * 1024 * 1024,
        "Total uncompressed bytes read from one zip before it is treated as a zip bomb.",
    ),
    Setting(
        "max_zip_ratio",
        200,
        "Largest compression ratio accepted for a zip member. Arabic JSON compresses ~4-8x; bombs reach 1000x+.",
    ),
    Setting(
        "heading_max_words",
        14,
        "A line longer than this many words is never a section heading. Headings on the seed and "
        "SaudiNewsNet pages are 2-11 words; body sentences rarely fall under 15.",
    ),
    Setting(
        "paragraph_min_words",
        8,
        "A line with at least this many words and final punctuation counts as prose, e.g. when "
        "deciding that a new article starts after a page's end-matter.",
    ),
    Setting(
        "title_match_min",
        0.5,
        "Share of a 'read also' headline's content stems that must appear in the following untitled "
        "article for the headline to become its title (the seed's pair scores ~0.8, unrelated ~0.2).",
    ),
    Setting(
        "tag_phrase_min_count",
        2,
        "A space-separated tag run is kept as one multi-word tag if it occurs at least this often "
        "as a phrase in the page's text (once could be chance adjacency).",
    ),
    Setting(
        "tag_phrase_min_cohesion",
        0.5,
        "…and if phrase count / count of its rarest word is at least this (how much the words stick together).",
    ),
    Setting(
        "related_group_threshold",
        0.5,
        "Headline similarity at or above which two related-list items are one story.",
    ),
    Setting("ingest_batch_size", 500, "Articles written per store transaction during ingest."),
    Setting(
        "dedup_on_ingest",
        True,
        "Run duplicate detection and story clustering on each committed ingest batch (off for raw bulk loads; "
        "re-derive later).",
    ),
    Setting(
        "api_rate_limit",
        0.0,
        "Requests per second allowed per client address by `marsad serve` (0 = no limit). Off by default: "
        "the server listens on 127.0.0.1 for one user; set it (e.g. 20) when the API is shared.",
    ),
    Setting("api_rate_burst", 40, "Requests a client may send at once before the rate limit applies."),
    Setting(
        "fetch_allow_networks",
        "",
        "Comma-separated host names or networks (CIDR, e.g. 127.0.0.1/32, 10.0.0.0/8) that fetches and "
        "`POST /api/ingest {url}` may reach although they are loopback, private, link-local or multicast. "
        "Empty: only public addresses, so a posted URL cannot reach services behind the server.",
    ),
    Setting(
        "entities_on_ingest",
        True,
        "Tag and link named entities while ingesting. The tagger runs ~12k tokens/s on 2 cores (~30 articles/s), "
        "so bulk loads of whole crawls may turn it off and tag in batch.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def _coerce(setting: Setting, value: Any) -> Any:
    kind = type(setting.default)
    if isinstance(value, kind):
        return value
    try:
        if kind is bool:
            return str(value).strip().lower() in {"1", "true", "yes", "on"}
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"setting {setting.name!r}: cannot read {value!r} as {kind.__name__}") from exc


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return the effective settings: defaults, then marsad.toml, then MARSAD_* env, then overrides."""
    values = {s.name: s.default for s in SETTINGS}
    path = config_path if config_path is not None else Path("marsad.toml")
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path}: {exc}") from exc
        for key, value in data.get("marsad", data).items():
            if key not in _BY_NAME:
                raise SettingsError(f"{path}: unknown setting {key!r}")
            values[key] = _coerce(_BY_NAME[key], value)
    env = os.environ if environ is None else environ
    for s in SETTINGS:
        raw = env.get("MARSAD_" + s.name.upper())
        # Set but empty: an empty text (MARSAD_DB= is refused by the store, not replaced by the
        # default); for numbers and switches it means "not set".
        if raw is not None and (raw != "" or isinstance(s.default, str)):
            values[s.name] = _coerce(s, raw)
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key not in _BY_NAME:
            raise SettingsError(f"unknown setting {key!r}")
        values[key] = _coerce(_BY_NAME[key], value)
    return values


def default(name: str) -> Any:
    """Return a setting's default value."""
    return _BY_NAME[name].default

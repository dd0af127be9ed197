"""Every tunable number in one typed, frozen table: defaults → marsad.toml → MARSAD_* env → overrides."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marsad.errors import SettingsError


def _setting(default: Any, help: str) -> Any:
    """Declare one settings field with the reason for its default as help text."""
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True, slots=True)
class Settings:
    """The effective settings of one run, built once by `load_settings` and passed down read-only."""

    db: str = _setting(
        "marsad.db",
        "Store location: a SQLite file path, or postgresql://… for PostgreSQL.",
    )
    max_document_bytes: int = _setting(
        20 * 1024 * 1024,
        "Largest single page (HTML/text) accepted. The biggest real news page seen here is 0.5 MB; "
        "20 MB leaves room for inline images while keeping one parse well under a second of memory churn.",
    )
    max_record_bytes: int = _setting(
        2 * 1024 * 1024,
        "Largest single JSON article record. SaudiNewsNet's largest is ~60 KB; 2 MB rejects runaway records.",
    )
    max_zip_total_bytes: int = _setting(
        2 * 1024 * 1024 * 1024,
        "Total uncompressed bytes read from one zip before it is treated as a zip bomb.",
    )
    max_zip_ratio: int = _setting(
        200,
        "Largest compression ratio accepted for a zip member. Arabic JSON compresses ~4-8x; bombs reach 1000x+.",
    )
    heading_max_words: int = _setting(
        14,
        "A line longer than this many words is never a section heading. Headings on the seed and "
        "SaudiNewsNet pages are 2-11 words; body sentences rarely fall under 15.",
    )
    paragraph_min_words: int = _setting(
        8,
        "A line with at least this many words and final punctuation counts as prose, e.g. when "
        "deciding that a new article starts after a page's end-matter.",
    )
    title_match_min: float = _setting(
        0.5,
        "Share of a 'read also' headline's content stems that must appear in the following untitled "
        "article for the headline to become its title (the seed's pair scores ~0.8, unrelated ~0.2).",
    )
    tag_phrase_min_count: int = _setting(
        2,
        "A space-separated tag run is kept as one multi-word tag if it occurs at least this often "
        "as a phrase in the page's text (once could be chance adjacency).",
    )
    tag_phrase_min_cohesion: float = _setting(
        0.5,
        "…and if phrase count / count of its rarest word is at least this (how much the words stick together).",
    )
    related_group_threshold: float = _setting(
        0.5,
        "Headline similarity at or above which two related-list items are one story.",
    )
    ingest_batch_size: int = _setting(
        500,
        "Articles written per store transaction during ingest.",
    )
    ingest_workers: int = _setting(
        0,
        "Worker processes that parse and tag documents during ingest (0: one per CPU core; 1: in the ingesting "
        "process). A run of a few documents stays in the ingesting process (`pipeline.POOL_FROM_DOCUMENTS`). The store keeps one writer; "
        "results are stored in input order whatever the number. One per core: 1.8x the records/s of one process "
        "on 2 cores (bench/ingest.py, 12 SaudiNewsNet days).",
    )
    dedup_on_ingest: bool = _setting(
        True,
        "Run duplicate detection and story clustering on each committed ingest batch (off for raw bulk loads; "
        "re-derive later).",
    )
    api_rate_limit: float = _setting(
        0.0,
        "Requests per second allowed per client address by `marsad serve` (0 = no limit). Off by default: "
        "the server listens on 127.0.0.1 for one user; set it (e.g. 20) when the API is shared.",
    )
    api_rate_burst: int = _setting(
        40,
        "Requests a client may send at once before the rate limit applies.",
    )
    fetch_allow_networks: str = _setting(
        "",
        "Comma-separated host names or networks (CIDR, e.g. 127.0.0.1/32, 10.0.0.0/8) that fetches and "
        "`POST /api/ingest {url}` may reach although they are loopback, private, link-local or multicast. "
        "Empty: only public addresses, so a posted URL cannot reach services behind the server.",
    )
    entities_on_ingest: bool = _setting(
        True,
        "Tag and link named entities while ingesting. The tagger runs ~12k tokens/s on 2 cores (~30 articles/s), "
        "so bulk loads of whole crawls may turn it off and tag in batch.",
    )
    alert_log: str = _setting(
        "",
        "JSON Lines file every alert firing is appended to. Empty: beside a SQLite store (marsad.db → "
        "marsad.db.alerts.jsonl), or marsad-alerts.jsonl in the working folder for PostgreSQL.",
    )
    alert_webhook_timeout: float = _setting(
        5.0,
        "Seconds an alert's webhook may take to answer. A slow receiver must not hold up the ingest "
        "that checked the alert; the firing is kept with the error and the log line is written anyway.",
    )

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some settings changed (values are read as the field's type)."""
        return dataclasses.replace(self, **{k: _coerce(k, v) for k, v in changes.items() if v is not None})

    def as_dict(self) -> dict[str, Any]:
        """Return the settings as a plain mapping (for JSON output and Spark task closures)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class Setting:
    """One tunable as documented: its name, default value and why it has that value."""

    name: str
    default: Any
    help: str


# The documented table is derived from the dataclass, so the two can never disagree.
SETTINGS: tuple[Setting, ...] = tuple(
    Setting(f.name, f.default, str(f.metadata["help"])) for f in dataclasses.fields(Settings)
)
_BY_NAME = {s.name: s for s in SETTINGS}


def _coerce(name: str, value: Any) -> Any:
    """Read one value as the type of the setting's default, or raise SettingsError."""
    if name not in _BY_NAME:
        raise SettingsError(f"unknown setting {name!r}")
    kind = type(_BY_NAME[name].default)
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    try:
        if kind is bool:
            return str(value).strip().lower() in {"1", "true", "yes", "on"}
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"setting {name!r}: cannot read {value!r} as {kind.__name__}") from exc


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Return the effective settings: defaults, then marsad.toml, then MARSAD_* env, then overrides."""
    values: dict[str, Any] = {}
    path = config_path if config_path is not None else Path("marsad.toml")
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path}: {exc}") from exc
        for key, value in data.get("marsad", data).items():
            if key not in _BY_NAME:
                raise SettingsError(f"{path}: unknown setting {key!r}")
            values[key] = _coerce(key, value)
    env = os.environ if environ is None else environ
    for s in SETTINGS:
        raw = env.get("MARSAD_" + s.name.upper())
        # Set but empty: an empty text (MARSAD_DB= is refused by the store, not replaced by the
        # default); for numbers and switches it means "not set".
        if raw is not None and (raw != "" or isinstance(s.default, str)):
            values[s.name] = _coerce(s.name, raw)
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = _coerce(key, value)
    return Settings(**values)


def default(name: str) -> Any:
    """Return a setting's default value."""
    return _BY_NAME[name].default


def markdown() -> str:
    """Return docs/settings.md: every setting with its default, environment name and reason."""
    lines = [
        "# Settings",
        "",
        "<!-- Generated from marsad.settings.SETTINGS by `marsad settings --markdown`; do not edit by hand. -->",
        "",
        "Each setting is read, in order, from its default, a `marsad.toml` in the working directory "
        "(top level or a `[marsad]` table), the environment variable `MARSAD_<NAME>`, and finally the "
        "command line (`--db`). `marsad settings` prints the effective values.",
        "",
        "| setting | default | environment | what it does and why this default |",
        "| --- | --- | --- | --- |",
    ]
    for s in SETTINGS:
        shown = repr(s.default) if isinstance(s.default, str) else str(s.default).lower() if isinstance(
            s.default, bool) else f"{s.default:,}" if isinstance(s.default, int) else str(s.default)
        reason = s.help.replace("|", "\\|")
        lines.append(f"| `{s.name}` | `{shown}` | `MARSAD_{s.name.upper()}` | {reason} |")
    return "\n".join(lines) + "\n"

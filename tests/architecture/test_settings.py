"""The typed settings: one frozen object built once, layered sources, and docs/settings.md kept current."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from marsad.errors import SettingsError
from marsad.settings import SETTINGS, Settings, load_settings, markdown
from tests.conftest import ROOT, run_cli


def test_docs_settings_is_generated_from_the_table() -> None:
    """docs/settings.md must be regenerated (`marsad settings --markdown > docs/settings.md`) when a setting changes."""
    assert (ROOT / "docs" / "settings.md").read_text(encoding="utf-8") == markdown()
    assert {s.name for s in SETTINGS} == {f.name for f in dataclasses.fields(Settings)}
    assert all(len(s.help) > 20 for s in SETTINGS), "every setting says why it has its default"


def test_layers_apply_in_order_and_values_are_typed(tmp_path: Path) -> None:
    toml = tmp_path / "marsad.toml"
    toml.write_text("[marsad]\ningest_batch_size = 50\nheading_max_words = 9\n", encoding="utf-8")
    env = {"MARSAD_INGEST_BATCH_SIZE": "70", "MARSAD_DEDUP_ON_INGEST": "off", "MARSAD_API_RATE_LIMIT": "2.5"}
    s = load_settings({"heading_max_words": "11"}, config_path=toml, environ=env)
    assert (s.ingest_batch_size, s.heading_max_words, s.dedup_on_ingest, s.api_rate_limit) == (70, 11, False, 2.5)
    assert isinstance(s.ingest_batch_size, int)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.ingest_batch_size = 1  # type: ignore[misc]
    assert s.replace(ingest_batch_size="5").ingest_batch_size == 5 and s.ingest_batch_size == 70


@pytest.mark.parametrize(
    ("overrides", "environ", "toml"),
    [
        ({"no_such_setting": 1}, {}, ""),
        ({}, {"MARSAD_INGEST_BATCH_SIZE": "many"}, ""),
        ({}, {}, "[marsad]\nno_such = 1\n"),
        ({}, {}, "[marsad\n"),
    ],
)
def test_bad_settings_are_clear_errors(overrides: dict[str, object], environ: dict[str, str], toml: str,
                                       tmp_path: Path) -> None:
    path = tmp_path / "marsad.toml"
    if toml:
        path.write_text(toml, encoding="utf-8")
    with pytest.raises(SettingsError):
        load_settings(overrides, config_path=path, environ=environ)


def test_settings_verb_shows_effective_values(tmp_path: Path) -> None:
    done = run_cli("settings", "--json", env={"MARSAD_INGEST_BATCH_SIZE": "42"}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["ingest_batch_size"] == 42 and shown["db"] == "marsad.db"
    bad = run_cli("settings", env={"MARSAD_INGEST_BATCH_SIZE": "x"}, cwd=tmp_path)
    assert bad.returncode != 0 and "ingest_batch_size" in bad.stderr and "Traceback" not in bad.stderr

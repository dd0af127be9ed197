"""Shared fixtures: paths to committed test data and to the shared corpora beside the repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SHARED = Path(os.environ.get("MARSAD_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Committed real-data fixtures."""
    return DATA


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared corpora folder beside the repository (skips the test when it is absent)."""
    if not SHARED.is_dir():
        pytest.skip(f"shared data not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The real aggregator page with two fused articles."""
    return (DATA / "seed-kim-putin.txt").read_text(encoding="utf-8")


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real ``marsad`` command line in a subprocess."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("MARSAD_DB", None) if env is None or "MARSAD_DB" not in env else None
    return subprocess.run(
        [sys.executable, "-m", "marsad", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=600,
    )

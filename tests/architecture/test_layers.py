"""The import-linter contract (pyproject.toml) holds, and it catches a new upward import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT)], cwd=root, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(root / "src"), "PATH": "/usr/bin:/bin"})


def test_contract_is_kept() -> None:
    out = _lint(ROOT)
    assert out.returncode == 0, out.stdout[-2000:]


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    # The text layer reaching up into the store: the flow the contract forbids.
    stem = tmp_path / "src" / "marsad" / "text" / "stem.py"
    stem.write_text(stem.read_text(encoding="utf-8") + "\nfrom marsad.store import open_store  # noqa\n", encoding="utf-8")
    out = _lint(tmp_path)
    assert out.returncode != 0
    assert "marsad.text.stem -> marsad.store" in out.stdout

"""The whole tree is ruff clean under the rules in pyproject.toml (DEVELOPERS.md: ruff clean)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_tree_passes_ruff() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, f"ruff found problems:\n{completed.stdout}{completed.stderr}"

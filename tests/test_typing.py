"""The package type-checks under the mypy settings in pyproject.toml.

A type error is often a real bug (an Optional used unchecked, a value of the wrong kind passed
on); running mypy as a test keeps the package clean without a separate CI step.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_package_passes_mypy(tmp_path: Path) -> None:
    # A fresh cache directory: works from a clean clone and leaves the checkout untouched.
    completed = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, (
        f"mypy exited with {completed.returncode}:\n{completed.stdout}{completed.stderr}"
    )

"""Finds the files that ship beside the package (grammar/, specs/) wherever it is installed.

A wheel carries them inside the package as ``arazzo_engine/grammar`` and ``arazzo_engine/specs``;
a source checkout keeps them at the top level. Both layouts must work.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"cannot find {candidates[0].name!r} beside the arazzo_engine package")


def grammar_dir() -> Path:
    """The folder holding the ``.lark`` grammar files."""
    return _first_existing(_PACKAGE_DIR / "grammar", _PACKAGE_DIR.parent / "grammar")


def specs_dir() -> Path:
    """The folder holding the shipped Arazzo and OpenAPI documents."""
    return _first_existing(_PACKAGE_DIR / "specs", _PACKAGE_DIR.parent / "specs")

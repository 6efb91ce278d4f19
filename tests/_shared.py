"""Data fetched from public repositories lives beside the clone, in ``../shared/``, never in it.

Tests that need it say so with ``@needs_shared("conformance", "jsonpath-cts")`` (or take their
parameters from ``shared_params``). When the folder is missing (a fresh clone on its own) they
skip with a reason naming it; with ``ARAZZO_REQUIRE_SHARED=1`` (set by ``.ci/run``) the skip is
a failure, so CI can never pass without running them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
SHARED = REPOSITORY.parent / "shared"
REQUIRE_VARIABLE = "ARAZZO_REQUIRE_SHARED"
MARKER = "needs_shared"


def shared(*parts: str) -> Path:
    """The path of ``../shared/<parts>``, whether or not it exists."""
    return SHARED.joinpath(*parts)


def needs_shared(*parts: str) -> pytest.MarkDecorator:
    """Marks a test (or one parameter) as reading ``../shared/<parts>``."""
    return getattr(pytest.mark, MARKER)(shared(*parts))


def shared_params(parts: tuple[str, ...], load: Callable[[Path], Iterable[Any]],
                  ids: Callable[[Any], str] | None = None) -> list[Any]:
    """Parameters read from ``../shared/<parts>`` by ``load``; when that is missing, one
    placeholder parameter that skips (or fails, when required) saying which folder is missing."""
    path = shared(*parts)
    if not path.exists():
        return [pytest.param(None, id="shared-data-missing", marks=needs_shared(*parts))]
    return [pytest.param(value, id=ids(value) if ids else None) for value in load(path)]


def require(path: Path) -> None:
    """Skips (or, under ``ARAZZO_REQUIRE_SHARED=1``, fails) when ``path`` does not exist."""
    if path.exists():
        return
    relative = os.path.relpath(path, REPOSITORY)
    reason = f"needs shared data: {relative} is missing (looked for {path})"
    if os.environ.get(REQUIRE_VARIABLE, "") not in ("", "0"):
        pytest.fail(f"{reason}; {REQUIRE_VARIABLE} is set, so this is a failure", pytrace=False)
    pytest.skip(reason)

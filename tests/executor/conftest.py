"""Fixtures for executor tests: a scripted local HTTP server, document writing, the run CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from local_http import LocalServer, run_cli


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


@pytest.fixture
def write_docs(tmp_path: Path) -> Callable[..., Path]:
    """Writes YAML documents (name -> data) into a temporary folder; returns the first's path."""

    def write(**documents: Any) -> Path:
        first = None
        for name, data in documents.items():
            path = tmp_path / name.replace("__", ".")
            path.write_text(yaml.safe_dump(data, sort_keys=False) if not isinstance(data, str)
                            else data)
            first = first or path
        assert first is not None
        return first

    return write


@pytest.fixture
def cli() -> Callable[[list[str]], int]:
    return run_cli

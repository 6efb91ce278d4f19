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


@pytest.fixture
def run_doc(tmp_path: Path) -> Callable[..., Any]:
    """Writes ``flow.arazzo.yaml`` (+ ``openapi.yaml`` and any extra files), then runs it.

    Runs use a ``ManualClock`` (pass ``clock=`` to inspect its sleeps), no loop delay unless
    asked, and never the environment's proxies.
    """
    from arazzo_engine.executor import ManualClock, RunOptions, run_workflow

    def run(arazzo: dict[str, Any], openapi: dict[str, Any] | None = None, *,
            workflow_id: str | None = None, inputs: dict[str, Any] | None = None,
            clock: ManualClock | None = None, files: dict[str, Any] | None = None,
            observer: Any = None, **options: Any) -> Any:
        if openapi is not None:
            (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(openapi, sort_keys=False))
        for name, data in (files or {}).items():
            (tmp_path / name).write_text(
                data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
        path = tmp_path / "flow.arazzo.yaml"
        path.write_text(yaml.safe_dump(arazzo, sort_keys=False))
        options.setdefault("loop_delay", 0)
        options.setdefault("trust_env", False)
        return run_workflow(path, workflow_id, inputs, RunOptions(**options),
                            observer=observer, clock=clock or ManualClock())

    return run

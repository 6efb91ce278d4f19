"""A closed stdout (``arazzo run ... | head -c 1`` under pipefail) never hides a failure.

Real processes in a real shell pipeline: the server answers slowly, so the reader has gone
before the run writes again, and the write meets a closed pipe.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from local_http import LocalServer, Reply, arazzo_doc, openapi_doc


def _document(tmp_path: Path, server: LocalServer, status: int) -> Path:
    def slow(_seen: object) -> Reply:
        time.sleep(0.5)
        return Reply(status, {"message": "boom"})

    server.route("GET", "/x", slow)
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(
        openapi_doc(server.url, {"id": "x", "path": "/x"})))
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump(arazzo_doc({"workflowId": "w", "steps": [
        {"stepId": "one", "operationId": "x"}, {"stepId": "two", "operationId": "x"}]})))
    return path


def _pipeline(path: Path, reader: str, *extra: str) -> subprocess.CompletedProcess[str]:
    command = shlex.join([sys.executable, "-m", "arazzo_engine", "run", str(path), *extra])
    return subprocess.run(["bash", "-o", "pipefail", "-c", f"{command} | {reader}"],
                          capture_output=True, text=True, timeout=60, env=dict(os.environ))


@pytest.mark.parametrize(("reader", "extra"), [
    ("head -c 1", ()), ("true", ("--format", "json")), ("true", ())])
def test_a_failing_run_exits_1_whatever_happens_to_stdout(
        tmp_path: Path, server: LocalServer, reader: str, extra: tuple[str, ...]) -> None:
    done = _pipeline(_document(tmp_path, server, 500), reader, *extra)
    assert done.returncode == 1, done.stderr
    assert "workflow 'w' failed" in done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_a_succeeding_run_with_a_closed_stdout_exits_0_and_runs_every_step(
        tmp_path: Path, server: LocalServer) -> None:
    done = _pipeline(_document(tmp_path, server, 200), "head -c 1")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout) == 1  # head printed one byte and left
    assert len(server.requests) == 2  # the closed pipe did not stop the run
    assert "Exception ignored" not in done.stderr

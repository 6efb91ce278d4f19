"""Small things a new user meets: unresolved outputs are marked in every format, and time
limits in messages are rounded as people write them."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from local_http import LocalServer, Reply, arazzo_doc, openapi_doc, run_cli


def _write(tmp_path: Path, server: LocalServer) -> Path:
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(openapi_doc(
        server.url, {"id": "get", "path": "/x"}, {"id": "slow", "path": "/slow"})))
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump(arazzo_doc(
        {"workflowId": "w", "steps": [
            {"stepId": "s", "operationId": "get",
             "outputs": {"found": "$response.body#/a", "gone": "$response.body#/missing"},
             "onSuccess": [{"name": "stop", "type": "end"}]},
            {"stepId": "never", "operationId": "get", "outputs": {"x": "$response.body#/a"}}],
         "outputs": {"nope": "$steps.never.outputs.x", "found": "$steps.s.outputs.found"}},
        {"workflowId": "slow", "steps": [{"stepId": "s", "operationId": "slow"}]})))
    return path


def test_an_unresolved_output_is_marked_in_text_and_json(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("GET", "/x", {"a": 1})
    path = _write(tmp_path, server)
    assert run_cli(["run", str(path), "--workflow", "w"]) == 0
    out = capsys.readouterr().out
    assert "outputs: found=1, gone=null (unresolved)" in out  # the step's line
    assert "  nope: null  (unresolved)" in out and "  found: 1\n" in out  # the summary
    assert run_cli(["run", str(path), "--workflow", "w", "--format", "json"]) == 0
    result: Any = json.loads(capsys.readouterr().out)
    assert result["outputs"] == {"nope": None, "found": 1}
    assert set(result["unresolvedOutputs"]) == {"nope"}
    assert set(result["steps"][0]["unresolvedOutputs"]) == {"gone"}


def test_deadline_messages_are_rounded(tmp_path: Path, server: LocalServer,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    def slow(_seen: object) -> Reply:
        time.sleep(3)
        return Reply(200, {})

    server.route("GET", "/slow", slow)
    path = _write(tmp_path, server)
    assert run_cli(["run", str(path), "--workflow", "slow", "--deadline", "1.5"]) == 1
    captured = capsys.readouterr()
    # The request had what was left of the 1.5 s (a little less): shown to 0.01 s at most.
    assert re.search(r"no response within 1(\.\d{1,2})? s$", captured.err.strip())
    assert not re.search(r"\d\.\d{3,} s", captured.err)


def test_runs_show_marks_unresolved_outputs_too(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("GET", "/x", {"a": 1})
    path = _write(tmp_path, server)
    store = str(tmp_path / "runs.db")
    assert run_cli(["run", str(path), "--workflow", "w", "--state", store]) == 0
    capsys.readouterr()
    assert run_cli(["runs", "list", "--state", store, "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    [run] = listed if isinstance(listed, list) else listed["runs"]
    assert run_cli(["runs", "show", run["id"], "--state", store]) == 0
    out = capsys.readouterr().out
    assert "gone=null (unresolved)" in out and "  nope: null  (unresolved)" in out
    assert run_cli(["runs", "show", run["id"], "--state", store, "--format", "json"]) == 0
    shown: Any = json.loads(capsys.readouterr().out)
    assert run_cli(["run", str(path), "--workflow", "w", "--format", "json", "--no-state"]) == 0
    ran: Any = json.loads(capsys.readouterr().out)
    # The same keys, with the same meaning, as ``arazzo run --format json``'s result object.
    assert shown["outputs"] == ran["outputs"] == {"nope": None, "found": 1}
    assert shown["unresolvedOutputs"] == ran["unresolvedOutputs"]
    assert set(shown["unresolvedOutputs"]) == {"nope"}
    assert set(shown["steps"][0]["unresolvedOutputs"]) == {"gone"}

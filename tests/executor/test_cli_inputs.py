"""Inputs from the command line: read with the schema in mind, typos refused, hostile values
(10,000-deep JSON, alias bombs) refused as bad input (exit 2), never an internal error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from local_http import LocalServer, arazzo_doc, openapi_doc, run_cli

from arazzo_engine import InputError, load

_SCHEMA = {"type": "object", "required": ["token"], "properties": {
    "token": {"type": "string"}, "count": {"type": "integer"},
    "choice": {"enum": ["true", "false", "maybe"]}, "either": {"type": ["string", "integer"]},
    "obj": {"type": "object"}, "anything": {}}}


def _write(tmp_path: Path, server: LocalServer, schema: Any = _SCHEMA) -> Path:
    server.route("GET", "/echo", lambda seen: {"auth": seen.header("Authorization")})
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(
        openapi_doc(server.url, {"id": "echo", "path": "/echo"})))
    names = list((schema or {}).get("properties", {})) or ["token"]
    workflow: dict[str, Any] = {
        "workflowId": "w",
        "steps": [{"stepId": "echo", "operationId": "echo", "parameters": [
            {"name": "Authorization", "in": "header", "value": "Bearer {$inputs.token}"}],
            "outputs": {"auth": "$response.body#/auth"}}],
        "outputs": {name: f"$inputs.{name}" for name in names}}
    if schema is not None:
        workflow["inputs"] = schema
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump(arazzo_doc(workflow)))
    return path


def _json_run(capsys: pytest.CaptureFixture[str], path: Path, *argv: str) -> tuple[int, Any, str]:
    code = run_cli(["run", str(path), "--format", "json", *argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, json.loads(captured.out) if captured.out else None, captured.err


def test_a_string_input_takes_the_text_as_it_is(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, server)
    code, result, err = _json_run(capsys, path, "--input", "token=12345", "--input", "count=7",
                                  "--input", "choice=true", "--input", "either=42",
                                  "--input", 'obj={"a": [1]}', "--input", "anything=null")
    assert code == 0, err
    assert result["outputs"]["token"] == "***"  # a token is a secret: masked, and a string
    assert server.requests[0].header("Authorization") == "Bearer 12345"
    outputs = result["outputs"]
    assert (outputs["count"], outputs["choice"], outputs["either"], outputs["obj"],
            outputs["anything"]) == (7, "true", 42, {"a": [1]}, None)


def test_json_that_fits_nothing_is_kept_so_the_error_names_the_type(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, server)
    code, _, err = _json_run(capsys, path, "--input", "token=t", "--input", "count=[1]")
    assert code == 2 and "'count'" in err and "not of type 'integer'" in err
    assert server.requests == []


@pytest.mark.parametrize(("argv", "expected"), [
    (["--input", "tokn=abc"], "--input tokn: workflow 'w' declares no input 'tokn'; did you mean "
                              "'token'? (its inputs: anything, choice, count, either, obj, "
                              "token)"),
    (["--input", "token=t", "--input", "Count=3"], "did you mean 'count'?"),
])
def test_an_undeclared_input_is_a_usage_error_with_a_hint(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str],
        argv: list[str], expected: str) -> None:
    code, _, err = _json_run(capsys, _write(tmp_path, server), *argv)
    assert code == 2 and expected in err
    assert "abc" not in err  # values are never echoed: they may be secrets
    assert server.requests == []


def test_an_undeclared_key_of_an_inputs_file_names_the_file(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = tmp_path / "inputs.yaml"
    inputs.write_text("token: t\ncuont: 3\n")
    code, _, err = _json_run(capsys, _write(tmp_path, server), "--inputs-file", str(inputs))
    assert code == 2
    assert f"--inputs-file {inputs}: workflow 'w' declares no input 'cuont'; did you mean " \
           "'count'?" in err


@pytest.mark.parametrize("schema", [
    {"type": "object", "properties": {"token": {"type": "string"}}, "additionalProperties": True},
    {"type": "object", "properties": {"token": {"type": "string"}},
     "additionalProperties": {"type": "string"}},
    {"type": "object", "patternProperties": {"^x-": {}}, "properties": {"token": {}}},
    None,  # no inputs schema at all: nothing to hold a name against
])
def test_a_schema_that_allows_other_names_accepts_them(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str],
        schema: Any) -> None:
    path = _write(tmp_path, server, schema)
    code, _, err = _json_run(capsys, path, "--input", "token=t", "--input", "x-extra=1")
    assert code == 0, err


def test_the_python_api_refuses_undeclared_inputs_too(tmp_path: Path,
                                                      server: LocalServer) -> None:
    document = load(_write(tmp_path, server))
    with pytest.raises(InputError, match="declares no input 'tokn'; did you mean 'token'"):
        document.run(inputs={"tokn": "t"})
    schema = document.inputs_schema("w")
    assert schema.value_from_text("token", "12345") == "12345"
    assert schema.value_from_text("count", "12345") == 12345
    assert server.requests == []


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_ten_thousand_deep_json_in_an_input_is_bad_input(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, server)
    code, _, err = _json_run(capsys, path, "--input", "token=t",
                             "--input", f"anything={_deep(10_000)}")
    assert code == 2 and "nests too deeply" in err
    code, _, err = _json_run(capsys, path, "--input", "token=t",
                             "--input", f"anything={_deep(500)}")
    assert code == 2 and "nests deeper than 200 levels" in err


@pytest.mark.parametrize("text", [
    "token: t\nanything: " + _deep(10_000) + "\n",
    json.dumps({"token": "t"})[:-1] + ', "anything": ' + _deep(10_000) + "}",
])
def test_ten_thousand_deep_inputs_files_are_bad_input(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str],
        text: str) -> None:
    inputs = tmp_path / "inputs.json"
    inputs.write_text(text)
    code, _, err = _json_run(capsys, _write(tmp_path, server), "--inputs-file", str(inputs))
    assert code == 2 and "--inputs-file" in err and "nest" in err


def test_an_alias_bomb_in_an_inputs_file_is_refused_with_the_loaders_budget(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["token: t", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    lines.append("anything: *a8")
    inputs = tmp_path / "bomb.yaml"
    inputs.write_text("\n".join(lines) + "\n")
    code, _, err = _json_run(capsys, _write(tmp_path, server), "--inputs-file", str(inputs))
    assert code == 2 and "alias bomb" in err and str(inputs) in err


@pytest.mark.parametrize(("text", "expected"), [
    ("- a\n- b\n", "must hold an object of inputs"),
    ("x: !!python/object:os.system ls\n", "not plain YAML/JSON data"),
])
def test_inputs_files_hold_plain_data_objects(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str],
        text: str, expected: str) -> None:
    inputs = tmp_path / "inputs.yaml"
    inputs.write_text(text)
    code, _, err = _json_run(capsys, _write(tmp_path, server), "--inputs-file", str(inputs))
    assert code == 2 and expected in err


def test_deep_json_is_exit_2_in_a_real_process(tmp_path: Path, server: LocalServer) -> None:
    path = _write(tmp_path, server)
    done = subprocess.run(
        [sys.executable, "-m", "arazzo_engine", "run", str(path), "--input", "token=t",
         "--input", f"anything={_deep(10_000)}"],
        capture_output=True, text=True, timeout=60, env=dict(os.environ))
    assert done.returncode == 2, done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr

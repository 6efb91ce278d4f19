"""The ``arazzo run`` command-line contract: arguments, output formats, exit codes, trace files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from local_http import LocalServer, arazzo_doc, openapi_doc, run_cli

from arazzo_engine.cli.run import parse_input_value

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(("text", "value"), [
    ("42", 42), ("true", True), ('{"a":1}', {"a": 1}), ("[1, 2]", [1, 2]), ("null", None),
    ("hello", "hello"), ("1.5", 1.5), ("", ""), ("{not json", "{not json")])
def test_input_values_are_json_when_they_parse(text: str, value: Any) -> None:
    assert parse_input_value(text) == value


def _write(tmp_path: Path, server: LocalServer, workflows: list[dict[str, Any]]) -> Path:
    server.route("GET", "/echo", lambda seen: {"query": seen.raw_query})
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(
        openapi_doc(server.url, {"id": "echo", "path": "/echo"})))
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump(arazzo_doc(*workflows)))
    return path


_TYPED = {"workflowId": "typed",
          "inputs": {"type": "object", "properties": {
              "n": {"type": "integer"}, "flag": {"type": "boolean"}, "obj": {"type": "object"},
              "token": {"type": "string"}}},
          "steps": [{"stepId": "echo", "operationId": "echo", "parameters": [
              {"name": "n", "in": "query", "value": "$inputs.n"},
              {"name": "Authorization", "in": "header", "value": "Bearer {$inputs.token}"}],
              "successCriteria": [{"condition": "$statusCode == 200"}],
              "outputs": {"query": "$response.body#/query"}}],
          "outputs": {"n": "$inputs.n", "flag": "$inputs.flag", "obj": "$inputs.obj",
                      "query": "$steps.echo.outputs.query"}}


def test_json_output_with_typed_inputs_and_one_workflow(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, server, [_TYPED])
    code = run_cli(["run", str(path), "--input", "n=42", "--input", "flag=true",
                    "--input", 'obj={"a":1}', "--input", "token=s3cret-value",
                    "--format", "json"])
    out = capsys.readouterr().out
    result = json.loads(out)
    assert code == 0
    assert result["workflowId"] == "typed" and result["outcome"] == "succeeded"
    assert result["outputs"] == {"n": 42, "flag": True, "obj": {"a": 1}, "query": "n=42"}
    assert [(s["stepId"], s["outcome"], s["statusCode"]) for s in result["steps"]] == [
        ("echo", "succeeded", 200)]
    assert "s3cret-value" not in out


def test_trace_file_holds_masked_requests_and_criteria(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, server, [_TYPED])
    trace = tmp_path / "trace.json"
    code = run_cli(["run", str(path), "--input", "n=1", "--input", "token=s3cret-value",
                    "--trace", str(trace)])
    assert code == 0
    text = trace.read_text()
    assert "s3cret-value" not in text
    data = json.loads(text)
    step = data["steps"][0]
    assert step["request"]["method"] == "GET"
    assert step["request"]["url"] == f"{server.url}/echo?n=1"
    assert step["request"]["headers"]["Authorization"] == "Bearer ***"
    assert step["response"]["statusCode"] == 200 and step["response"]["elapsedMs"] >= 0
    assert step["criteria"] == [{"condition": "$statusCode == 200", "type": None,
                                 "context": None, "passed": True, "detail": step["criteria"][0]
                                 ["detail"]}]
    assert step["action"]["type"] == "next" and step["action"]["reason"]


def test_several_workflows_need_workflow(tmp_path: Path, server: LocalServer,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    other = {**_TYPED, "workflowId": "other"}
    path = _write(tmp_path, server, [_TYPED, other])
    assert run_cli(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert "--workflow" in err and "typed" in err and "other" in err
    assert run_cli(["run", str(path), "--workflow", "other", "--input", "n=3", "--input", "token=t",
                    "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["workflowId"] == "other"


def test_unknown_workflow_is_a_usage_error(tmp_path: Path, server: LocalServer,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, server, [_TYPED])
    assert run_cli(["run", str(path), "--workflow", "nope"]) == 2
    assert "no workflow 'nope'" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["--input", "novalue"], ["--server", "nourl"], ["--server-variable", "x"],
    ["--max-steps", "0"], ["--loop-delay", "-1"], ["--format", "xml"],
    ["--ca-bundle", "/nonexistent/ca.pem"]])
def test_bad_usage_exits_2_without_a_traceback(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str],
        argv: list[str]) -> None:
    path = _write(tmp_path, server, [_TYPED])
    assert run_cli(["run", str(path), *argv]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_malformed_document_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.arazzo.yaml"
    path.write_text("arazzo: 1.0.1\nworkflows: [\n")
    assert run_cli(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert "bad.arazzo.yaml" in err and "Traceback" not in err


def test_an_invalid_document_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "invalid.arazzo.yaml"
    path.write_text(yaml.safe_dump({"arazzo": "1.0.1", "info": {"title": "t"},
                                    "workflows": "not a list"}))
    assert run_cli(["run", str(path)]) == 2
    assert "invalid" in capsys.readouterr().err


def test_a_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["run", str(tmp_path / "absent.yaml")]) == 2


def test_tls_is_verified_and_a_ca_bundle_can_be_trusted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tls = (str(DATA / "test-cert.pem"), str(DATA / "test-key.pem"))
    with LocalServer(tls=tls) as server:
        path = _write(tmp_path, server, [_TYPED])
        argv = ["run", str(path), "--input", "n=1", "--input", "token=t", "--format", "json"]
        assert run_cli(argv) == 1
        failed = json.loads(capsys.readouterr().out)
        error = failed["steps"][0]["error"]
        assert f"TLS failed with 127.0.0.1:{server.port}: certificate verify failed" in error
        assert run_cli([*argv, "--ca-bundle", str(DATA / "test-cert.pem")]) == 0
        assert json.loads(capsys.readouterr().out)["outcome"] == "succeeded"


def test_per_request_timeout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import threading

    release = threading.Event()
    with LocalServer() as server:
        server.route("GET", "/slow", lambda seen: release.wait(5) and {})
        (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(
            openapi_doc(server.url, {"id": "slow", "path": "/slow"})))
        path = tmp_path / "flow.arazzo.yaml"
        path.write_text(yaml.safe_dump(arazzo_doc(
            {"workflowId": "w", "steps": [{"stepId": "s", "operationId": "slow"}]})))
        try:
            code = run_cli(["run", str(path), "--timeout", "0.2", "--format", "json"])
        finally:
            release.set()
    result = json.loads(capsys.readouterr().out)
    assert code == 1
    assert "no response within 0.2 s" in result["steps"][0]["error"]


def test_a_refused_connection_is_one_readable_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with LocalServer() as server:
        path = _write(tmp_path, server, [_TYPED])
        port = server.port
    # The server is gone: nothing listens on its port any more.
    argv = ["run", str(path), "--input", "n=1", "--input", "token=t", "--format", "json"]
    assert run_cli(argv) == 1
    error = json.loads(capsys.readouterr().out)["steps"][0]["error"]
    assert error == f"no response: cannot connect to 127.0.0.1:{port}: Connection refused"


def test_text_progress_shows_the_request_before_its_answer(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    printed_while_waiting: list[str] = []

    def answer(seen: Any) -> dict[str, Any]:
        printed_while_waiting.append(capsys.readouterr().out)
        return {"ok": True}

    with LocalServer() as server:
        server.route("GET", "/slow", answer)
        (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(
            openapi_doc(server.url, {"id": "slow", "path": "/slow"})))
        path = tmp_path / "flow.arazzo.yaml"
        path.write_text(yaml.safe_dump(arazzo_doc(
            {"workflowId": "w", "steps": [{"stepId": "wait", "operationId": "slow"}]})))
        assert run_cli(["run", str(path)]) == 0
    rest = capsys.readouterr().out
    assert printed_while_waiting[0].endswith(f"  wait: GET {server.url}/slow ")
    assert rest.startswith("-> 200 in ") and "[ok]" in rest.splitlines()[0]

"""Servers that break HTTP: every run ends, the step's fate is the documented one, and the CLI
prints one readable line (exit 1 for a failed step), never a traceback."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from local_http import LocalServer, RawServer, Reply, arazzo_doc, openapi_doc, run_cli

from arazzo_engine.executor import (
    MAX_RECORDED_BODY,
    MAX_RESPONSE_BODY,
    HttpRequest,
    RequestsTransport,
    TransportFailure,
)


def _write(tmp_path: Path, base_url: str, step: dict[str, Any] | None = None,
           *more: dict[str, Any]) -> Path:
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(openapi_doc(
        base_url, {"id": "get", "path": "/x"}, {"id": "post", "method": "post", "path": "/x"})))
    steps = [step or {"stepId": "s", "operationId": "get"}, *more]
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump(arazzo_doc({"workflowId": "w", "steps": steps})))
    return path


def _run(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> tuple[int, Any, str]:
    """Runs the CLI with JSON output; returns exit code, the result and stderr."""
    code = run_cli(["run", str(path), "--format", "json", "--timeout", "2", *extra])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, json.loads(captured.out), captured.err


def _one_line_failure(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arazzo run: workflow 'w' failed: ")
    return lines[0]


def _raw(reply: bytes, keep_alive: bool = False) -> Callable[[bytes, Any], Any]:
    def handler(_head: bytes, conn: Any) -> bool:
        conn.sendall(reply)
        return keep_alive
    return handler


_CRITERION = {"condition": "$response.body#/id == 7"}


def test_a_connection_closed_mid_response_fails_the_step(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cut = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"a\""
    with RawServer(_raw(cut)) as server:
        code, result, err = _run(capsys, _write(tmp_path, server.url))
    assert code == 1
    assert "broke off (IncompleteRead: 4 bytes read, 996 more expected)" in _one_line_failure(err)
    assert result["steps"][0]["statusCode"] is None


def test_a_ten_megabyte_body_is_judged_whole_and_never_recorded(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    big = {"items": ["x" * 1000] * 10_000, "id": 7}
    server.route("GET", "/x", big)
    server.route("POST", "/x", lambda seen: {"got": len(seen.body)})
    blob = "y" * (3 * MAX_RECORDED_BODY)
    (tmp_path / "inputs.json").write_text(json.dumps({"blob": blob}))
    post = {"stepId": "p", "operationId": "post",
            "requestBody": {"contentType": "text/plain", "payload": "$inputs.blob"},
            "successCriteria": [{"condition": f"$response.body#/got == {len(blob)}"}]}
    path = _write(tmp_path, server.url,
                  {"stepId": "s", "operationId": "get", "successCriteria": [_CRITERION]}, post)
    trace = tmp_path / "trace.json"
    code, result, err = _run(capsys, path, "--inputs-file", str(tmp_path / "inputs.json"),
                             "--trace", str(trace))
    assert code == 0, err
    assert [s["outcome"] for s in result["steps"]] == ["succeeded", "succeeded"]
    recorded = json.loads(trace.read_text())["steps"][1]["request"]["body"]
    assert recorded == blob[:MAX_RECORDED_BODY] + f"... [cut: {len(blob)} characters in all]"
    assert trace.stat().st_size < 2 * MAX_RECORDED_BODY


def test_invalid_utf8_in_a_json_body_is_read_with_replacement_characters(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("GET", "/x", lambda _seen: Reply(200, b'{"id": 7, "name": "caf\xe9"}',
                                                  {"Content-Type": "application/json"}))
    step = {"stepId": "s", "operationId": "get", "successCriteria": [_CRITERION],
            "outputs": {"name": "$response.body#/name"},
            "onSuccess": [{"name": "check", "type": "end",
                           "criteria": [{"condition": "$response.body#/name == 'café'"}]}]}
    code, result, err = _run(capsys, _write(tmp_path, server.url, step))
    assert code == 0, err
    assert result["steps"][0]["outputs"] == {"name": "caf\ufffd"}
    assert result["steps"][0]["action"]["type"] == "next"  # 'café' is not what came


def test_json_content_type_with_a_non_json_body_fails_its_criteria(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("GET", "/x", lambda _seen: Reply(200, b"<html>oops</html>",
                                                  {"Content-Type": "application/json"}))
    step = {"stepId": "s", "operationId": "get", "successCriteria": [_CRITERION]}
    code, result, err = _run(capsys, _write(tmp_path, server.url, step))
    assert code == 1
    line = _one_line_failure(err)
    assert "success criteria not met ($response.body#/id == 7:" in line
    assert result["steps"][0]["statusCode"] == 200


def test_a_redirect_loop_with_follow_redirects_ends(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("GET", "/x", lambda _seen: Reply(302, None, {"Location": "/x"}))
    path = _write(tmp_path, server.url)
    code, result, err = _run(capsys, path, "--follow-redirects")
    assert code == 1
    assert f"too many redirects, starting at {server.url}/x" in _one_line_failure(err)
    code, result, err = _run(capsys, path)  # without the option the 302 is the answer
    assert code == 0 and result["steps"][0]["statusCode"] == 302


def test_a_server_that_never_answers_times_out(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def stall(_head: bytes, _conn: Any) -> None:
        server.release.wait(10)

    with RawServer(stall) as server:
        code, _, err = _run(capsys, _write(tmp_path, server.url), "--timeout", "0.3")
    assert code == 1
    assert _one_line_failure(err).endswith("no response: no response within 0.3 s")


def test_chunked_responses_are_read_and_broken_chunks_fail(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chunked = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n4\r\n{\"id\r\n5\r\n\": 7}\r\n0\r\n\r\n")
    step = {"stepId": "s", "operationId": "get", "successCriteria": [_CRITERION]}
    with RawServer(_raw(chunked)) as server:
        code, result, err = _run(capsys, _write(tmp_path, server.url, step))
    assert code == 0, err
    assert result["steps"][0]["outcome"] == "succeeded"
    broken = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"
    with RawServer(_raw(broken)) as server:
        code, _, err = _run(capsys, _write(tmp_path, server.url, step))
    assert code == 1
    assert "broke off (InvalidChunkLength: got length" in _one_line_failure(err)


def test_a_204_with_a_body_has_no_body_and_the_connection_stays_usable(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reply = b"HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n{\"id\": 7}"
    step = {"stepId": "s", "operationId": "get", "outputs": {"body": "$response.body"},
            "successCriteria": [{"condition": "$statusCode == 204"}]}
    again = {**step, "stepId": "again"}
    with RawServer(_raw(reply, keep_alive=True)) as server:
        code, result, err = _run(capsys, _write(tmp_path, server.url, step, again))
    assert code == 0, err
    assert [s["statusCode"] for s in result["steps"]] == [204, 204]
    assert result["steps"][0]["unresolvedOutputs"]["body"].startswith("$response.body is missing")


def test_header_values_with_odd_bytes_are_kept_as_text(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reply = (b"HTTP/1.1 200 OK\r\nX-Odd: caf\xe9 \x01\x7f end\r\nX-Nul: a\x00b\r\n"
             b"Content-Type: application/json\r\nContent-Length: 9\r\n\r\n{\"id\": 7}")
    step = {"stepId": "s", "operationId": "get", "successCriteria": [_CRITERION],
            "outputs": {"odd": "$response.header.X-Odd"}}
    with RawServer(_raw(reply)) as server:
        code, result, err = _run(capsys, _write(tmp_path, server.url, step))
    assert code == 0, err
    assert result["steps"][0]["outputs"] == {"odd": "café \x01\x7f end"}
    assert result["steps"][0]["response"]["headers"]["X-Nul"] == "a\x00b"


def test_text_output_of_a_broken_server_is_one_readable_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with RawServer(_raw(b"NOT HTTP AT ALL\r\n\r\n")) as server:
        code = run_cli(["run", str(_write(tmp_path, server.url)), "--timeout", "2"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "closed the connection or did not answer with HTTP (BadStatusLine:" in (
        _one_line_failure(err))


def test_a_header_value_that_cannot_be_sent_is_a_failed_step(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    step = {"stepId": "s", "operationId": "get",
            "parameters": [{"name": "X-Emoji", "in": "header", "value": "smile ☺"}]}
    code, _, err = _run(capsys, _write(tmp_path, server.url, step), "--no-validate")
    assert code == 1
    assert "cannot send the request:" in _one_line_failure(err)
    assert not server.requests




@pytest.mark.parametrize(("servers", "said"), [
    ([{"url": "/v1"}], "source 'api' has the relative server URL '/v1', and a local file has "
                       "no host; pass --server api=URL"),
    (None, "source 'api' declares no servers (OpenAPI then means '/' on the document's host), "
           "and a local file has no host; pass --server api=URL"),
])
def test_a_local_openapi_without_an_absolute_server_asks_for_server(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str],
        servers: Any, said: str) -> None:
    server.route("GET", "/v1/x", {"id": 7})
    api = openapi_doc("unused", {"id": "get", "path": "/x"})
    if servers is None:
        del api["servers"]
    else:
        api["servers"] = servers
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(api))
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump(arazzo_doc(
        {"workflowId": "w", "steps": [{"stepId": "s", "operationId": "get"}]})))
    code, result, err = _run(capsys, path)
    assert code == 1
    assert _one_line_failure(err) == f"arazzo run: workflow 'w' failed: step 's': {said}"
    assert result["steps"][0]["request"] is None
    code, result, err = _run(capsys, path, "--server", f"api={server.url}/v1")
    assert code == 0, err


@pytest.mark.parametrize(("url", "headers", "said"), [
    ("http://[::1/", {}, "InvalidURL: Failed to parse: '[::1' is not a valid host or port"),
    ("http:///x", {}, "InvalidURL: Invalid URL 'http:///x': No host supplied"),
    ("ftp://x/", {}, "InvalidSchema: No connection adapters were found for 'ftp://x/'"),
    ("http://127.0.0.1:9/", {"X": "x\r\ny"}, "InvalidHeader: Invalid leading whitespace"),
    ("http://127.0.0.1:9/", {"☺": "x"}, "cannot send the request: 'ascii' codec can't encode"),
])
def test_requests_that_cannot_be_sent_are_transport_failures(
        url: str, headers: dict[str, str], said: str) -> None:
    transport = RequestsTransport(trust_env=False)
    try:
        failure = transport.send(HttpRequest("GET", url, headers=headers, timeout=1))
    finally:
        transport.close()
    assert isinstance(failure, TransportFailure)
    assert failure.message.startswith(said) and "\n" not in failure.message


def test_a_server_trickling_bytes_forever_is_cut_off_at_the_timeout(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def trickle(_head: bytes, conn: Any) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        while not server.release.wait(0.05):
            conn.sendall(b"1\r\nx\r\n")

    with RawServer(trickle) as server:
        code, _, err = _run(capsys, _write(tmp_path, server.url), "--timeout", "0.5")
    assert code == 1
    assert _one_line_failure(err).endswith("no response: no complete response within 0.5 s")


def test_a_body_beyond_the_transport_cap_is_refused(server: LocalServer) -> None:
    server.route("GET", "/x", "x" * (2 * 1024 * 1024))
    transport = RequestsTransport(trust_env=False, max_body=1024 * 1024)
    try:
        failure = transport.send(HttpRequest("GET", f"{server.url}/x", timeout=5))
    finally:
        transport.close()
    assert isinstance(failure, TransportFailure)
    assert failure.message == (f"the response body from 127.0.0.1:{server.port} is larger "
                               "than 1 MiB")
    assert MAX_RESPONSE_BODY == 64 * 1024 * 1024  # the default, which the 10 MB test stays under

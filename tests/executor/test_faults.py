"""Faults a black-box probe found: each is injected by a real server on 127.0.0.1 and must end
as one clear step failure (so failure actions apply), within --timeout / --deadline."""

from __future__ import annotations

import gzip
import json
import re
import socket
import struct
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from local_http import LocalServer, RawServer, Reply, arazzo_doc, openapi_doc, run_cli

from arazzo_engine.executor import HttpRequest, RequestsTransport, TransportFailure

_HANDLER = {"name": "handled", "type": "end"}


def _write(tmp_path: Path, base_url: str, *steps: dict[str, Any],
           inputs: dict[str, Any] | None = None) -> Path:
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(openapi_doc(
        base_url, {"id": "get", "path": "/x"}, {"id": "post", "method": "post", "path": "/x"})))
    workflow: dict[str, Any] = {"workflowId": "w", "steps": list(steps or [
        {"stepId": "s", "operationId": "get", "onFailure": [_HANDLER]}])}
    if inputs:
        workflow["inputs"] = inputs
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump(arazzo_doc(workflow)))
    return path


def _run(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> tuple[int, Any, str,
                                                                               float]:
    started = time.monotonic()
    code = run_cli(["run", str(path), "--format", "json", *extra])
    elapsed = time.monotonic() - started
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, json.loads(captured.out), captured.err, elapsed


def _drip(data: bytes, every: float, server: list[RawServer]) -> Any:
    def handler(_head: bytes, conn: Any) -> None:
        for byte in data:
            if server[0].release.wait(every):
                return
            conn.sendall(bytes([byte]))
    return handler


_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 25\r\n\r\n"
_BODY = b'{"id": 7, "pad": "xxxxxx"}'[:25]


@pytest.mark.parametrize(("what", "prefix", "dripped"), [
    ("body", _HEAD, _BODY),
    ("status line and headers", b"", _HEAD + _BODY),
])
def test_a_slow_drip_is_cut_at_the_timeout_and_failure_actions_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], what: str, prefix: bytes,
        dripped: bytes) -> None:
    holder: list[RawServer] = []
    drip = _drip(dripped, 0.2, holder)

    def handler(head: bytes, conn: Any) -> None:
        conn.sendall(prefix)
        drip(head, conn)

    with RawServer(handler) as server:
        holder.append(server)
        code, result, _err, elapsed = _run(capsys, _write(tmp_path, server.url),
                                          "--timeout", "1")
    step = result["steps"][0]
    assert step["outcome"] == "failed"
    expected = "no complete response" if what == "body" else "no response"
    assert step["error"] == f"no response: {expected} within 1 s"
    assert step["action"]["name"] == "handled"  # the failure action ran
    assert code == 1 or code == 0
    assert elapsed < 4  # a drip of 5+ s, cut at 1 s (and never the 75 s of the probe)


def test_the_deadline_bounds_the_run_whatever_the_server_does(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    holder: list[RawServer] = []
    drip = _drip(_BODY, 0.3, holder)

    def handler(head: bytes, conn: Any) -> None:
        conn.sendall(_HEAD)
        drip(head, conn)

    with RawServer(handler) as server:
        holder.append(server)
        code, result, _err, elapsed = _run(
            capsys, _write(tmp_path, server.url, {"stepId": "s", "operationId": "get"}),
            "--timeout", "3", "--deadline", "1")
    assert code == 1
    # The request had what the deadline left when it was sent: 1 s, or a little less when
    # the machine is loaded (0.99 s), rounded to 0.01 s.
    assert re.fullmatch(r"no response: no complete response within (1|0\.9\d) s",
                        result["steps"][0]["error"]), result["steps"][0]["error"]
    assert "deadline" in result["error"] or "no complete response" in result["error"]
    assert elapsed < 4  # 25 bytes at 0.3 s each would take 7.5 s


def test_the_deadline_stops_a_retry_loop_too(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("GET", "/x", None, status=503)
    step = {"stepId": "s", "operationId": "get",
            "onFailure": [{"name": "again", "type": "retry", "retryAfter": 0.2,
                           "retryLimit": 1000}]}
    code, result, _err, elapsed = _run(capsys, _write(tmp_path, server.url, step),
                                      "--deadline", "1")
    assert code == 1
    assert result["error"] == "the run's deadline of 1 s (--deadline) passed"
    assert elapsed < 4


def _reset(_head: bytes, conn: Any) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def _reply(data: bytes) -> Any:
    def handler(_head: bytes, conn: Any) -> None:
        conn.sendall(data)
    return handler


@pytest.mark.parametrize(("handler", "said"), [
    (_reset, "closed the connection or did not answer with HTTP"),
    (_reply(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n"),
     "closed the connection or did not answer with HTTP (LineTooLong:"),
    (_reply(b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(200))
            + b"\r\n"),
     "closed the connection or did not answer with HTTP (HTTPException: 'got more than 100 "
     "headers')"),
    (_reply(b"\x00\xff garbage \x01\r\n\r\n"),
     "closed the connection or did not answer with HTTP (BadStatusLine:"),
    (_reply(b""), "closed the connection or did not answer with HTTP (RemoteDisconnected:"),
])
def test_broken_servers_fail_the_step_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], handler: Any, said: str) -> None:
    with RawServer(handler) as server:
        _code, result, _err, _ = _run(capsys, _write(tmp_path, server.url), "--timeout", "2")
    step = result["steps"][0]
    assert step["outcome"] == "failed" and step["action"]["name"] == "handled"
    assert said in step["error"] and "\n" not in step["error"]


def test_refused_connections_fail_the_step(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    _code, result, _err, _ = _run(capsys, _write(tmp_path, f"http://127.0.0.1:{port}"))
    assert result["steps"][0]["error"].startswith(
        f"no response: cannot connect to 127.0.0.1:{port}: Connection refused")
    assert result["steps"][0]["action"]["name"] == "handled"


@pytest.mark.parametrize(("body", "content_type"), [(b"", "application/json"),
                                                    (b'{"id": ', "application/json")])
def test_empty_and_malformed_json_fail_criteria_not_the_run(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str],
        body: bytes, content_type: str) -> None:
    server.route("GET", "/x", lambda _seen: Reply(200, body, {"Content-Type": content_type}))
    step = {"stepId": "s", "operationId": "get",
            "successCriteria": [{"condition": "$response.body#/id == 7"}],
            "onFailure": [_HANDLER]}
    _code, result, _err, _ = _run(capsys, _write(tmp_path, server.url, step))
    assert result["steps"][0]["criteria"][0]["passed"] is False
    assert result["steps"][0]["action"]["name"] == "handled"


def _bomb(size: int) -> bytes:
    return gzip.compress(b"\0" * size, compresslevel=9)


def test_a_gzip_bomb_is_refused_by_its_decompressed_size(server: LocalServer) -> None:
    bomb = _bomb(40 * 1024 * 1024)
    server.route("GET", "/x", lambda _seen: Reply(
        200, bomb, {"Content-Encoding": "gzip", "Content-Type": "application/json"}))
    transport = RequestsTransport(trust_env=False, max_body=4 * 1024 * 1024)
    try:
        failure = transport.send(HttpRequest("GET", f"{server.url}/x", timeout=10))
    finally:
        transport.close()
    assert len(bomb) < 100_000
    assert isinstance(failure, TransportFailure)
    assert failure.message == (f"the response body from 127.0.0.1:{server.port} is larger "
                               "than 4 MiB")


def test_a_declared_charset_is_honoured(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("GET", "/x", lambda _seen: Reply(
        200, '{"name": "café"}'.encode("iso-8859-1"),
        {"Content-Type": "application/json; charset=iso-8859-1"}))
    step = {"stepId": "s", "operationId": "get", "outputs": {"name": "$response.body#/name"},
            "successCriteria": [{"condition": "$response.body#/name == 'café'"}]}
    code, result, err, _ = _run(capsys, _write(tmp_path, server.url, step))
    assert code == 0, err
    assert result["steps"][0]["outputs"] == {"name": "café"}


# redirects to another origin ---------------------------------------------------------------

def test_a_redirect_to_another_origin_drops_credentials(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with LocalServer() as home, LocalServer() as elsewhere:
        elsewhere.route("GET", "/landed", {"id": 7})
        home.route("GET", "/same", {"id": 7})

        def bounce(seen: Any) -> Reply:
            if seen.query.get("to") == ["same"]:
                return Reply(302, None, {"Location": f"/same?{seen.raw_query}"})
            return Reply(302, None, {"Location": f"{elsewhere.url}/landed?{seen.raw_query}"})

        home.route("GET", "/x", bounce)
        step = {"stepId": "s", "operationId": "get", "parameters": [
            {"name": "Authorization", "in": "header", "value": "Bearer $inputs.token"},
            {"name": "X-API-Key", "in": "header", "value": "$inputs.apiKey"},
            {"name": "X-Custom", "in": "header", "value": "carry {$inputs.token}"},
            {"name": "X-Plain", "in": "header", "value": "hello"},
            {"name": "sig", "in": "query", "value": "$inputs.apiKey"},
            {"name": "page", "in": "query", "value": 2},
            {"name": "to", "in": "query", "value": "$inputs.to"}]}
        inputs = {"type": "object", "properties": {
            "token": {"type": "string", "format": "password"}, "apiKey": {"type": "string"},
            "to": {"type": "string"}}}
        path = _write(tmp_path, home.url, step, inputs=inputs)
        common = ["--follow-redirects", "--input", "token=tok-SECRET-1",
                  "--input", "apiKey=key-SECRET-2", "--no-validate"]
        code, _result, err, _ = _run(capsys, path, *common, "--input", "to=other")
        assert code == 0, err
        landed = elsewhere.requests[0]
        assert landed.header("Authorization") is None
        assert landed.header("X-API-Key") is None
        assert landed.header("X-Custom") is None
        assert landed.header("X-Plain") == "hello"
        assert "SECRET" not in landed.raw_query
        assert landed.query["page"] == ["2"]
        code, _result, err, _ = _run(capsys, path, *common, "--input", "to=same")
        assert code == 0, err
        same = home.requests[-1]
        assert same.path == "/same"
        assert same.header("Authorization") == "Bearer tok-SECRET-1"
        assert same.header("X-API-Key") == "key-SECRET-2"


def test_the_regex_limit_is_a_run_option_and_a_flag(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("GET", "/x", {"s": "a" * 5_000})
    step = {"stepId": "s", "operationId": "get", "onFailure": [_HANDLER], "successCriteria": [
        {"context": "$response.body#/s", "condition": "(a+)+b", "type": "regex"}]}
    _code, result, _err, elapsed = _run(capsys, _write(tmp_path, server.url, step),
                                      "--regex-timeout", "0.2", "--deadline", "20")
    criterion = result["steps"][0]["criteria"][0]
    assert criterion["passed"] is False
    assert criterion["detail"] == ("regex '(a+)+b' gave up: stopped after 0.2 s (the regex "
                                   "time limit)")
    assert result["steps"][0]["action"]["name"] == "handled"
    assert elapsed < 10

"""Secrets never leave the process in clear: not on stdout or stderr, not in the trace or the
JSON, not in error messages, whatever position they were used in or where they came from."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import yaml
from local_http import LocalServer, Reply, arazzo_doc, openapi_doc, run_cli

from arazzo_engine.executor._masking import (
    MASK,
    Masker,
    harvest_headers,
    harvest_named,
    harvest_url,
)

TOKEN = "tok-Very-Secret-42"
ISSUED = "issued-Access-Token-77"


def _write(tmp_path: Path, base_url: str, steps: list[dict[str, Any]],
           inputs: dict[str, Any] | None = None, outputs: dict[str, Any] | None = None) -> Path:
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(openapi_doc(
        base_url, {"id": "get", "path": "/x"}, {"id": "login", "method": "post",
                                                 "path": "/login"},
        {"id": "data", "path": "/data"})))
    workflow: dict[str, Any] = {"workflowId": "w", "steps": steps}
    if inputs:
        workflow["inputs"] = inputs
    if outputs:
        workflow["outputs"] = outputs
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump(arazzo_doc(workflow)))
    return path


def _everything(tmp_path: Path, capsys: pytest.CaptureFixture[str], path: Path,
                *extra: str) -> tuple[int, str]:
    """Runs twice (text and JSON, both with a trace); returns every byte that left."""
    texts = []
    for fmt in ("text", "json"):
        trace = tmp_path / f"trace-{fmt}.json"
        code = run_cli(["run", str(path), "--format", fmt, "--trace", str(trace),
                        "--no-validate", *extra])
        captured = capsys.readouterr()
        texts += [captured.out, captured.err, trace.read_text()]
    return code, "\n".join(texts)


_TOKEN_INPUT = {"type": "object", "properties": {"token": {"type": "string"}}}


def test_a_401_that_echoes_the_credential_is_masked_everywhere(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("GET", "/x", lambda seen: Reply(401, {
        "message": f"bad token {seen.header('X-Auth')} (was {seen.header('X-Auth')})"}))
    step = {"stepId": "s", "operationId": "get",
            "parameters": [{"name": "X-Auth", "in": "header", "value": "$inputs.token"}]}
    code, out = _everything(tmp_path, capsys, _write(tmp_path, server.url, [step],
                                                     inputs=_TOKEN_INPUT),
                            "--input", f"token={TOKEN}")
    assert code == 1
    assert TOKEN not in out
    assert f"bad token {MASK}" in out  # the message itself is kept


def test_a_redirect_loop_message_hides_secret_query_values(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("GET", "/x", lambda seen: Reply(302, None, {"Location": f"/x?{seen.raw_query}"}))
    step = {"stepId": "s", "operationId": "get",
            "parameters": [{"name": "access_token", "in": "query", "value": "$inputs.token"}]}
    code, out = _everything(tmp_path, capsys, _write(tmp_path, server.url, [step],
                                                     inputs=_TOKEN_INPUT),
                            "--input", f"token={TOKEN}", "--follow-redirects")
    assert code == 1
    assert "too many redirects" in out
    assert TOKEN not in out


def test_a_token_obtained_at_run_time_is_masked_wherever_it_is_used(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/login", {"access_token": ISSUED, "expires_in": 3600})
    server.route("GET", "/data", lambda seen: Reply(
        200 if seen.query.get("t") == [ISSUED] else 403,
        {"echo": f"you sent {seen.header('X-Session-Copy')}", "ok": True}))
    steps = [
        {"stepId": "login", "operationId": "login",
         "requestBody": {"contentType": "application/json",
                         "payload": {"user": "ann", "password": "pa55-word-1"}},
         "outputs": {"bearer": "$response.body#/access_token"}},
        {"stepId": "data", "operationId": "data",
         "parameters": [{"name": "t", "in": "query", "value": "$steps.login.outputs.bearer"},
                        {"name": "X-Session-Copy", "in": "header",
                         "value": "$steps.login.outputs.bearer"}],
         "successCriteria": [{"condition": "$statusCode == 200"},
                             {"context": "$response.body", "condition": "$.echo",
                              "type": "jsonpath"}],
         "outputs": {"echo": "$response.body#/echo"}},
    ]
    path = _write(tmp_path, server.url, steps, outputs={"echo": "$steps.data.outputs.echo"})
    code, out = _everything(tmp_path, capsys, path)
    assert code == 0
    assert server.requests[-1].query["t"] == [ISSUED]  # the real value was sent
    assert ISSUED not in out
    assert "pa55-word-1" not in out


def test_the_password_of_a_server_url_is_never_printed(
        tmp_path: Path, server: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("GET", "/x", {"message": "nope"}, status=500)
    step = {"stepId": "s", "operationId": "get"}
    user_url = server.url.replace("http://", "http://ann:hunter2-pw@")
    code, out = _everything(tmp_path, capsys, _write(tmp_path, server.url, [step]),
                            "--server", f"api={user_url}")
    assert code == 1
    assert "hunter2-pw" not in out
    assert f"ann:{MASK}@" in out
    seen = server.requests[0].header("Authorization")
    assert seen == "Basic " + base64.b64encode(b"ann:hunter2-pw").decode()


def test_the_api_result_keeps_outputs_and_its_record_masks_them(
        tmp_path: Path, server: LocalServer) -> None:
    from arazzo_engine.executor import ManualClock, RunOptions, run_workflow

    server.route("POST", "/login", {"access_token": ISSUED})
    steps = [{"stepId": "login", "operationId": "login",
              "outputs": {"token": "$response.body#/access_token"}}]
    path = _write(tmp_path, server.url, steps, outputs={"token": "$steps.login.outputs.token"})
    result = run_workflow(path, options=RunOptions(trust_env=False), clock=ManualClock())
    assert result.outputs == {"token": ISSUED}
    assert result.to_dict()["outputs"] == {"token": MASK}
    assert result.steps[0].outputs == {"token": MASK}


# the masker's rules ------------------------------------------------------------------------

def test_harvesting_finds_credentials_in_their_positions() -> None:
    basic = base64.b64encode(b"ann:s3cret-pw").decode()
    assert set(harvest_headers({"Authorization": f"Basic {basic}"})) >= {
        f"Basic {basic}", basic, "ann:s3cret-pw", "s3cret-pw"}
    assert "abc-123" in harvest_headers({"Authorization": "Bearer abc-123"})
    assert harvest_headers([("Set-Cookie", "sid=zz-99-yy; Path=/; HttpOnly")]) == ["zz-99-yy"]
    assert harvest_headers({"Accept": "application/json"}) == []
    assert harvest_named({"data": [{"refresh_token": "r-123", "id": 5}],
                          "apiKey": 98765}) == ["98765", "r-123"] or set(harvest_named(
        {"data": [{"refresh_token": "r-123", "id": 5}], "apiKey": 98765})) == {"98765", "r-123"}
    assert set(harvest_url("http://u:p%40ss-1@h/x?api_key=k-1&page=2")) == {
        "p%40ss-1", "p@ss-1", "k-1"}


def test_masking_covers_encodings_numbers_and_userinfo() -> None:
    masker = Masker(["a b+c/d", "123456"])
    assert masker.text("q=a%20b%2Bc%2Fd and a+b%2Bc%2Fd and a b+c/d") == f"q={MASK} and " \
        f"{MASK} and {MASK}"
    assert masker.value({"n": 123456, "s": ["x 123456 y"], "ok": True}) == {
        "n": MASK, "s": [f"x {MASK} y"], "ok": True}
    assert masker.url("https://ann:pw-77@h/x?token=abc&q=1") == f"https://ann:{MASK}@h/x?" \
        f"token={MASK}&q=1"
    assert Masker(["ab"]).text("ab") == "ab"  # too short to hide safely


def test_the_masker_follows_the_secrets_a_run_knows_not_where_they_are_kept() -> None:
    """One machine serves many runs: a run's masker is found by the secrets themselves, so
    a run never gets a masker made for another run's secrets (a list reused, or a new list
    at a finished run's address), and runs that know the same secrets share one."""
    import arazzo_engine
    from arazzo_engine.executor import Machine, RunOptions

    workflow = Path(__file__).parents[2] / "specs/dbt/arazzo/dbt-trigger-run-and-poll-workflow.yml"
    machine = Machine(arazzo_engine.load(workflow).program, RunOptions())
    inputs = {"accountId": 1, "jobId": 2, "token": "first-token-value"}
    first = machine.start(None, inputs)
    assert machine.masker(first).text("x first-token-value x") == "x *** x"
    first.secrets[:] = ["other-token-value"]  # same list, same length, other secret
    assert machine.masker(first).text("x other-token-value x") == "x *** x"
    second = machine.start(None, {**inputs, "token": "other-token-value"})
    assert machine.masker(second) is machine.masker(first)

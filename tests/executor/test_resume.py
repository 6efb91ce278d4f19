"""Resuming a stopped run through the Python API: waits for the time left, in-doubt requests by
the rules, secrets asked for again and checked, a changed document refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from local_http import LocalServer, Reply, arazzo_doc, openapi_doc

from arazzo_engine._resume import InDoubtRequest, ResumeRefused, resume
from arazzo_engine.executor import (
    HttpRequest,
    ManualClock,
    RequestsTransport,
    RunOptions,
    run_workflow,
)
from arazzo_engine.executor._in_doubt import decide_in_doubt
from arazzo_engine.store import RunStore

TOKEN = "tok-Resume-Secret-1"
_INPUTS = {"type": "object", "properties": {"token": {"type": "string"},
                                            "label": {"type": "string"}}}


class _StopAt(ManualClock):
    """Ctrl-C during the first wait of ``seconds``."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.stop_at = seconds

    def sleep(self, seconds: float) -> None:
        if seconds == self.stop_at:
            raise KeyboardInterrupt
        super().sleep(seconds)


class _LoseResponse(RequestsTransport):
    """Sends the first request with ``method``, then the process 'dies' before the response is
    recorded (Ctrl-C while in flight)."""

    def __init__(self, method: str) -> None:
        super().__init__(trust_env=False)
        self.method = method

    def send(self, request: HttpRequest) -> Any:
        outcome = super().send(request)
        if request.method == self.method and self.method:
            self.method = ""
            raise KeyboardInterrupt
        return outcome


def _write(tmp_path: Path, server: LocalServer, steps: list[dict[str, Any]]) -> Path:
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(openapi_doc(
        server.url, {"id": "trigger", "method": "post", "path": "/jobs"},
        {"id": "status", "path": "/jobs/{id}"}, {"id": "put", "method": "put", "path": "/x"})))
    path = tmp_path / "flow.arazzo.yaml"
    workflow = {"workflowId": "w", "inputs": _INPUTS, "steps": steps,
                "outputs": {"state": "$steps.poll.outputs.state"}}
    path.write_text(yaml.safe_dump(arazzo_doc(workflow)))
    return path


_AUTH = {"name": "Authorization", "in": "header", "value": "Bearer {$inputs.token}"}
_TRIGGER = {"stepId": "trigger", "operationId": "trigger", "parameters": [_AUTH],
            "outputs": {"id": "$response.body#/id"}}
_POLL = {"stepId": "poll", "operationId": "status",
         "parameters": [_AUTH, {"name": "id", "in": "path", "value": "$steps.trigger.outputs.id"}],
         "outputs": {"state": "$response.body#/state"},
         "onSuccess": [{"name": "again", "type": "goto", "stepId": "poll",
                        "criteria": [{"condition": "$response.body#/state != 'done'"}]}]}


def _jobs(server: LocalServer, polls_before_done: int = 2) -> dict[str, int]:
    counts = {"triggers": 0, "polls": 0}

    def trigger(seen: Any) -> Reply:
        counts["triggers"] += 1
        return Reply(200, {"id": 7})

    def status(seen: Any) -> Reply:
        if seen.header("Authorization") != f"Bearer {TOKEN}":
            return Reply(401, {"message": "bad token"})
        counts["polls"] += 1
        return Reply(200, {"state": "done" if counts["polls"] > polls_before_done else "busy"})

    server.route("POST", "/jobs", trigger)
    server.route("GET", "/jobs/(?P<id>[0-9]+)", status)
    return counts


def _options(tmp_path: Path, **extra: Any) -> RunOptions:
    return RunOptions(trust_env=False, loop_delay=30, state=tmp_path / "runs.db", **extra)


def _interrupted(tmp_path: Path, server: LocalServer, **kwargs: Any) -> str:
    with pytest.raises(KeyboardInterrupt):
        run_workflow(_write(tmp_path, server, kwargs.pop("steps", [_TRIGGER, _POLL])),
                     inputs={"token": TOKEN, "label": "a"}, options=_options(tmp_path),
                     **kwargs)
    with RunStore(tmp_path / "runs.db") as store:
        (run,) = store.runs()
        assert run.status == "interrupted"
        return run.id


def test_a_wait_resumes_for_the_time_left(tmp_path: Path, server: LocalServer) -> None:
    counts = _jobs(server)
    run_id = _interrupted(tmp_path, server, clock=_StopAt(30))
    clock = ManualClock()
    result = resume(run_id, inputs={"token": TOKEN}, state=tmp_path / "runs.db", clock=clock)
    assert result.succeeded and result.outputs == {"state": "done"}
    assert 25 < clock.sleeps[0] <= 30  # the rest of the 30 s wait, not a new one
    assert counts["triggers"] == 1
    assert [s.step_id for s in result.steps] == ["trigger", "poll", "poll", "poll"]
    assert result.run_id == run_id


def test_a_post_in_flight_is_not_sent_again_blindly(tmp_path: Path, server: LocalServer) -> None:
    counts = _jobs(server)
    run_id = _interrupted(tmp_path, server, transport=_LoseResponse("POST"))
    assert counts["triggers"] == 1
    with pytest.raises(InDoubtRequest) as refused:
        resume(run_id, inputs={"token": TOKEN}, state=tmp_path / "runs.db", clock=ManualClock())
    message = str(refused.value)
    assert f"step 'trigger' is in doubt: POST {server.url}/jobs" in message
    assert "POST is not idempotent, so it is not sent again blindly" in message
    assert f"arazzo resume {run_id} --resend-in-doubt" in message
    assert counts["triggers"] == 1
    with RunStore(tmp_path / "runs.db") as store:
        assert store.get(run_id).status == "interrupted"  # refusing claims nothing
    result = resume(run_id, inputs={"token": TOKEN}, state=tmp_path / "runs.db",
                    resend_in_doubt=True, clock=ManualClock())
    assert result.succeeded and counts["triggers"] == 2


def test_a_step_marked_safe_to_repeat_is_sent_again(tmp_path: Path, server: LocalServer) -> None:
    counts = _jobs(server)
    trigger = {**_TRIGGER, "x-arazzo-safe-to-repeat": True}
    run_id = _interrupted(tmp_path, server, steps=[trigger, _POLL],
                          transport=_LoseResponse("POST"))
    result = resume(run_id, inputs={"token": TOKEN}, state=tmp_path / "runs.db",
                    clock=ManualClock())
    assert result.succeeded and counts["triggers"] == 2


def test_an_idempotent_request_in_flight_is_sent_again(tmp_path: Path,
                                                       server: LocalServer) -> None:
    counts = _jobs(server)
    run_id = _interrupted(tmp_path, server, transport=_LoseResponse("GET"))
    events: list[Any] = []
    result = resume(run_id, inputs={"token": TOKEN}, state=tmp_path / "runs.db",
                    clock=ManualClock(), observer=events.append)
    assert result.succeeded and counts["triggers"] == 1
    doubt = [e for e in events if e.kind == "in-doubt"]
    assert doubt and "GET is idempotent (RFC 9110), so it is sent again" in doubt[0].data["reason"]


def test_secret_inputs_are_asked_for_and_checked(tmp_path: Path, server: LocalServer,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _jobs(server)
    run_id = _interrupted(tmp_path, server, clock=_StopAt(30))
    store = tmp_path / "runs.db"
    with pytest.raises(ResumeRefused, match=r"needs its secret input\(s\) 'token' again .*"
                                            r"--input token=\.\.\..*ARAZZO_INPUT_TOKEN"):
        resume(run_id, state=store, environ={})
    with pytest.raises(ResumeRefused, match=r"is not the one run .* started with"):
        resume(run_id, inputs={"token": "something else"}, state=store)
    with pytest.raises(ResumeRefused, match="input 'label' differs"):
        resume(run_id, inputs={"token": TOKEN, "label": "b"}, state=store)
    result = resume(run_id, state=store, environ={"ARAZZO_INPUT_TOKEN": TOKEN},
                    clock=ManualClock())
    assert result.succeeded
    with pytest.raises(ResumeRefused, match="has already succeeded"):
        resume(run_id, inputs={"token": TOKEN}, state=store)


def test_a_changed_document_is_refused(tmp_path: Path, server: LocalServer) -> None:
    _jobs(server)
    run_id = _interrupted(tmp_path, server, clock=_StopAt(30))
    openapi = tmp_path / "openapi.yaml"
    openapi.write_text(openapi.read_text() + "\n# edited\n")
    with pytest.raises(ResumeRefused, match=r"changed since run .* started"):
        resume(run_id, inputs={"token": TOKEN}, state=tmp_path / "runs.db")


def test_a_secret_obtained_at_run_time_comes_back(tmp_path: Path, server: LocalServer) -> None:
    """A login's token lives only in the run; the store seals it with the secret inputs."""
    issued = "issued-Token-XYZ-123"
    server.route("POST", "/jobs", lambda seen: Reply(
        200, {"id": 7, "access_token": issued} if seen.header("Authorization") ==
        f"Bearer {TOKEN}" else {"message": "no"}))
    polls = []

    def status(seen: Any) -> Reply:
        polls.append(seen.header("X-Session"))
        return Reply(200, {"state": "done" if len(polls) > 1 else "busy"})

    server.route("GET", "/jobs/(?P<id>[0-9]+)", status)
    trigger = {**_TRIGGER, "outputs": {"id": "$response.body#/id",
                                       "session": "$response.body#/access_token"}}
    poll = {**_POLL, "parameters": [
        {"name": "X-Session", "in": "header", "value": "$steps.trigger.outputs.session"},
        {"name": "id", "in": "path", "value": "$steps.trigger.outputs.id"}]}
    run_id = _interrupted(tmp_path, server, steps=[trigger, poll], clock=_StopAt(30))
    for name in ("runs.db", "runs.db-wal"):
        file = tmp_path / name
        assert not file.exists() or issued.encode() not in file.read_bytes()
    result = resume(run_id, inputs={"token": TOKEN}, state=tmp_path / "runs.db",
                    clock=ManualClock())
    assert result.succeeded and polls == [issued, issued]


@pytest.mark.parametrize(("method", "safe", "flag", "resend"), [
    ("GET", False, False, True), ("HEAD", False, False, True), ("OPTIONS", False, False, True),
    ("TRACE", False, False, True), ("PUT", False, False, True), ("DELETE", False, False, True),
    ("get", False, False, True),
    ("POST", False, False, False), ("PATCH", False, False, False),
    ("QUERY", False, False, False), ("POST", True, False, True), ("PATCH", False, True, True),
])
def test_the_in_doubt_rule(method: str, safe: bool, flag: bool, resend: bool) -> None:
    for failure in ("crashed", "interrupted", "timed-out"):
        decision = decide_in_doubt(method, marked_safe=safe, resend_flag=flag,
                                   failure=failure)  # type: ignore[arg-type]
        assert decision.resend is resend
        assert method.upper() in decision.reason

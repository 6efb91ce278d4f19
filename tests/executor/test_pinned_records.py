"""The exact records, JSON output, events, requests and run states of reference runs, pinned.

Hot-path work on the machine (compiling steps once, cheaper masking, lazier records) must not
change a byte of what a run reports. These runs go through a scripted in-process transport
(no server, no clock), so everything in them is reproducible: the request each step sends, the
result's JSON, every event an observer sees, and the run state after every action (which must
also round-trip). Regenerate with ``ARAZZO_UPDATE_PINNED=1`` only for an intended change, and
review the diff.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from arazzo_engine.executor import (
    Finish,
    HttpRequest,
    HttpResponse,
    Machine,
    ManualClock,
    RunOptions,
    SendRequest,
    StepExecution,
    TransportFailure,
    Wait,
    Waited,
    load_program,
    run_workflow,
)
from arazzo_engine.executor._state import RunState

WORKFLOW = Path(__file__).parents[2] / "specs/dbt/arazzo/dbt-trigger-run-and-poll-workflow.yml"
PINNED = Path(__file__).with_name("data") / "pinned_reference_runs.json"
TOKEN = "dbtc_pinned_token_0123456789"
SERVER = "https://user:hunter2secret@dbt.example.test/base"


def _run_body(status: int, **extra: Any) -> bytes:
    return json.dumps({
        "status": {"code": 200, "is_success": True, "user_message": "Success!"},
        "data": {"id": 4242, "status": status, "is_complete": status >= 10,
                 "is_error": status == 20, **extra},
    }).encode()


Answer = Callable[[HttpRequest, int], HttpResponse | TransportFailure]


def _json(status: int, body: bytes, *headers: tuple[str, str]) -> HttpResponse:
    return HttpResponse(status, [("Content-Type", "application/json; charset=utf-8"),
                                 *headers], body, elapsed=0.0123, received_at=1.8e9)


def _success(request: HttpRequest, index: int) -> HttpResponse | TransportFailure:
    if index == 0:
        return _json(200, _run_body(1), ("Set-Cookie", "session=cookiesecret99; Path=/"))
    if request.url.endswith("/artifacts/"):
        return _json(200, json.dumps({"data": ["manifest.json", "catalog.json"],
                                      "access_token": "artifact-secret-7777"}).encode())
    return _json(200, _run_body(10 if index >= 4 else 3, echo=TOKEN))


def _failed(request: HttpRequest, index: int) -> HttpResponse | TransportFailure:
    if index == 0:
        return _json(200, _run_body(1))
    return _json(200, _run_body(20 if index >= 2 else 2))


def _api_error(request: HttpRequest, index: int) -> HttpResponse | TransportFailure:
    if index == 0:
        return _json(200, _run_body(1))
    if index == 1:
        return _json(503, json.dumps({"status": {"code": 503, "user_message":
                                                 f"overloaded, token {TOKEN} refused"}}).encode())
    return TransportFailure("connection refused", elapsed=0.5)


def _no_response(request: HttpRequest, index: int) -> HttpResponse | TransportFailure:
    if index == 0:
        return _json(201, _run_body(1), ("X-Api-Key", "header-secret-5555"))
    return TransportFailure(f"connection to {SERVER} refused", elapsed=0.25, timed_out=True)


SCENARIOS: dict[str, Answer] = {"success": _success, "failed": _failed, "api-error": _api_error,
                                "no-response": _no_response}
ROOT = str(Path(__file__).parents[2])


def _plain(value: Any) -> Any:
    """Events and records as JSON (a step record as its ``to_dict``)."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _run(answer: Answer) -> dict[str, Any]:
    program = load_program(str(WORKFLOW))
    machine = Machine(program, RunOptions(servers={"dbtAdminApi": SERVER}, loop_delay=0))
    state = machine.start(inputs={"accountId": 7, "jobId": 8, "token": TOKEN})
    requests: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    states: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    outcome: Any = None
    clock = ManualClock()
    for _ in range(50):
        action = machine.decide(state, outcome)
        saved = state.to_dict()
        assert RunState.from_dict(json.loads(json.dumps(saved))).to_dict() == saved
        states.append(saved)
        steps += [s.to_dict() for s in state.executions]
        state.executions.clear()
        events += [{"kind": e.kind, "data": _plain(e.data)} for e in state.take_events()]
        if isinstance(action, Finish):
            result = action.result
            result.steps = steps_of(steps)
            return {"result": json.dumps(result.to_dict(), default=str), "requests": requests,
                    "events": events, "states": states}
        if isinstance(action, Wait):
            clock.sleep(action.seconds)
            outcome = Waited()
        else:
            assert isinstance(action, SendRequest)
            request = action.request
            requests.append({**request.to_dict(), "secretValues": sorted(request.secret_values)})
            outcome = answer(request, len(requests) - 1)
    raise AssertionError("the run did not finish")


def steps_of(records: list[dict[str, Any]]) -> list[StepExecution]:
    return [StepExecution.from_dict(r) for r in records]


def _all_runs() -> dict[str, Any]:
    """Every scenario's run, the checkout's own folder written ``<root>`` (document keys)."""
    text = json.dumps({name: _run(answer) for name, answer in SCENARIOS.items()}, default=str)
    return json.loads(text.replace(json.dumps(ROOT)[1:-1], "<root>"))


def test_the_pinned_file_is_current() -> None:
    runs = _all_runs()
    if os.environ.get("ARAZZO_UPDATE_PINNED") == "1":
        PINNED.write_text(json.dumps(runs, indent=1, sort_keys=True) + "\n")
    pinned = json.loads(PINNED.read_text())
    for name in SCENARIOS:
        for part in ("result", "requests", "events", "states"):
            assert runs[name][part] == pinned[name][part], f"{name}: {part} changed"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_secrets_never_reach_the_pinned_records(name: str) -> None:
    runs = PINNED.read_text()
    assert TOKEN not in json.dumps(json.loads(runs)[name]["result"])
    for secret in ("hunter2secret", "cookiesecret99", "artifact-secret-7777"):
        assert secret not in json.loads(runs)[name]["result"]


class _Scripted:
    def __init__(self, answer: Answer) -> None:
        self.answer, self.sent = answer, 0

    def send(self, request: HttpRequest) -> HttpResponse | TransportFailure:
        self.sent += 1
        return self.answer(request, self.sent - 1)

    def close(self) -> None:
        pass


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_a_driven_run_reports_what_the_machine_recorded(name: str) -> None:
    """Through ``run_workflow`` (the step history spilled to a file and read back) the JSON
    is the pinned one too."""
    result = run_workflow(str(WORKFLOW), inputs={"accountId": 7, "jobId": 8, "token": TOKEN},
                          options=RunOptions(servers={"dbtAdminApi": SERVER}, loop_delay=0),
                          transport=_Scripted(SCENARIOS[name]), clock=ManualClock())
    text = json.dumps(result.to_dict(), default=str).replace(json.dumps(ROOT)[1:-1], "<root>")
    assert text == json.loads(PINNED.read_text())[name]["result"]


def test_the_reference_run_polls_then_lists_the_artifacts() -> None:
    pinned = json.loads(PINNED.read_text())["success"]
    result = json.loads(pinned["result"])
    assert [s["stepId"] for s in result["steps"]] == \
        ["triggerRun", "pollRun", "pollRun", "pollRun", "pollRun", "listArtifacts"]
    assert result["outcome"] == "succeeded" and result["outputs"]["finalStatus"] == 10

"""Polling loops: the wait before a re-run grows x1.5 to a cap, a day-long poll fits the default
step guard, and progress says which poll it is and for how long the loop has been polling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from local_http import LocalServer, Reply, arazzo_doc, openapi_doc, run_cli

import arazzo_engine
from arazzo_engine.executor import (
    DEFAULT_LOOP_DELAY,
    DEFAULT_LOOP_DELAY_MAX,
    DEFAULT_MAX_STEPS,
    HttpRequest,
    HttpResponse,
    ManualClock,
    RunEvent,
    RunOptions,
)
from arazzo_engine.executor._loops import loop_wait

WORKFLOW = Path(__file__).parents[2] / "specs/dbt/arazzo/dbt-trigger-run-and-poll-workflow.yml"
INPUTS = {"accountId": 1, "jobId": 2, "token": "t"}


def _poll_workflow(server: LocalServer, done_after: int) -> tuple[dict, dict]:
    server.sequence("GET", "/thing", [Reply(200, {"done": False})] * done_after
                    + [Reply(200, {"done": True})])
    api = openapi_doc(server.url, {"id": "getThing", "path": "/thing"},
                      {"id": "other", "path": "/other"})
    server.route("GET", "/other", {})
    poll = {"stepId": "poll", "operationId": "getThing", "onSuccess": [
        {"name": "again", "type": "goto", "stepId": "poll",
         "criteria": [{"condition": "$response.body#/done == false"}]}]}
    return arazzo_doc({"workflowId": "flow", "steps": [poll]}), api


@pytest.mark.parametrize(("delay", "cap", "expected"), [
    (2, 30, [2, 3, 4.5, 6.75, 10.125, 15.1875, 22.78125, 30, 30, 30]),
    (1, 2, [1, 1.5, 2, 2, 2, 2, 2, 2, 2, 2]),
    (5, 5, [5] * 10),
    (60, 30, [60] * 10),  # the cap is never below the first wait
    (0, 30, [0] * 10),
])
def test_the_wait_grows_by_half_up_to_the_cap(delay: float, cap: float,
                                              expected: list[float]) -> None:
    options = RunOptions(loop_delay=delay, loop_delay_max=cap)
    assert [loop_wait(options, n) for n in range(1, 11)] == pytest.approx(expected)
    assert loop_wait(options, 100_000) == (max(delay, cap) if delay else 0)


def test_the_defaults() -> None:
    assert (DEFAULT_LOOP_DELAY, DEFAULT_LOOP_DELAY_MAX) == (2, 30)
    assert RunOptions().max_steps == DEFAULT_MAX_STEPS == 5000


def test_a_forward_goto_ends_the_streak_and_a_new_loop_starts_over(server: LocalServer,
                                                                   run_doc) -> None:
    server.sequence("GET", "/thing", [Reply(200, {"n": i}) for i in range(8)])
    api = openapi_doc(server.url, {"id": "getThing", "path": "/thing"})
    first = {"stepId": "a", "operationId": "getThing", "onSuccess": [
        {"name": "loop", "type": "goto", "stepId": "a",
         "criteria": [{"condition": "$response.body#/n < 2"}]},
        {"name": "on", "type": "goto", "stepId": "b"}]}
    second = {"stepId": "b", "operationId": "getThing", "onSuccess": [
        {"name": "loop", "type": "goto", "stepId": "b",
         "criteria": [{"condition": "$response.body#/n < 5"}]}]}
    clock = ManualClock()
    result = run_doc(arazzo_doc({"workflowId": "flow", "steps": [first, second]}), api,
                     clock=clock, loop_delay=2)
    assert result.succeeded
    assert clock.sleeps == [2, 3, 2, 3]  # a: n=0,1 loop; b: n=3,4 loop; each loop from 2 s


def test_events_say_which_poll_and_how_long_the_loop_has_been_polling(server: LocalServer,
                                                                      run_doc) -> None:
    arazzo, api = _poll_workflow(server, done_after=4)
    events: list[RunEvent] = []
    run_doc(arazzo, api, loop_delay=2, observer=events.append)
    waits = [e.data for e in events if e.kind == "waiting"]
    assert [(w["seconds"], w["poll"], w["stepId"]) for w in waits] == [
        (2, 2, "poll"), (3, 3, "poll"), (4.5, 4, "poll"), (6.75, 5, "poll")]
    # Polling time: the waits so far plus the exchanges (real, so a few milliseconds each).
    so_far = [w["pollingSeconds"] for w in waits]
    assert so_far[0] < 1 and 2 <= so_far[1] < 3 and 5 <= so_far[2] < 6 and 9.5 <= so_far[3] < 11


class _DayLongJob:
    """dbt Cloud answering "running" (3) until 24 hours of the run's clock have passed."""

    def __init__(self, clock: ManualClock, hours: float = 24) -> None:
        self.clock, self.seconds, self.polls = clock, hours * 3600, 0

    def send(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            data = {"id": 7, "status": 1}
        elif request.url.endswith("/artifacts/"):
            data = ["manifest.json"]
        else:
            self.polls += 1
            data = {"id": 7, "status": 10 if self.clock.now >= self.seconds else 3,
                    "is_complete": self.clock.now >= self.seconds, "is_error": False}
        return HttpResponse(200, [("Content-Type", "application/json")],
                            json.dumps({"data": data}).encode(), elapsed=0.2)

    def close(self) -> None:
        pass


def test_a_24_hour_dbt_job_fits_the_default_step_guard() -> None:
    clock = ManualClock()
    job = _DayLongJob(clock)
    result = arazzo_engine.load(WORKFLOW).run(
        inputs=INPUTS, options=RunOptions(servers={"dbtAdminApi": "http://dbt.invalid"}),
        clock=clock, transport=job)
    assert result.succeeded, result.error
    assert result.outputs["finalStatus"] == 10
    assert clock.now >= 24 * 3600
    assert job.polls < 3000 and max(clock.sleeps) == 30


def test_the_old_fixed_two_seconds_would_not_have_fitted() -> None:
    clock = ManualClock()
    result = arazzo_engine.load(WORKFLOW).run(
        inputs=INPUTS, options=RunOptions(servers={"dbtAdminApi": "http://dbt.invalid"},
                                          loop_delay_max=2),
        clock=clock, transport=_DayLongJob(clock))
    assert not result.succeeded and "--max-steps" in (result.error or "")


def test_the_progress_line_names_the_poll_and_the_time_so_far(
        server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    arazzo, api = _poll_workflow(server, done_after=3)
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(api))
    (tmp_path / "flow.arazzo.yaml").write_text(yaml.safe_dump(arazzo))
    assert run_cli(["run", str(tmp_path / "flow.arazzo.yaml"), "--loop-delay", "0.05",
                    "--loop-delay-max", "0.1"]) == 0
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()
             if "waiting" in line]
    assert len(lines) == 3
    # Under a second of polling says nothing worth reading; the time shows from 1 s on.
    assert lines == ["waiting 0.05 s before poll 2 of poll",
                     "waiting 0.075 s before poll 3 of poll", "waiting 0.1 s before poll 4 of poll"]
    from arazzo_engine.cli.run import _poll_text

    assert _poll_text({"poll": 120, "stepId": "pollRun", "pollingSeconds": 3520}) == (
        "before poll 120 of pollRun (polling for 58 min 40 s)")

"""Success and failure actions: end, goto, retry, workflow-level and reusable actions."""

from __future__ import annotations

import email.utils
import time
from typing import Any

from local_http import LocalServer, Reply, arazzo_doc, openapi_doc

from arazzo_engine.executor import ManualClock


def _api(server: LocalServer) -> dict[str, Any]:
    return openapi_doc(
        server.url,
        {"id": "getThing", "path": "/thing"},
        {"id": "refresh", "method": "post", "path": "/refresh"},
        {"id": "other", "path": "/other"},
        {"id": "last", "path": "/last"},
    )


def _workflow(*steps: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"workflowId": "flow", "steps": list(steps), **extra}


def _ok(step_id: str, operation: str, **extra: Any) -> dict[str, Any]:
    return {"stepId": step_id, "operationId": operation,
            "successCriteria": [{"condition": "$statusCode == 200"}], **extra}


def _paths(server: LocalServer) -> list[str]:
    return [r.path for r in server.requests]


def test_retry_waits_retry_after_and_records_each_attempt(server: LocalServer, run_doc) -> None:
    server.sequence("GET", "/thing", [Reply(503), Reply(503), Reply(200, {"v": 1})])
    clock = ManualClock()
    step = _ok("get", "getThing", onFailure=[
        {"name": "again", "type": "retry", "retryAfter": 1.5, "retryLimit": 3}])
    result = run_doc(arazzo_doc(_workflow(step)), _api(server), clock=clock)
    assert result.succeeded
    assert [(s.attempt, s.status_code, s.outcome) for s in result.steps] == [
        (1, 503, "failed"), (2, 503, "failed"), (3, 200, "succeeded")]
    assert clock.sleeps == [1.5, 1.5]
    assert result.steps[0].action.type == "retry" and result.steps[0].action.delay == 1.5


def test_retry_limit_defaults_to_one_retry_then_the_workflow_fails(server: LocalServer,
                                                                   run_doc) -> None:
    server.route("GET", "/thing", {"message": "down for maintenance"}, status=503)
    step = _ok("get", "getThing", onFailure=[{"name": "again", "type": "retry"}])
    result = run_doc(arazzo_doc(_workflow(step)), _api(server))
    assert not result.succeeded
    assert len(result.steps) == 2
    assert "down for maintenance" in result.error
    assert "used up its 1 retry" in result.steps[1].action.reason


def test_after_the_retry_limit_the_next_matching_failure_action_runs(server: LocalServer,
                                                                     run_doc) -> None:
    server.route("GET", "/thing", None, status=503)
    server.route("GET", "/other", {"fallback": True})
    step = _ok("get", "getThing", onFailure=[
        {"name": "again", "type": "retry", "retryLimit": 2},
        {"name": "fallback", "type": "goto", "stepId": "other"}])
    other = _ok("other", "other", onSuccess=[{"name": "stop", "type": "end"}])
    result = run_doc(arazzo_doc(_workflow(step, other)), _api(server))
    assert result.succeeded
    assert [s.step_id for s in result.steps] == ["get", "get", "get", "other"]
    assert result.steps[2].action.name == "fallback"


def test_http_retry_after_seconds_wins_over_retry_after(server: LocalServer, run_doc) -> None:
    server.sequence("GET", "/thing", [Reply(429, headers={"Retry-After": "7"}), Reply(200)])
    clock = ManualClock()
    step = _ok("get", "getThing", onFailure=[{"name": "r", "type": "retry", "retryAfter": 1}])
    assert run_doc(arazzo_doc(_workflow(step)), _api(server), clock=clock).succeeded
    assert clock.sleeps == [7.0]


def test_http_retry_after_date_is_honoured_and_capped(server: LocalServer, run_doc) -> None:
    later = email.utils.formatdate(time.time() + 3600, usegmt=True)
    server.sequence("GET", "/thing", [Reply(503, headers={"Retry-After": later}), Reply(200)])
    clock = ManualClock()
    step = _ok("get", "getThing", onFailure=[{"name": "r", "type": "retry", "retryAfter": 1}])
    result = run_doc(arazzo_doc(_workflow(step)), _api(server), clock=clock,
                     max_retry_wait=30)
    assert result.succeeded
    assert clock.sleeps == [30.0]


def test_retry_after_an_http_date_in_the_near_future(server: LocalServer, run_doc) -> None:
    soon = email.utils.formatdate(time.time() + 120, usegmt=True)
    server.sequence("GET", "/thing", [Reply(503, headers={"Retry-After": soon}), Reply(200)])
    clock = ManualClock()
    step = _ok("get", "getThing", onFailure=[{"name": "r", "type": "retry"}])
    assert run_doc(arazzo_doc(_workflow(step)), _api(server), clock=clock,
                   max_retry_wait=600).succeeded
    assert 100 < clock.sleeps[0] <= 120


def test_retry_runs_a_step_first(server: LocalServer, run_doc) -> None:
    state = {"fresh": False}

    def thing(_seen: Any) -> Reply:
        return Reply(200, {"ok": True}) if state["fresh"] else Reply(401)

    def refresh(_seen: Any) -> Reply:
        state["fresh"] = True
        return Reply(200, {"token": "new"})

    server.route("GET", "/thing", thing)
    server.route("POST", "/refresh", refresh)
    get = _ok("get", "getThing", onFailure=[
        {"name": "reauth", "type": "retry", "stepId": "refresh",
         "criteria": [{"condition": "$statusCode == 401"}]}],
        onSuccess=[{"name": "done", "type": "end"}])
    refresh_step = _ok("refresh", "refresh")
    result = run_doc(arazzo_doc(_workflow(get, refresh_step)), _api(server))
    assert result.succeeded
    assert [s.step_id for s in result.steps] == ["get", "refresh", "get"]
    assert result.steps[2].attempt == 2
    assert _paths(server) == ["/thing", "/refresh", "/thing"]


def test_retry_runs_a_workflow_first(server: LocalServer, run_doc) -> None:
    state = {"fresh": False}

    def refresh(_seen: Any) -> Reply:
        state["fresh"] = True
        return Reply(200)

    server.route("GET", "/thing",
                 lambda _s: Reply(200) if state["fresh"] else Reply(401))
    server.route("POST", "/refresh", refresh)
    get = _ok("get", "getThing", onFailure=[
        {"name": "reauth", "type": "retry", "workflowId": "login"}])
    login = {"workflowId": "login", "steps": [_ok("refresh", "refresh")]}
    result = run_doc(arazzo_doc(_workflow(get), login), _api(server), workflow_id="flow")
    assert result.succeeded
    assert [(s.workflow_id, s.step_id) for s in result.steps] == [
        ("flow", "get"), ("login", "refresh"), ("flow", "get")]


def test_end_on_success_stops_the_workflow_successfully(server: LocalServer, run_doc) -> None:
    server.route("GET", "/thing", {"v": 1})
    first = _ok("get", "getThing", onSuccess=[{"name": "stop", "type": "end"}])
    result = run_doc(arazzo_doc(_workflow(first, _ok("never", "last"))), _api(server))
    assert result.succeeded
    assert _paths(server) == ["/thing"]


def test_end_on_failure_fails_the_workflow(server: LocalServer, run_doc) -> None:
    server.route("GET", "/thing", {"error": "nope"}, status=400)
    first = _ok("get", "getThing", onFailure=[{"name": "giveUp", "type": "end"}])
    result = run_doc(arazzo_doc(_workflow(first, _ok("never", "last"))), _api(server))
    assert not result.succeeded
    assert "giveUp" in result.error and "nope" in result.error
    assert _paths(server) == ["/thing"]


def test_a_failure_without_matching_action_fails_the_workflow(server: LocalServer,
                                                              run_doc) -> None:
    server.route("GET", "/thing", None, status=500)
    step = _ok("get", "getThing", onFailure=[
        {"name": "only404", "type": "end", "criteria": [{"condition": "$statusCode == 404"}]}])
    result = run_doc(arazzo_doc(_workflow(step, _ok("never", "last"))), _api(server))
    assert not result.succeeded
    assert result.steps[-1].action.type == "fail"
    assert "'get' failed" in result.error


def test_goto_skips_forward_and_first_match_wins(server: LocalServer, run_doc) -> None:
    server.route("GET", "/thing", {"kind": "b"})
    server.route("GET", "/last", {})
    step = _ok("get", "getThing", onSuccess=[
        {"name": "toOtherIfA", "type": "goto", "stepId": "other",
         "criteria": [{"condition": "$response.body#/kind == 'a'"}]},
        {"name": "toLastIfB", "type": "goto", "stepId": "last",
         "criteria": [{"condition": "$response.body#/kind == 'b'"}]},
        {"name": "alsoB", "type": "goto", "stepId": "other",
         "criteria": [{"condition": "$response.body#/kind == 'b'"}]}])
    result = run_doc(arazzo_doc(_workflow(step, _ok("other", "other"), _ok("last", "last"))),
                     _api(server))
    assert result.succeeded
    assert _paths(server) == ["/thing", "/last"]
    action = result.steps[0].action
    assert action.name == "toLastIfB" and action.criteria[0].passed


def test_no_success_action_matching_goes_to_the_next_step(server: LocalServer,
                                                          run_doc) -> None:
    server.route("GET", "/thing", {"kind": "c"})
    server.route("GET", "/other", {})
    step = _ok("get", "getThing", onSuccess=[
        {"name": "a", "type": "end", "criteria": [{"condition": "$response.body#/kind == 'a'"}]}])
    result = run_doc(arazzo_doc(_workflow(step, _ok("other", "other"))), _api(server))
    assert _paths(server) == ["/thing", "/other"] and result.succeeded
    assert result.steps[0].action.type == "next"


def test_goto_a_workflow_is_one_way(server: LocalServer, run_doc) -> None:
    server.route("GET", "/thing", {"v": 1})
    server.route("GET", "/other", {"w": 2})
    first = _ok("get", "getThing", onSuccess=[
        {"name": "handOver", "type": "goto", "workflowId": "second"}],
        outputs={"v": "$response.body#/v"})
    main = _workflow(first, _ok("never", "last"), outputs={"v": "$steps.get.outputs.v"})
    second = {"workflowId": "second", "steps": [_ok("other", "other")]}
    result = run_doc(arazzo_doc(main, second), _api(server), workflow_id="flow")
    assert result.succeeded
    assert _paths(server) == ["/thing", "/other"]
    assert result.outputs == {"v": 1}


def test_workflow_level_actions_apply_to_every_step_and_steps_override_by_name(
        server: LocalServer, run_doc) -> None:
    server.route("GET", "/thing", None, status=503)
    server.route("GET", "/other", None, status=503)
    server.route("GET", "/last", {})
    workflow = _workflow(
        _ok("get", "getThing"),
        _ok("other", "other", onFailure=[{"name": "recover", "type": "goto", "stepId": "last"}]),
        _ok("last", "last"),
        failureActions=[{"name": "recover", "type": "goto", "stepId": "other"}])
    result = run_doc(arazzo_doc(workflow), _api(server))
    assert result.succeeded
    assert _paths(server) == ["/thing", "/other", "/last"]


def test_step_actions_come_before_inherited_ones(server: LocalServer, run_doc) -> None:
    server.route("GET", "/thing", {})
    server.route("GET", "/last", {})
    workflow = _workflow(
        _ok("get", "getThing", onSuccess=[{"name": "mine", "type": "goto", "stepId": "last"}]),
        _ok("other", "other"), _ok("last", "last"),
        successActions=[{"name": "inherited", "type": "end"}])
    result = run_doc(arazzo_doc(workflow), _api(server))
    assert _paths(server) == ["/thing", "/last"]
    assert result.steps[0].action.name == "mine"
    assert result.steps[1].action.name == "inherited"


def test_reusable_actions_from_components(server: LocalServer, run_doc) -> None:
    server.sequence("GET", "/thing", [Reply(503), Reply(200)])
    clock = ManualClock()
    step = _ok("get", "getThing",
               onFailure=[{"reference": "$components.failureActions.patience"}],
               onSuccess=[{"reference": "$components.successActions.finish"}])
    doc = arazzo_doc(_workflow(step, _ok("never", "last")), components={
        "failureActions": {"patience": {"name": "patience", "type": "retry", "retryAfter": 4}},
        "successActions": {"finish": {"name": "finish", "type": "end"}}})
    result = run_doc(doc, _api(server), clock=clock)
    assert result.succeeded and clock.sleeps == [4.0]
    assert _paths(server) == ["/thing", "/thing"]


def test_without_success_criteria_an_error_status_fails(server: LocalServer, run_doc) -> None:
    server.route("GET", "/thing", {"detail": "no such thing"}, status=404)
    step = {"stepId": "get", "operationId": "getThing"}
    result = run_doc(arazzo_doc(_workflow(step)), _api(server))
    assert not result.succeeded
    assert result.steps[0].api_message == "no such thing"


def test_without_success_criteria_a_redirect_or_ok_succeeds(server: LocalServer,
                                                            run_doc) -> None:
    server.route("GET", "/thing", None, status=302, headers={"Location": "/elsewhere"})
    step = {"stepId": "get", "operationId": "getThing",
            "outputs": {"where": "$response.header.Location"}}
    result = run_doc(arazzo_doc(_workflow(step, outputs={"where": "$steps.get.outputs.where"})),
                     _api(server))
    assert result.succeeded and result.outputs == {"where": "/elsewhere"}
    assert _paths(server) == ["/thing"]  # the redirect was not followed


def test_redirects_are_followed_when_asked(server: LocalServer, run_doc) -> None:
    server.route("GET", "/thing", None, status=302, headers={"Location": "/last"})
    server.route("GET", "/last", {"landed": True})
    step = _ok("get", "getThing", outputs={"landed": "$response.body#/landed"})
    result = run_doc(arazzo_doc(_workflow(step)), _api(server), follow_redirects=True)
    assert result.succeeded and result.steps[0].outputs == {"landed": True}


def test_a_goto_back_waits_the_loop_delay_growing_each_time(server: LocalServer,
                                                            run_doc) -> None:
    server.sequence("GET", "/thing", [Reply(200, {"done": False})] * 3
                    + [Reply(200, {"done": True})])
    clock = ManualClock()
    step = _ok("poll", "getThing", onSuccess=[
        {"name": "again", "type": "goto", "stepId": "poll",
         "criteria": [{"condition": "$response.body#/done == false"}]}])
    result = run_doc(arazzo_doc(_workflow(step)), _api(server), clock=clock, loop_delay=2.5)
    assert result.succeeded and len(result.steps) == 4
    assert clock.sleeps == [2.5, 3.75, 5.625]  # x1.5 per consecutive re-run (test_loops.py)


def test_a_zero_loop_delay_does_not_wait(server: LocalServer, run_doc) -> None:
    server.sequence("GET", "/thing", [Reply(200, {"done": False}), Reply(200, {"done": True})])
    clock = ManualClock()
    step = _ok("poll", "getThing", onSuccess=[
        {"name": "again", "type": "goto", "stepId": "poll",
         "criteria": [{"condition": "$response.body#/done == false"}]}])
    assert run_doc(arazzo_doc(_workflow(step)), _api(server), clock=clock).succeeded
    assert clock.sleeps == []


def test_the_loop_guard_stops_an_endless_goto(server: LocalServer, run_doc) -> None:
    server.route("GET", "/thing", {})
    step = _ok("poll", "getThing", onSuccess=[{"name": "forever", "type": "goto",
                                               "stepId": "poll"}])
    result = run_doc(arazzo_doc(_workflow(step)), _api(server), max_steps=25)
    assert not result.succeeded
    assert len(result.steps) == 25 and len(server.requests) == 25
    assert "--max-steps" in result.error


def test_a_transport_failure_fails_the_step_and_can_be_retried(run_doc, server) -> None:
    api = openapi_doc("http://127.0.0.1:9", {"id": "getThing", "path": "/thing"})
    step = _ok("get", "getThing", onFailure=[{"name": "again", "type": "retry"}])
    result = run_doc(arazzo_doc(_workflow(step)), api)
    assert not result.succeeded
    assert [s.status_code for s in result.steps] == [None, None]
    assert "cannot connect" in result.steps[0].error


def test_the_deadline_stops_a_long_wait(server: LocalServer, run_doc) -> None:
    server.route("GET", "/thing", None, status=503)
    clock = ManualClock()
    step = _ok("get", "getThing", onFailure=[{"name": "r", "type": "retry", "retryAfter": 50,
                                              "retryLimit": 5}])
    result = run_doc(arazzo_doc(_workflow(step)), _api(server), clock=clock, deadline=20,
                     max_retry_wait=100)
    assert not result.succeeded
    assert "deadline" in result.error
    assert clock.sleeps == [20.0]

"""Workflows calling workflows, dependsOn, inputs, outputs, and resumable run state."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from local_http import LocalServer, Reply, arazzo_doc, openapi_doc

from arazzo_engine.document import load_bundle
from arazzo_engine.errors import InputError
from arazzo_engine.executor import (
    HttpResponse,
    Machine,
    Program,
    RequestsTransport,
    RunOptions,
    RunState,
    SendRequest,
    run_workflow,
)


def _api(server: LocalServer) -> dict[str, Any]:
    server.route("GET", "/users/(?P<id>[^/]+)",
                 lambda seen: {"id": seen.params["id"], "name": f"user-{seen.params['id']}"})
    server.route("POST", "/login", {"token": "tok-1"})
    server.route("GET", "/broken", {"message": "kaput"}, status=500)
    return openapi_doc(server.url,
                       {"id": "getUser", "path": "/users/{id}"},
                       {"id": "login", "method": "post", "path": "/login"},
                       {"id": "broken", "path": "/broken"})


def _get_user(step_id: str = "get", user: str = "$inputs.userId") -> dict[str, Any]:
    return {"stepId": step_id, "operationId": "getUser",
            "parameters": [{"name": "id", "in": "path", "value": user}],
            "successCriteria": [{"condition": "$statusCode == 200"}],
            "outputs": {"name": "$response.body#/name"}}


_CHILD = {"workflowId": "child",
          "inputs": {"type": "object", "required": ["userId"],
                     "properties": {"userId": {"type": "string"}}},
          "steps": [_get_user()],
          "outputs": {"userName": "$steps.get.outputs.name"}}


def test_a_workflow_step_passes_inputs_and_reads_the_child_outputs(server: LocalServer,
                                                                   run_doc) -> None:
    parent = {"workflowId": "parent", "steps": [
        {"stepId": "call", "workflowId": "child",
         "parameters": [{"name": "userId", "value": "u7"}],
         "outputs": {"fromChild": "$outputs.userName"}},
        _get_user("again", "$workflows.child.outputs.userName")],
        "outputs": {"viaStep": "$steps.call.outputs.fromChild",
                    "viaWorkflows": "$workflows.child.outputs.userName"}}
    result = run_doc(arazzo_doc(parent, _CHILD), _api(server), workflow_id="parent")
    assert result.succeeded
    assert result.outputs == {"viaStep": "user-u7", "viaWorkflows": "user-u7"}
    assert [(s.workflow_id, s.step_id, s.kind) for s in result.steps] == [
        ("child", "get", "operation"), ("parent", "call", "workflow"),
        ("parent", "again", "operation")]
    assert result.steps[0].depth == 1 and result.steps[1].depth == 0
    assert server.requests[1].path == "/users/user-u7"


def test_a_workflow_in_another_arazzo_document(server: LocalServer, run_doc) -> None:
    other = arazzo_doc(_CHILD)
    parent = arazzo_doc({"workflowId": "parent", "steps": [
        {"stepId": "call", "workflowId": "$sourceDescriptions.shared.child",
         "parameters": [{"name": "userId", "value": "u1"}],
         "outputs": {"name": "$outputs.userName"}}],
        "outputs": {"name": "$steps.call.outputs.name"}},
        sources={"shared": "shared.arazzo.yaml"})
    result = run_doc(parent, _api(server), files={"shared.arazzo.yaml": other})
    assert result.succeeded and result.outputs == {"name": "user-u1"}


def test_a_workflow_step_fails_when_its_child_fails(server: LocalServer, run_doc) -> None:
    child = {"workflowId": "child", "steps": [
        {"stepId": "boom", "operationId": "broken",
         "successCriteria": [{"condition": "$statusCode == 200"}]}]}
    parent = {"workflowId": "parent", "steps": [
        {"stepId": "call", "workflowId": "child",
         "onFailure": [{"name": "fallback", "type": "goto", "stepId": "rescue"}]},
        {"stepId": "skipped", "operationId": "login"},
        _get_user("rescue", "r1")]}
    result = run_doc(arazzo_doc(parent, child), _api(server), workflow_id="parent")
    assert result.succeeded
    call = next(s for s in result.steps if s.step_id == "call")
    assert call.outcome == "failed" and "kaput" in call.error
    assert [r.path for r in server.requests] == ["/broken", "/users/r1"]


def test_child_inputs_are_validated(server: LocalServer, run_doc) -> None:
    parent = {"workflowId": "parent", "steps": [
        {"stepId": "call", "workflowId": "child",
         "parameters": [{"name": "userId", "value": 42}]}]}
    result = run_doc(arazzo_doc(parent, _CHILD), _api(server), workflow_id="parent")
    assert not result.succeeded
    assert "'userId'" in result.error and "string" in result.error


def test_depends_on_runs_first_once_and_its_outputs_are_readable(server: LocalServer,
                                                                 run_doc) -> None:
    login = {"workflowId": "login", "steps": [
        {"stepId": "auth", "operationId": "login", "outputs": {"token": "$response.body#/token"}}],
        "outputs": {"token": "$steps.auth.outputs.token"}}
    first = {"workflowId": "first", "dependsOn": ["login"], "steps": [
        _get_user("a", "$workflows.login.outputs.token")]}
    main = {"workflowId": "main", "dependsOn": ["login", "first"], "steps": [
        _get_user("b", "b")], "outputs": {"token": "$workflows.login.outputs.token"}}
    result = run_doc(arazzo_doc(main, first, login), _api(server), workflow_id="main")
    assert result.succeeded
    assert [r.path for r in server.requests] == ["/login", "/users/tok-1", "/users/b"]
    assert result.outputs == {"token": "tok-1"}


def test_a_failed_dependency_fails_the_workflow(server: LocalServer, run_doc) -> None:
    dep = {"workflowId": "dep", "steps": [{"stepId": "boom", "operationId": "broken"}]}
    main = {"workflowId": "main", "dependsOn": ["dep"], "steps": [_get_user("b", "b")]}
    result = run_doc(arazzo_doc(main, dep), _api(server), workflow_id="main")
    assert not result.succeeded
    assert "depends on 'dep'" in result.error
    assert [r.path for r in server.requests] == ["/broken"]


def test_input_defaults_and_component_schemas(server: LocalServer, run_doc) -> None:
    workflow = {"workflowId": "flow", "inputs": {"$ref": "#/components/inputs/who"},
                "steps": [_get_user()], "outputs": {"name": "$steps.get.outputs.name"}}
    doc = arazzo_doc(workflow, components={"inputs": {"who": {
        "type": "object", "properties": {"userId": {"type": "string", "default": "dflt"}}}}})
    result = run_doc(doc, _api(server))
    assert result.outputs == {"name": "user-dflt"}


def test_bad_inputs_raise_an_input_error_naming_the_input(server: LocalServer,
                                                          run_doc) -> None:
    with pytest.raises(InputError, match="'userId'"):
        run_doc(arazzo_doc(_CHILD), _api(server), inputs={"userId": ["not", "a", "string"]})
    with pytest.raises(InputError, match="'userId' is required"):
        run_doc(arazzo_doc(_CHILD), _api(server))


def test_an_output_that_cannot_be_resolved_is_null_with_a_reason(server: LocalServer,
                                                                 run_doc) -> None:
    workflow = {"workflowId": "flow", "steps": [
        {**_get_user("get", "x"), "onSuccess": [{"name": "stop", "type": "end"}]},
        _get_user("never", "y")],
        "outputs": {"got": "$steps.get.outputs.name", "missing": "$steps.never.outputs.name"}}
    result = run_doc(arazzo_doc(workflow), _api(server))
    assert result.succeeded
    assert result.outputs == {"got": "user-x", "missing": None}
    assert "never" in result.unresolved["missing"]


def test_the_run_state_round_trips_and_resumes(server: LocalServer, tmp_path) -> None:
    api = _api(server)
    server.sequence("GET", "/poll", [Reply(200, {"done": False}), Reply(200, {"done": True})])
    api["paths"]["/poll"] = {"get": {"operationId": "poll", "responses": {}}}
    workflow = {"workflowId": "flow", "steps": [
        {"stepId": "call", "workflowId": "child",
         "parameters": [{"name": "userId", "value": "z"}]},
        {"stepId": "poll", "operationId": "poll", "onSuccess": [
            {"name": "again", "type": "goto", "stepId": "poll",
             "criteria": [{"condition": "$response.body#/done == false"}]}]}],
        "outputs": {"name": "$workflows.child.outputs.userName"}}
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(api))
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump(arazzo_doc(workflow, _CHILD)))
    options = RunOptions(loop_delay=0, trust_env=False)
    transport = RequestsTransport(trust_env=False)

    def machine() -> Machine:
        return Machine(Program(load_bundle(path)), options)

    state = machine().start("flow", {})
    outcome = None
    checkpoints = 0
    while True:
        # Every action goes through JSON and a brand-new machine: nothing lives outside the state.
        saved = json.dumps(state.to_dict())
        restored = RunState.from_dict(json.loads(saved))
        assert restored.to_dict() == state.to_dict()
        state = restored
        action = machine().decide(state, outcome)
        checkpoints += 1
        if not isinstance(action, SendRequest):
            break
        outcome = transport.send(action.request)
        assert isinstance(outcome, HttpResponse)
    result = action.result
    assert result.succeeded and result.outputs == {"name": "user-z"}
    assert [s.step_id for s in result.steps] == ["get", "call", "poll", "poll"]
    assert checkpoints == 4
    assert result.to_dict() == type(result).from_dict(result.to_dict()).to_dict()


def test_a_document_with_several_workflows_needs_a_choice(server: LocalServer,
                                                          run_doc) -> None:
    from arazzo_engine.errors import ExecutionError

    with pytest.raises(ExecutionError, match="choose one with --workflow"):
        run_doc(arazzo_doc(_CHILD, {"workflowId": "x", "steps": [_get_user()]}), _api(server))


def test_observer_sees_progress_in_order(server: LocalServer, run_doc) -> None:
    events: list[Any] = []
    run_doc(arazzo_doc(_CHILD), _api(server), inputs={"userId": "o"},
            observer=events.append)
    assert [e.kind for e in events] == ["workflow-started", "request", "response",
                                        "step-finished", "workflow-finished", "run-finished"]
    response = events[2].data
    assert response["stepId"] == "get" and '"name"' in response["body"]


def test_run_workflow_accepts_a_path_string(server: LocalServer, tmp_path) -> None:
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(_api(server)))
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump(arazzo_doc(_CHILD)))
    result = run_workflow(str(path), inputs={"userId": "s"},
                          options=RunOptions(trust_env=False))
    assert result.succeeded and result.outputs == {"userName": "user-s"}

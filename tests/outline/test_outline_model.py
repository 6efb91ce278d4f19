"""Outlines say what a document's workflows need and do, as the executor would run them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import arazzo_engine
from arazzo_engine.errors import ExecutionError


def test_the_dbt_inputs_with_types_required_marks_defaults_and_secrets(
        dbt: arazzo_engine.ArazzoDocument) -> None:
    workflow = dbt.workflow()
    assert workflow.workflow_id == "trigger-run-and-poll"
    table = {(i.name, i.type, i.required, i.secret) for i in workflow.inputs}
    assert table == {("accountId", "integer", True, False), ("jobId", "integer", True, False),
                     ("token", "string", True, True), ("cause", "string", False, False)}
    cause = workflow.input("cause")
    assert cause is not None and cause.has_default
    assert cause.default == "Triggered via Arazzo workflow"
    assert [i.name for i in workflow.required_inputs] == ["accountId", "jobId", "token"]


def test_each_dbt_step_names_its_method_and_path_from_the_openapi_description(
        dbt: arazzo_engine.ArazzoDocument) -> None:
    steps = dbt.workflow().steps
    assert [(s.step_id, s.operation and (s.operation.method, s.operation.path)) for s in steps] == [
        ("triggerRun", ("POST", "/api/v2/accounts/{accountId}/jobs/{jobId}/run/")),
        ("pollRun", ("GET", "/api/v2/accounts/{accountId}/runs/{runId}/")),
        ("listArtifacts", ("GET", "/api/v2/accounts/{accountId}/runs/{runId}/artifacts/")),
    ]
    poll = steps[1]
    assert [(a.name, a.type, a.step_id) for a in poll.on_success] == [
        ("runSucceeded", "goto", "listArtifacts"), ("runFailed", "end", None),
        ("keepPolling", "goto", "pollRun")]
    assert poll.on_success[0].criteria[0].type == "jsonpath"
    assert poll.on_success[0].criteria[0].context == "$response.body"
    assert poll.outputs["status"] == "$response.body#/data/status"
    assert [(p.location, p.name) for p in poll.parameters] == [
        ("header", "Authorization"), ("path", "accountId"), ("path", "runId")]


def test_inputs_behind_a_components_reference_and_enum_and_array_types(
        shop: arazzo_engine.ArazzoDocument) -> None:
    buy = shop.workflow("buy")
    items = buy.input("items")
    assert items is not None and items.type_text == "array of integer"
    assert items.default == [1, 2] and not items.required
    api_key = buy.input("apiKey")
    assert api_key is not None and api_key.secret  # named like a credential
    login = shop.workflow("log-in")
    password, mode = login.input("password"), login.input("mode")
    assert password is not None and password.secret  # format: password
    assert mode is not None and mode.type_text == '"fast" | "slow"' and mode.default == "fast"


def test_actions_come_in_the_order_they_are_tried_with_inherited_ones_after(
        shop: arazzo_engine.ArazzoDocument) -> None:
    create = shop.workflow("buy").steps[0]
    # The step's own backOff (a component reference) overrides the workflow's backOff.
    assert [(a.name, a.inherited, a.retry_after, a.retry_limit) for a in create.on_failure] == [
        ("backOff", False, 1.0, 9), ("giveUp", True, None, None)]
    assert create.on_failure[0].reference == "$components.failureActions.backOff"
    assert [(a.name, a.inherited) for a in create.on_success] == [("celebrate", True)]


def test_operation_paths_resolve_and_unknown_operations_are_described_not_raised(
        shop: arazzo_engine.ArazzoDocument) -> None:
    checking = shop.workflow("buy").step("end")
    assert checking is not None and checking.operation is not None
    assert (checking.operation.method, checking.operation.path) == ("GET", "/carts/{cartId}")
    broken = shop.workflow("receipt").step("broken")
    assert broken is not None and broken.operation is not None
    assert broken.operation.method is None
    assert "noSuchOperation" in str(broken.operation.problem)


def test_a_workflow_step_knows_which_workflow_it_runs(
        shop: arazzo_engine.ArazzoDocument) -> None:
    step = shop.workflow("receipt").steps[0]
    assert step.kind == "workflow" and step.operation is None
    assert step.workflow is not None and step.workflow[1] == "print-receipt"


def test_choosing_a_workflow(shop: arazzo_engine.ArazzoDocument,
                             dbt: arazzo_engine.ArazzoDocument) -> None:
    assert dbt.workflow().workflow_id == dbt.workflow("trigger-run-and-poll").workflow_id
    with pytest.raises(ExecutionError, match="4 workflows; choose one"):
        shop.workflow()
    with pytest.raises(ExecutionError, match=r"no workflow 'nope' \(the document has: buy, "):
        shop.workflow("nope")


def test_a_broken_inputs_reference_is_a_problem_in_the_outline(tmp_path: Path) -> None:
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump({
        "arazzo": "1.0.1", "info": {"title": "t", "version": "1"},
        "sourceDescriptions": [],
        "workflows": [{"workflowId": "w", "inputs": {"$ref": "#/components/inputs/gone"},
                       "steps": []}]}))
    workflow = arazzo_engine.load(path).workflow()
    assert workflow.inputs == []
    assert workflow.problems == ["the inputs schema reference '#/components/inputs/gone' "
                                 "points to nothing"]


def test_a_write_only_input_is_secret_whatever_its_name(tmp_path: Path) -> None:
    """``writeOnly: true`` declares a secret (prompted without echo, masked) as ``format:
    password`` does."""
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump({
        "arazzo": "1.0.1", "info": {"title": "t", "version": "1"},
        "sourceDescriptions": [],
        "workflows": [{"workflowId": "w", "steps": [], "inputs": {"type": "object", "properties": {
            "pin": {"type": "string", "writeOnly": True}, "user": {"type": "string"}}}}]}))
    workflow = arazzo_engine.load(path).workflow()
    assert [(i.name, i.secret) for i in workflow.inputs] == [("pin", True), ("user", False)]


def test_json_form_is_plain_data(shop: arazzo_engine.ArazzoDocument) -> None:
    data = shop.workflow("buy").to_dict()
    assert yaml.safe_load(yaml.safe_dump(data)) == data
    assert data["steps"][1]["operation"] == {"source": "shop", "method": "GET",
                                             "path": "/carts/{cartId}", "operationId": "getCart",
                                             "problem": None}
    summary = shop.workflow("buy").to_dict(steps=False)
    assert summary["stepCount"] == 3 and "steps" not in summary

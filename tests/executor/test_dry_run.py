"""Dry runs build what a run would send, as a run builds it, and send nothing at all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from local_http import LocalServer, arazzo_doc, openapi_doc

import arazzo_engine
from arazzo_engine import InputError, RunOptions

ROOT = Path(__file__).resolve().parents[2]
DBT = ROOT / "specs" / "dbt" / "arazzo" / "dbt-trigger-run-and-poll-workflow.yml"
DBT_INPUTS = {"accountId": 70471823400001, "jobId": 70471823410007, "token": "dbtc_s3cret"}


def _options(server: LocalServer, source: str = "dbtAdminApi") -> RunOptions:
    return RunOptions(servers={source: server.url}, trust_env=False)


def test_the_first_request_is_complete_and_the_server_sees_nothing(
        server: LocalServer) -> None:
    plan = arazzo_engine.load(DBT).dry_run(inputs=DBT_INPUTS, options=_options(server))
    assert server.requests == []
    first = plan.first
    assert first is not None and first.complete and first.step_id == "triggerRun"
    assert first.request is not None
    assert (first.request.method, first.request.url) == (
        "POST", f"{server.url}/api/v2/accounts/70471823400001/jobs/70471823410007/run/")
    assert first.request.headers == {"Authorization": "Bearer ***",
                                     "Content-Type": "application/json"}
    assert json.loads(first.request.body or "") == {"cause": "Triggered via Arazzo workflow"}
    assert "dbtc_s3cret" not in json.dumps(plan.to_dict())


def test_later_steps_are_built_as_far_as_the_inputs_allow(server: LocalServer) -> None:
    plan = arazzo_engine.load(DBT).dry_run(inputs=DBT_INPUTS, options=_options(server))
    assert [(s.step_id, s.complete) for s in plan.steps] == [
        ("triggerRun", True), ("pollRun", False), ("listArtifacts", False)]
    poll = plan.steps[1]
    assert poll.unknown == ["$steps.triggerRun.outputs.runId"]
    assert poll.request is not None and poll.request.url == (
        f"{server.url}/api/v2/accounts/70471823400001/runs/{{$steps.triggerRun.outputs.runId}}/")
    assert poll.request.headers == {"Authorization": "Bearer ***"}


def test_inputs_are_checked_as_a_run_checks_them(server: LocalServer) -> None:
    with pytest.raises(InputError, match="accountId"):
        arazzo_engine.load(DBT).dry_run(inputs={**DBT_INPUTS, "accountId": "x"},
                                        options=_options(server))
    assert server.requests == []


def _write(tmp_path: Path, server: LocalServer, *workflows: dict[str, Any]) -> Path:
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(openapi_doc(
        server.url, {"id": "login", "method": "post", "path": "/login"},
        {"id": "item", "path": "/items/{id}"})))
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump(arazzo_doc(*workflows)))
    return path


_LOGIN = {"workflowId": "login",
          "inputs": {"type": "object", "properties": {"password": {"type": "string",
                                                                    "format": "password"}}},
          "steps": [{"stepId": "login", "operationId": "login",
                     "requestBody": {"contentType": "application/json",
                                     "payload": {"user": "ann", "pass": "$inputs.password"}},
                     "outputs": {"ticket": "$response.body#/ticket"}}],
          "outputs": {"ticket": "$steps.login.outputs.ticket"}}
_FETCH = {"workflowId": "fetch", "dependsOn": ["login"],
          "inputs": {"type": "object", "properties": {"password": {"type": "string",
                                                                    "format": "password"},
                                                       "id": {"type": "integer"}}},
          "steps": [{"stepId": "get", "operationId": "item", "parameters": [
              {"name": "id", "in": "path", "value": "$inputs.id"},
              {"name": "X-Ticket", "in": "header",
               "value": "$workflows.login.outputs.ticket"}]}]}


def test_a_dependency_is_where_the_first_request_comes_from(
        tmp_path: Path, server: LocalServer) -> None:
    path = _write(tmp_path, server, _LOGIN, _FETCH)
    plan = arazzo_engine.load(path).dry_run("fetch", {"password": "hunter2-long", "id": 7},
                                            options=RunOptions(trust_env=False))
    assert server.requests == []
    assert [(s.workflow_id, s.step_id, s.depth, s.first) for s in plan.steps] == [
        ("login", "login", 1, True), ("fetch", "get", 0, False)]
    first = plan.steps[0].request
    assert first is not None and json.loads(first.body or "") == {"user": "ann", "pass": "***"}
    get = plan.steps[1]
    assert get.request is not None and get.request.url == f"{server.url}/items/7"
    assert get.request.headers == {"X-Ticket": "{$workflows.login.outputs.ticket}"}
    assert get.unknown == ["$workflows.login.outputs.ticket"]


def test_a_first_step_that_cannot_be_built_is_the_plan_s_error(
        tmp_path: Path, server: LocalServer) -> None:
    broken = {**_FETCH, "dependsOn": [], "steps": [
        {"stepId": "get", "operationId": "item", "parameters": []}]}
    path = _write(tmp_path, server, broken)
    plan = arazzo_engine.load(path).dry_run("fetch", {"id": 1},
                                            options=RunOptions(trust_env=False))
    assert not plan.ok and "path parameter" in str(plan.error)
    assert plan.steps[0].error is not None and plan.steps[0].request is None
    assert server.requests == []

"""The OpenAPI description is valid, and the simulator's answers conform to it.

Every exchange below is validated by openapi-core against the document's response schemas,
so the document and the simulator cannot drift apart unnoticed.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.response.exceptions import InvalidData
from openapi_spec_validator import validate as validate_spec

from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, SCENARIOS

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "specs/dbt/openapi/dbt-cloud-administrative-api-openapi.yml"
WORKFLOW = ROOT / "specs/dbt/arazzo/dbt-trigger-run-and-poll-workflow.yml"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(DOCUMENT.read_text())


@pytest.fixture(scope="module")
def openapi(spec: dict[str, Any]) -> OpenAPI:
    return OpenAPI.from_dict(spec)


@pytest.fixture
def exchanges(http: requests.Session) -> Iterator[list[requests.Response]]:
    """Every response the test's session receives."""
    seen: list[requests.Response] = []
    http.hooks["response"].append(lambda response, *args, **kwargs: seen.append(response))
    yield seen


def test_document_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    validate_spec(spec)
    assert spec["openapi"].startswith("3.1.")


def test_workflow_reaches_the_document_and_its_operations(spec: dict[str, Any]) -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    (source,) = workflow["sourceDescriptions"]
    assert (WORKFLOW.parent / source["url"]).resolve() == DOCUMENT
    used = {step["operationId"] for step in workflow["workflows"][0]["steps"]}
    defined = {
        operation["operationId"]
        for item in spec["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert used == defined == {"triggerJobRun", "getRun", "listRunArtifacts"}


def test_document_shape_follows_the_facts(spec: dict[str, Any]) -> None:
    assert all(path.startswith("/api/v2/") and path.endswith("/") for path in spec["paths"])
    assert spec["security"] == [{"dbtToken": []}]
    assert spec["components"]["securitySchemes"]["dbtToken"] == {
        **spec["components"]["securitySchemes"]["dbtToken"], "type": "http", "scheme": "bearer",
    }
    server = spec["servers"][0]
    assert server["url"] == "https://{host}"
    assert server["variables"]["host"]["default"] == "cloud.getdbt.com"
    for host in ("emea.dbt.com", "au.dbt.com", "us1.dbt.com"):
        assert host in server["description"]
    for name in ("AccountId", "JobId", "RunId"):
        assert spec["components"]["parameters"][name]["schema"] == {
            "type": "integer", "format": "int64",
        }
    run = spec["components"]["schemas"]["Run"]
    assert run["properties"]["status"] == {"$ref": "#/components/schemas/RunStatusCode"}
    assert spec["components"]["schemas"]["RunStatusCode"]["enum"] == [1, 2, 3, 10, 20, 30]
    timestamp = spec["components"]["schemas"]["NullableTimestamp"]
    assert "format" not in timestamp and timestamp["type"] == ["string", "null"]
    assert "triggerJobRun" in spec["info"]["description"]


def validate_all(openapi: OpenAPI, responses: list[requests.Response]) -> set[tuple[str, int]]:
    """Validate each exchange; return the (method, status) pairs seen, to check coverage."""
    covered = set()
    for response in responses:
        request = RequestsOpenAPIRequest(response.request)
        openapi.validate_response(request, RequestsOpenAPIResponse(response))
        covered.add((response.request.method, response.status_code))
    return covered


#: Every scenario but ``drift``, whose whole point is answering outside the document.
CONFORMING = tuple(s for s in SCENARIOS if s != "drift")


@pytest.mark.parametrize("scenario", CONFORMING)
def test_every_scenario_answers_within_the_document(
    launch, openapi: OpenAPI, exchanges: list[requests.Response], scenario: str
) -> None:
    client = launch(scenario).client
    run_id = client.new_run_id()
    client.artifacts(run_id)  # 404 while unfinished
    for _ in range(6):
        client.get_run(run_id)
    client.get_run(run_id, include_related="trigger,job,run_steps")
    client.artifacts(run_id)
    client.artifacts(run_id, step="2")
    covered = validate_all(openapi, exchanges)
    assert ("POST", 200) in covered and ("GET", 200) in covered
    if scenario == "rate-limit":
        assert ("GET", 429) in covered


def test_refusals_answer_within_the_document(
    launch, openapi: OpenAPI, exchanges: list[requests.Response]
) -> None:
    client = launch().client
    run_id = client.new_run_id()
    client.trigger(body={})
    client.trigger(body={"cause": "x" * 256})
    client.trigger(headers={})
    client.trigger(account_id=DEMO_ACCOUNT_ID + 1)
    client.trigger(job_id=DEMO_JOB_ID + 1)
    client.get_run(run_id + 1000)
    client.artifacts(run_id, step="zero")
    covered = validate_all(openapi, exchanges)
    assert {status for _, status in covered} == {200, 400, 401, 403, 404}


def test_the_request_the_workflow_sends_is_valid(
    launch, openapi: OpenAPI, exchanges: list[requests.Response]
) -> None:
    client = launch().client
    run_id = client.new_run_id()
    client.get_run(run_id, include_related="trigger")
    for response in exchanges:
        openapi.validate_request(RequestsOpenAPIRequest(response.request))


def test_validation_is_live_a_drifted_answer_is_rejected(launch, openapi: OpenAPI) -> None:
    client = launch().client
    run_id = client.new_run_id()
    answer = client.get_run(run_id)
    request = MockRequest(
        answer.request.url.split("/api/")[0],
        "get",
        answer.request.path_url.split("?")[0],
        headers=dict(answer.request.headers),
    )
    openapi.validate_response(request, MockResponse(answer.content))

    drifts: list[Callable[[dict[str, Any]], None]] = [
        lambda body: body["data"].update(status=4),
        lambda body: body["data"].update(id=str(body["data"]["id"])),
        lambda body: body["data"].pop("finished_at"),
        lambda body: body["data"].update(duration="1:2:3"),
        lambda body: body["status"].update(is_success=False),
        lambda body: body.pop("status"),
    ]
    for drift in drifts:
        body = copy.deepcopy(answer.json())
        drift(body)
        with pytest.raises(InvalidData):
            openapi.validate_response(request, MockResponse(json.dumps(body).encode()))


def test_the_drift_scenario_breaks_the_document_in_four_ways(
    launch, openapi: OpenAPI, exchanges: list[requests.Response]
) -> None:
    client = launch("drift").client
    run_id = client.new_run_id()
    for _ in range(4):
        client.get_run(run_id)
    client.artifacts(run_id)
    problems = []
    for response in exchanges:
        try:
            openapi.validate_response(RequestsOpenAPIRequest(response.request),
                                      RequestsOpenAPIResponse(response))
        except Exception as exc:  # each kind of drift raises its own openapi-core error
            problems.append((response.request.method, response.status_code, str(exc),
                             str(exc.__cause__ or "")))
    trigger, *polls, listing = problems
    assert trigger[:2] == ("POST", 200) and "text/plain" in trigger[3]
    assert len(polls) == 4 and all("is_complete" in p[3] or "href" in p[3] for p in polls)
    assert listing[:2] == ("GET", 203)
    assert exchanges[0].headers["Content-Type"] == "text/plain"
    body = exchanges[1].json()["data"]
    assert isinstance(body["is_complete"], str) and "href" not in body

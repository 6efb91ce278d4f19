"""Every refusal carries dbt Cloud's envelope, with data null and the user_message dbt uses."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import yaml

from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN

NOT_FOUND = "The requested resource was not found."
INVALID = "The request was invalid. Please double check the provided data and try again."
BODY_CASES = yaml.safe_load((Path(__file__).parent / "trigger_body_cases.yaml").read_text())


def assert_error(response: requests.Response, code: int, user_message: str) -> dict:
    assert response.status_code == code
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"status", "data"}
    assert body["data"] is None
    assert body["status"]["code"] == code
    assert body["status"]["is_success"] is False
    assert body["status"]["user_message"] == user_message
    return body["status"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-the-token"},
        {"Authorization": f"Basic {DEMO_TOKEN}"},
        {"Authorization": DEMO_TOKEN},
        {"Authorization": "Bearer"},
    ],
    ids=["missing", "wrong token", "wrong scheme", "no scheme", "no token"],
)
def test_bad_credentials_get_401_invalid_token(launch, headers: dict[str, str]) -> None:
    client = launch().client
    assert_error(client.trigger(headers=headers), 401, "Invalid token.")


@pytest.mark.parametrize("scheme", ["Token", "Bearer", "token", "bearer"])
def test_token_and_bearer_schemes_are_equivalent(launch, scheme: str) -> None:
    client = launch().client
    response = client.trigger(headers={"Authorization": f"{scheme} {DEMO_TOKEN}"})
    assert response.status_code == 200


def test_custom_token_replaces_the_demo_one(launch) -> None:
    launched = launch(token="dbtc_custom")
    client = launched.client
    assert_error(client.trigger(), 401, "Invalid token.")
    client.token = "dbtc_custom"
    assert client.trigger().status_code == 200


def test_other_account_gets_403(launch) -> None:
    client = launch().client
    other = DEMO_ACCOUNT_ID + 1
    message = "Access denied: Token is not scoped to account."
    assert_error(client.trigger(account_id=other), 403, message)
    run_id = client.new_run_id()
    assert_error(client.get_run(run_id, account_id=other), 403, message)


def test_authentication_comes_before_the_account_check(launch) -> None:
    client = launch().client
    response = client.trigger(account_id=1, headers={"Authorization": "Token nope"})
    assert_error(response, 401, "Invalid token.")


def test_unknown_job_and_run_get_404(launch) -> None:
    client = launch().client
    assert_error(client.trigger(job_id=DEMO_JOB_ID + 1), 404, NOT_FOUND)
    assert_error(client.get_run(70_471_823_599_999), 404, NOT_FOUND)
    assert_error(client.artifacts(70_471_823_599_999), 404, NOT_FOUND)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/v2/accounts/",
        f"/api/v2/accounts/{DEMO_ACCOUNT_ID}/runs/70471823500001",  # no trailing slash
        f"/api/v2/accounts/{DEMO_ACCOUNT_ID}/runs/abc/",
        f"/api/v3/accounts/{DEMO_ACCOUNT_ID}/runs/70471823500001/",
    ],
)
def test_unknown_paths_get_404_with_the_envelope_even_without_a_token(launch, path: str) -> None:
    client = launch().client
    response = client.session.get(client.base_url + path)
    status = assert_error(response, 404, NOT_FOUND)
    assert path in status["developer_message"]


def test_wrong_method_gets_405_with_allow(launch) -> None:
    client = launch().client
    run_id = client.new_run_id()
    url = f"{client.base_url}/api/v2/accounts/{DEMO_ACCOUNT_ID}/runs/{run_id}/"
    response = client.session.delete(url, headers=client.auth())
    assert_error(response, 405, 'Method "DELETE" not allowed.')
    assert response.headers["Allow"] == "GET"
    trigger_url = f"{client.base_url}/api/v2/accounts/{DEMO_ACCOUNT_ID}/jobs/{DEMO_JOB_ID}/run/"
    response = client.session.get(trigger_url, headers=client.auth())
    assert_error(response, 405, 'Method "GET" not allowed.')
    assert response.headers["Allow"] == "POST"


@pytest.mark.parametrize("case", BODY_CASES, ids=[case["id"] for case in BODY_CASES])
def test_invalid_trigger_bodies_get_400(launch, case: dict) -> None:
    client = launch().client
    status = assert_error(client.trigger(body=case["body"]), 400, INVALID)
    assert status["developer_message"] == case["detail"]


def test_cause_longer_than_255_characters_gets_400(launch) -> None:
    client = launch().client
    status = assert_error(client.trigger(body={"cause": "x" * 256}), 400, INVALID)
    assert status["developer_message"] == (
        "cause: Ensure this field has no more than 255 characters."
    )


def test_malformed_json_gets_400(launch) -> None:
    client = launch().client
    url = f"{client.base_url}/api/v2/accounts/{DEMO_ACCOUNT_ID}/jobs/{DEMO_JOB_ID}/run/"
    headers = {**client.auth(), "Content-Type": "application/json"}
    response = client.session.post(url, data=b'{"cause": ', headers=headers)
    status = assert_error(response, 400, INVALID)
    assert status["developer_message"].startswith("JSON parse error - ")
    response = client.session.post(url, headers=client.auth())  # no body at all
    assert assert_error(response, 400, INVALID)["developer_message"] == (
        "cause: This field is required."
    )


def test_boundary_cause_and_null_overrides_are_accepted(launch) -> None:
    client = launch().client
    body = {"cause": "x" * 255, "git_sha": None, "git_branch": None, "schema_override": None,
            "dbt_version_override": None, "threads_override": None, "target_name_override": None,
            "generate_docs_override": None, "timeout_seconds_override": None,
            "steps_override": None, "unknown_field": "ignored"}
    assert client.trigger(body=body).status_code == 200


def test_refused_triggers_create_no_run(launch) -> None:
    client = launch().client
    client.trigger(body={})
    client.trigger(headers={})
    first = client.new_run_id()
    assert first == 70_471_823_500_001


def test_rate_limit_429_has_envelope_and_retry_after(launch) -> None:
    client = launch("rate-limit", retry_after_seconds=7).client
    run_id = client.new_run_id()
    client.get_run(run_id)
    response = client.get_run(run_id)
    assert_error(response, 429, "Too many requests. Please slow down and try again later.")
    assert response.headers["Retry-After"] == "7"


def test_rate_limit_touches_only_run_polls(launch) -> None:
    client = launch("rate-limit", rate_limited_polls=10).client
    run_id = client.new_run_id()
    client.get_run(run_id)
    assert client.get_run(run_id).status_code == 429
    assert client.trigger().status_code == 200
    assert client.artifacts(run_id).status_code == 404  # not finished; not rate limited


def test_bad_step_query_gets_400(launch) -> None:
    client = launch().client
    run_id = client.new_run_id()
    for step in ("abc", "0", "-1", ""):
        response = client.artifacts(run_id, step=step)
        status = assert_error(response, 400, INVALID)
        assert status["developer_message"] == "step: A valid integer is required."

"""Issue 2: the dbt reference workflow end to end against the dbt Cloud simulator (real HTTP)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from local_http import run_cli as cli_main

from arazzo_engine.executor import ManualClock, RunOptions, run_workflow
from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN, DbtCloudSimulator

WORKFLOW = Path(__file__).parents[2] / "specs/dbt/arazzo/dbt-trigger-run-and-poll-workflow.yml"
SOURCE = "dbtAdminApi"


@pytest.fixture
def simulator(request: pytest.FixtureRequest) -> Iterator[DbtCloudSimulator]:
    scenario = getattr(request, "param", "success")
    with DbtCloudSimulator(scenario) as running:
        yield running


def _argv(sim: DbtCloudSimulator, *extra: str, token: str = DEMO_TOKEN) -> list[str]:
    return [
        "run", str(WORKFLOW),
        "--input", f"accountId={DEMO_ACCOUNT_ID}", "--input", f"jobId={DEMO_JOB_ID}",
        "--input", f"token={token}", "--server", f"{SOURCE}={sim.base_url}",
        "--loop-delay", "0", *extra,
    ]


def _run_json(sim: DbtCloudSimulator, capsys: pytest.CaptureFixture[str], *extra: str,
              token: str = DEMO_TOKEN) -> tuple[int, dict, str]:
    code = cli_main(_argv(sim, "--format", "json", *extra, token=token))
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def _step_ids(result: dict) -> list[str]:
    return [s["stepId"] for s in result["steps"]]


def test_success_lists_the_artifacts(simulator: DbtCloudSimulator,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, result, _err = _run_json(simulator, capsys)
    assert code == 0
    assert result["workflowId"] == "trigger-run-and-poll"
    assert result["outcome"] == "succeeded"
    assert result["outputs"]["finalStatus"] == 10
    assert isinstance(result["outputs"]["runId"], int)
    assert result["outputs"]["artifacts"]  # manifest.json, catalog.json, ...
    ids = _step_ids(result)
    assert ids[0] == "triggerRun" and ids[-1] == "listArtifacts"
    assert set(ids[1:-1]) == {"pollRun"} and len(ids) >= 3
    assert all(s["outcome"] == "succeeded" and s["statusCode"] == 200 for s in result["steps"])


@pytest.mark.parametrize(("simulator", "status"), [("error", 20), ("cancelled", 30)],
                         indirect=["simulator"])
def test_a_terminal_failure_ends_without_listing_artifacts(
        simulator: DbtCloudSimulator, status: int, capsys: pytest.CaptureFixture[str]) -> None:
    code, result, _err = _run_json(simulator, capsys)
    # The workflow ends through its ``end`` action: that is success by the contract.
    assert code == 0
    assert result["outcome"] == "succeeded"
    assert result["outputs"]["finalStatus"] == status
    assert result["outputs"]["artifacts"] is None
    assert "listArtifacts" not in _step_ids(result)
    assert not any("artifacts" in r.path for r in simulator.requests)
    last = result["steps"][-1]
    assert last["stepId"] == "pollRun" and last["action"]["type"] == "end"
    assert last["action"]["name"] == "runFailed"


@pytest.mark.parametrize("simulator", ["stuck"], indirect=True)
def test_a_run_stuck_in_the_queue_hits_the_loop_guard(
        simulator: DbtCloudSimulator, capsys: pytest.CaptureFixture[str]) -> None:
    code, result, err = _run_json(simulator, capsys, "--max-steps", "6")
    assert code == 1
    assert result["outcome"] == "failed"
    assert len(result["steps"]) == 6
    assert "--max-steps" in result["error"]
    assert result["outputs"]["finalStatus"] == 1
    assert result["outputs"]["artifacts"] is None
    assert "max-steps" in err


def test_a_wrong_token_fails_the_trigger_and_shows_dbt_s_message(
        simulator: DbtCloudSimulator, capsys: pytest.CaptureFixture[str]) -> None:
    code, result, err = _run_json(simulator, capsys, token="not-the-token")
    assert code == 1
    assert result["outcome"] == "failed"
    assert _step_ids(result) == ["triggerRun"]
    step = result["steps"][0]
    assert step["statusCode"] == 401 and step["outcome"] == "failed"
    body = simulator.requests[0].body
    assert body is None or isinstance(body, dict)
    assert step["apiMessage"] == "Invalid token."
    assert step["apiMessage"] in result["error"]
    assert step["apiMessage"] in err


def test_wrong_token_in_text_mode_shows_why(simulator: DbtCloudSimulator,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(_argv(simulator, token="wrong-token-123"))
    out = capsys.readouterr().out
    assert code == 1
    assert "triggerRun" in out and "401" in out and "FAILED" in out
    assert "why:" in out and "Invalid token." in out
    assert "wrong-token-123" not in out


@pytest.mark.parametrize("simulator", ["rate-limit"], indirect=True)
def test_a_rate_limited_poll_fails_the_run_as_the_document_says(
        simulator: DbtCloudSimulator, capsys: pytest.CaptureFixture[str]) -> None:
    # pollRun has no onFailure actions, so a 429 fails the workflow: honest, not hidden.
    code, result, err = _run_json(simulator, capsys)
    assert code == 1
    assert result["outcome"] == "failed"
    last = result["steps"][-1]
    assert last["stepId"] == "pollRun" and last["statusCode"] == 429
    assert last["action"]["type"] == "fail"
    assert "429" in result["error"] or "statusCode" in result["error"]
    assert last["apiMessage"] and last["apiMessage"] in err


def test_the_requests_sent(simulator: DbtCloudSimulator,
                           capsys: pytest.CaptureFixture[str]) -> None:
    code, _result, _err = _run_json(simulator, capsys)
    assert code == 0
    trigger = simulator.requests[0]
    assert trigger.method == "POST"
    assert trigger.path == f"/api/v2/accounts/{DEMO_ACCOUNT_ID}/jobs/{DEMO_JOB_ID}/run/"
    assert trigger.headers["Authorization"] == f"Bearer {DEMO_TOKEN}"
    assert trigger.body == {"cause": "Triggered via Arazzo workflow"}
    assert trigger.headers["Content-Type"].startswith("application/json")
    polls = [r for r in simulator.requests[1:] if r.method == "GET" and "artifacts" not in r.path]
    assert polls and all(r.headers["Authorization"] == f"Bearer {DEMO_TOKEN}" for r in polls)


def test_text_output_shows_progress_statuses_and_outputs(
        simulator: DbtCloudSimulator, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(_argv(simulator))
    out = capsys.readouterr().out
    assert code == 0
    assert f"POST {simulator.base_url}/api/v2/accounts/{DEMO_ACCOUNT_ID}" in out
    assert "pollRun" in out and "status=10" in out and "status=1" in out
    assert "then: goto 'keepPolling' -> pollRun" in out
    assert "workflow trigger-run-and-poll succeeded" in out
    assert "finalStatus: 10" in out


@pytest.mark.parametrize("simulator", ["error"], indirect=True)
def test_text_output_for_a_dbt_error(simulator: DbtCloudSimulator,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(_argv(simulator))
    out = capsys.readouterr().out
    assert code == 0
    assert "status=20" in out and "then: end 'runFailed'" in out
    assert "finalStatus: 20" in out and "artifacts: null  (unresolved)" in out


def test_the_python_api_with_the_default_loop_delay(simulator: DbtCloudSimulator) -> None:
    clock = ManualClock()
    result = run_workflow(
        WORKFLOW, inputs={"accountId": DEMO_ACCOUNT_ID, "jobId": DEMO_JOB_ID,
                          "token": DEMO_TOKEN},
        options=RunOptions(servers={SOURCE: simulator.base_url}, trust_env=False),
        clock=clock,
    )
    assert result.succeeded and result.outputs["finalStatus"] == 10
    polls = [s for s in result.steps if s.step_id == "pollRun"]
    # Each poll after the first waits the default loop delay, 2 s growing x1.5 (test_loops.py),
    # and nothing else waits.
    assert clock.sleeps == [2.0 * 1.5 ** n for n in range(len(polls) - 1)]
    trigger = result.steps[0]
    assert trigger.request is not None
    assert trigger.request.headers["Authorization"] == "Bearer ***"
    assert DEMO_TOKEN not in json.dumps(result.to_dict())


def test_server_variable_overrides_the_default_host(simulator: DbtCloudSimulator,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    # The document's server is https://{host}; the simulator speaks plain HTTP, so the TLS
    # handshake fails: the point is the host and port the variable put in the URL.
    host = simulator.base_url.removeprefix("http://")
    argv = [a for a in _argv(simulator) if not a.startswith(SOURCE)]
    argv.remove("--server")
    code = cli_main([*argv, "--server-variable", f"host={host}", "--format", "json",
                     "--timeout", "5"])
    result = json.loads(capsys.readouterr().out)
    assert code == 1
    assert result["steps"][0]["request"]["url"].startswith(f"https://{host}/api/v2/")
    assert result["steps"][0]["statusCode"] is None


@pytest.mark.parametrize("scoped", [False, True])
def test_a_server_variable_can_be_scoped_to_one_source(
        simulator: DbtCloudSimulator, scoped: bool, capsys: pytest.CaptureFixture[str]) -> None:
    host = simulator.base_url.removeprefix("http://")
    argv = [a for a in _argv(simulator) if not a.startswith(SOURCE)]
    argv.remove("--server")
    # (A variable scoped to a source the document does not have is refused: test_server_options.)
    variables = [f"{SOURCE}.host={host}", "host=ignored.example.test"] if scoped else [
        f"host={host}"]
    extra = [arg for value in variables for arg in ("--server-variable", value)]
    assert cli_main([*argv, *extra, "--format", "json", "--timeout", "5"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["steps"][0]["request"]["url"].startswith(f"https://{host}/api/v2/")


def test_missing_required_input_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(["run", str(WORKFLOW), "--input", "accountId=1", "--input", "jobId=2"])
    err = capsys.readouterr().err
    assert code == 2
    assert "'token'" in err and "Traceback" not in err


def test_an_input_of_the_wrong_type_names_the_input(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(["run", str(WORKFLOW), "--input", "accountId=abc", "--input", "jobId=2",
                     "--input", "token=t"])
    err = capsys.readouterr().err
    assert code == 2
    assert "'accountId'" in err

"""--expect: conditions the finished workflow must meet (CI's guard against "succeeded" runs
whose dbt job errored)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from local_http import run_cli

import arazzo_engine
from arazzo_engine import OptionsError, RunOptions
from arazzo_engine.executor import ManualClock
from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN, DbtCloudSimulator

WORKFLOW = Path(__file__).parents[2] / "specs/dbt/arazzo/dbt-trigger-run-and-poll-workflow.yml"
INPUTS = {"accountId": DEMO_ACCOUNT_ID, "jobId": DEMO_JOB_ID, "token": DEMO_TOKEN}


@pytest.fixture
def simulator(request: pytest.FixtureRequest) -> Iterator[DbtCloudSimulator]:
    with DbtCloudSimulator(getattr(request, "param", "success"), polls_per_status=1) as running:
        yield running


def _run(sim: DbtCloudSimulator, *extra: str) -> int:
    return run_cli(["run", str(WORKFLOW), "--server", f"dbtAdminApi={sim.base_url}",
                    "--input", f"accountId={DEMO_ACCOUNT_ID}", "--input", f"jobId={DEMO_JOB_ID}",
                    "--input", f"token={DEMO_TOKEN}", "--loop-delay", "0", *extra])


@pytest.mark.parametrize("simulator", ["error"], indirect=True)
def test_an_errored_dbt_job_fails_the_run_when_success_is_expected(
        simulator: DbtCloudSimulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(simulator) == 0  # the workflow itself ends through `end`: success
    capsys.readouterr()
    assert _run(simulator, "--expect", "$outputs.finalStatus == 10") == 1
    captured = capsys.readouterr()
    assert ("expectation not met: $outputs.finalStatus == 10 ($outputs.finalStatus is 20, "
            "expected == 10)") in captured.err
    assert "workflow trigger-run-and-poll failed" in captured.out
    assert "expect $outputs.finalStatus == 10: NOT MET" in captured.out


def test_every_expectation_is_reported_in_json(simulator: DbtCloudSimulator,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code = _run(simulator, "--format", "json", "--expect", "$outputs.finalStatus == 10",
                "--expect", "$steps.pollRun.outputs.isComplete == true",
                "--expect", "$inputs.jobId == 1")
    result = json.loads(capsys.readouterr().out)
    assert code == 1 and result["outcome"] == "failed"
    assert [(e["condition"], e["passed"]) for e in result["expectations"]] == [
        ("$outputs.finalStatus == 10", True), ("$steps.pollRun.outputs.isComplete == true", True),
        ("$inputs.jobId == 1", False)]
    assert result["error"] == (f"expectation not met: $inputs.jobId == 1 ($inputs.jobId is "
                               f"{DEMO_JOB_ID}, expected == 1)")


def test_met_expectations_keep_success(simulator: DbtCloudSimulator,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(simulator, "--expect", "$outputs.finalStatus == 10") == 0
    assert "expect $outputs.finalStatus == 10: ok" in capsys.readouterr().out


def test_an_expectation_that_does_not_parse_is_a_usage_error_before_any_request(
        simulator: DbtCloudSimulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(simulator, "--expect", "$outputs.finalStatus ==") == 2
    assert "--expect '$outputs.finalStatus =='" in capsys.readouterr().err
    assert simulator.requests == []


def test_the_python_api_takes_the_same_expectations(simulator: DbtCloudSimulator) -> None:
    document = arazzo_engine.load(WORKFLOW)
    options = RunOptions(servers={"dbtAdminApi": simulator.base_url}, trust_env=False,
                         expect=("$outputs.finalStatus == 30",))
    result = document.run(inputs=INPUTS, options=options, clock=ManualClock())
    assert not result.succeeded and not result.expectations[0].passed
    with pytest.raises(OptionsError):
        document.run(inputs=INPUTS, options=RunOptions(expect=("$outputs.x ==",)))

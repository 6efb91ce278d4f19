"""``arazzo run`` inputs from the environment and from prompts, and ``--dry-run``.

The order is --input, --inputs-file, ARAZZO_INPUT_<NAME>, then a prompt on a terminal. A dry
run is checked against the real dbt Cloud simulator, whose request log must stay empty.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _terminal import Terminal

from arazzo_engine.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN, DbtCloudSimulator

ROOT = Path(__file__).resolve().parents[2]
DBT = str(ROOT / "specs" / "dbt" / "arazzo" / "dbt-trigger-run-and-poll-workflow.yml")


@pytest.fixture
def simulator() -> Iterator[DbtCloudSimulator]:
    with DbtCloudSimulator("success") as running:
        yield running


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.upper().startswith("ARAZZO_INPUT_"):
            monkeypatch.delenv(name)


def _dry_run(capsys: pytest.CaptureFixture[str], simulator: DbtCloudSimulator,
             *argv: str) -> tuple[int, dict, str]:
    code = main(["run", DBT, "--server", f"dbtAdminApi={simulator.base_url}", "--dry-run",
                 "--format", "json", *argv])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out else {}, captured.err


def _first_url(plan: dict) -> str:
    return str(plan["steps"][0]["request"]["url"])


def test_inputs_from_the_environment_by_upper_or_exact_case(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        simulator: DbtCloudSimulator) -> None:
    monkeypatch.setenv("ARAZZO_INPUT_ACCOUNTID", "111")
    monkeypatch.setenv("ARAZZO_INPUT_jobId", "222")
    monkeypatch.setenv("ARAZZO_INPUT_TOKEN", "env-token-value")
    code, plan, _ = _dry_run(capsys, simulator)
    assert code == EXIT_OK
    assert _first_url(plan).endswith("/api/v2/accounts/111/jobs/222/run/")
    assert "env-token-value" not in json.dumps(plan)  # a secret input stays masked
    assert simulator.requests == []


def test_the_command_line_wins_over_the_file_which_wins_over_the_environment(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        simulator: DbtCloudSimulator) -> None:
    monkeypatch.setenv("ARAZZO_INPUT_ACCOUNTID", "1")
    monkeypatch.setenv("ARAZZO_INPUT_JOBID", "1")
    monkeypatch.setenv("ARAZZO_INPUT_TOKEN", "from-env")
    inputs = tmp_path / "inputs.yaml"
    inputs.write_text("accountId: 2\njobId: 2\n")
    code, plan, _ = _dry_run(capsys, simulator, "--inputs-file", str(inputs),
                             "--input", "accountId=3")
    assert code == EXIT_OK
    assert _first_url(plan).endswith("/accounts/3/jobs/2/run/")


def test_an_exact_case_variable_wins_and_undeclared_variables_are_ignored(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        simulator: DbtCloudSimulator) -> None:
    monkeypatch.setenv("ARAZZO_INPUT_ACCOUNTID", "1")
    monkeypatch.setenv("ARAZZO_INPUT_accountId", "5")
    monkeypatch.setenv("ARAZZO_INPUT_JOBID", "6")
    monkeypatch.setenv("ARAZZO_INPUT_TOKEN", "t0ken")
    monkeypatch.setenv("ARAZZO_INPUT_NOT_AN_INPUT", "x")  # no input of that name: not an error
    code, plan, _ = _dry_run(capsys, simulator)
    assert code == EXIT_OK and _first_url(plan).endswith("/accounts/5/jobs/6/run/")


def test_a_missing_input_without_a_terminal_names_every_way_to_give_it(
        capsys: pytest.CaptureFixture[str], simulator: DbtCloudSimulator,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARAZZO_INPUT_ACCOUNTID", "1")
    monkeypatch.setenv("ARAZZO_INPUT_JOBID", "1")
    code, _, err = _dry_run(capsys, simulator)
    assert code == EXIT_USAGE
    assert "'token' is required" in err and "ARAZZO_INPUT_<NAME>" in err
    assert simulator.requests == []


def test_the_dry_run_text_shows_the_whole_first_request(
        capsys: pytest.CaptureFixture[str], simulator: DbtCloudSimulator) -> None:
    code = main(["run", DBT, "--server", f"dbtAdminApi={simulator.base_url}", "--dry-run",
                 "--input", f"accountId={DEMO_ACCOUNT_ID}", "--input", f"jobId={DEMO_JOB_ID}",
                 "--input", f"token={DEMO_TOKEN}"])
    out = capsys.readouterr().out
    assert code == EXIT_OK and simulator.requests == []
    assert out.splitlines()[:11] == [
        "dry run of workflow trigger-run-and-poll: nothing is sent",
        "",
        "1. triggerRun: the first request, exactly as the run would send it",
        f"   POST {simulator.base_url}/api/v2/accounts/{DEMO_ACCOUNT_ID}/jobs/{DEMO_JOB_ID}/run/",
        "   Authorization: Bearer ***",
        "   Content-Type: application/json",
        "",
        "   {",
        '     "cause": "Triggered via Arazzo workflow"',
        "   }",
        "",
    ]
    assert ("2. pollRun: needs $steps.triggerRun.outputs.runId") in out
    assert DEMO_TOKEN not in out


def test_a_dry_run_that_cannot_build_its_first_request_exits_1(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # The OpenAPI description names no server, and a local file has no host: the run would
    # fail at its first step, so the dry run says so.
    (tmp_path / "api.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n"
        "      operationId: x\n      responses: {'200': {description: ok}}\n")
    (tmp_path / "flow.arazzo.yaml").write_text(
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\nsourceDescriptions:\n"
        "- {name: api, url: api.yaml, type: openapi}\nworkflows:\n- workflowId: w\n"
        "  steps:\n  - {stepId: first, operationId: x}\n")
    code = main(["run", str(tmp_path / "flow.arazzo.yaml"), "--dry-run"])
    captured = capsys.readouterr()
    assert code == EXIT_FAILED
    assert "1. first: cannot be built" in captured.out
    assert "pass --server api=URL" in captured.out
    assert "the run would fail before sending anything" in captured.err


def test_prompts_on_a_terminal_and_a_secret_is_not_echoed(
        tmp_path: Path, simulator: DbtCloudSimulator) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TERM": "xterm-256color",
           "LANG": "C.UTF-8", "NO_PROXY": "127.0.0.1"}
    command = [sys.executable, "-m", "arazzo_engine", "run", DBT, "--server",
               f"dbtAdminApi={simulator.base_url}", "--dry-run", "--input", "jobId=9"]
    with Terminal(command, cwd=tmp_path, env=env) as terminal:
        terminal.wait_for_text("workflow trigger-run-and-poll needs 2 more input(s)")
        terminal.wait_for_text("accountId (integer) - The dbt Cloud account id")
        terminal.type("4242")
        terminal.press("Enter")
        terminal.wait_for_text("token (string, secret, not echoed)")
        terminal.type("typed-secret-value")
        terminal.press("Enter")
        screen = terminal.wait_for_text("nothing is sent")
        screen = terminal.wait_for_text("fully known before the run")
    assert "/api/v2/accounts/4242/jobs/9/run/" in screen
    assert "typed-secret-value" not in screen
    assert "Authorization: Bearer ***" in screen
    assert simulator.requests == []


def test_arazzo_test_dry_run_sends_nothing_and_reads_the_environment(
        capsys: pytest.CaptureFixture[str], simulator: DbtCloudSimulator,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARAZZO_INPUT_TOKEN", DEMO_TOKEN)
    code = main(["test", DBT, "--server", f"dbtAdminApi={simulator.base_url}", "--dry-run",
                 "--input", f"accountId={DEMO_ACCOUNT_ID}", "--input", f"jobId={DEMO_JOB_ID}"])
    out = capsys.readouterr().out
    assert code == EXIT_OK and simulator.requests == []
    assert "dry run of workflow trigger-run-and-poll: nothing is sent" in out
    assert "   Authorization: Bearer ***" in out and DEMO_TOKEN not in out

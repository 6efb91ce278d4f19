"""``pytest --arazzo``: workflows collected as tests, inputs from ini, file and environment,
the check table on failure; and the ``arazzo_tester`` fixture for tests of one's own."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN, DbtCloudSimulator

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A team's repository: the dbt catalogue under specs/, inputs split between an ini
    file (accountId) and an inputs file (jobId); the token comes from the environment."""
    shutil.copytree(REPO / "specs" / "dbt", tmp_path / "specs" / "dbt")
    (tmp_path / "inputs.yaml").write_text(f"jobId: {DEMO_JOB_ID}\n")
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\n"
        f"arazzo_inputs =\n    accountId={DEMO_ACCOUNT_ID}\n"
        "arazzo_inputs_file = inputs.yaml\n")
    return tmp_path


@pytest.fixture
def simulator() -> Iterator[DbtCloudSimulator]:
    with DbtCloudSimulator("success") as sim:
        yield sim


def _pytest(project: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["ARAZZO_INPUT_token"] = DEMO_TOKEN
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *argv],
                          cwd=project, env=env, capture_output=True, text=True, timeout=300)


def test_each_workflow_is_a_test_that_passes(project: Path,
                                             simulator: DbtCloudSimulator) -> None:
    done = _pytest(project, "--arazzo", "specs/", "-v", "--arazzo-loop-delay", "0",
                   "--arazzo-server", f"dbtAdminApi={simulator.base_url}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "dbt-trigger-run-and-poll-workflow.yml::trigger-run-and-poll PASSED" in done.stdout
    assert "1 passed" in done.stdout
    assert len([r for r in simulator.requests if r.method == "POST"]) == 1


def test_a_drifting_api_fails_with_the_check_table(project: Path) -> None:
    with DbtCloudSimulator("drift") as sim:
        done = _pytest(project, "--arazzo", "specs/", "--arazzo-loop-delay", "0",
                       "--arazzo-server", f"dbtAdminApi={sim.base_url}")
    assert done.returncode == 1
    out = done.stdout
    assert "1 failed" in out
    assert "| triggerRun " in out and "content-type" in out and "text/plain" in out
    assert "required: href" in out and "/data/is_complete" in out
    assert DEMO_TOKEN not in out + done.stderr


def test_without_the_flag_nothing_is_collected(project: Path) -> None:
    done = _pytest(project, "specs/")
    assert done.returncode == 5  # pytest: no tests collected
    assert "no tests ran" in done.stdout


def test_the_fixture_runs_a_workflow_in_a_test_of_ones_own(
        project: Path, simulator: DbtCloudSimulator) -> None:
    (project / "test_dbt.py").write_text(
        "def test_trigger_and_poll(arazzo_tester):\n"
        "    report = arazzo_tester.run('specs/dbt/arazzo/dbt-trigger-run-and-poll-workflow.yml',\n"
        f"        servers={{'dbtAdminApi': '{simulator.base_url}'}}, loop_delay=0)\n"
        "    report.assert_passed()\n"
        "    [workflow] = report.workflows\n"
        "    assert workflow.result.outputs['finalStatus'] == 10\n"
        "    assert {c.check for c in workflow.checks} >= {'status-code', 'response-body'}\n")
    done = _pytest(project, "test_dbt.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout

"""Ctrl-C and SIGTERM stop a run at once and keep what it knows (real processes, real signals).

The run ends "interrupted" with every step so far (the triggered job's runId is never lost),
in the JSON result and the --trace file alike, and exits 130 (SIGINT) or 143 (SIGTERM). A
request still waiting for its response is recorded as an interrupted step.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from local_http import LocalServer, Reply, arazzo_doc, openapi_doc

import arazzo_engine
from arazzo_engine import RunOptions, StopSignal
from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN, DbtCloudSimulator

WORKFLOW = Path(__file__).parents[2] / "specs/dbt/arazzo/dbt-trigger-run-and-poll-workflow.yml"
INPUTS = {"accountId": DEMO_ACCOUNT_ID, "jobId": DEMO_JOB_ID, "token": DEMO_TOKEN}


@pytest.fixture
def stuck() -> Iterator[DbtCloudSimulator]:
    """A dbt job that stays queued, so the run polls until it is stopped."""
    with DbtCloudSimulator("stuck", polls_per_status=1) as running:
        yield running


def _until(condition: Callable[[], bool], seconds: float = 30) -> None:
    give_up = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < give_up, "the condition never held"
        time.sleep(0.05)


def _start(*argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "arazzo_engine", *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ))


def _dbt_run(sim: DbtCloudSimulator, *extra: str) -> subprocess.Popen[str]:
    return _start("run", str(WORKFLOW), "--server", f"dbtAdminApi={sim.base_url}",
                  "--input", f"accountId={DEMO_ACCOUNT_ID}", "--input", f"jobId={DEMO_JOB_ID}",
                  "--input", f"token={DEMO_TOKEN}", "--loop-delay", "60", *extra)


def _polls(sim: DbtCloudSimulator) -> int:
    return sum(r.method == "GET" for r in sim.requests)


@pytest.mark.parametrize(("signal_number", "code"), [(signal.SIGINT, 130),
                                                      (signal.SIGTERM, 143)])
def test_a_signal_during_a_wait_stops_at_once_and_keeps_every_step(
        stuck: DbtCloudSimulator, tmp_path: Path, signal_number: int, code: int) -> None:
    trace = tmp_path / "trace.json"
    process = _dbt_run(stuck, "--format", "json", "--trace", str(trace))
    _until(lambda: _polls(stuck) >= 1)
    time.sleep(0.3)  # into the 60-second wait before the second poll
    process.send_signal(signal_number)
    out, err = process.communicate(timeout=20)  # far less than the wait it was in
    assert process.returncode == code, err
    result = json.loads(out)
    assert result["outcome"] == "interrupted"
    assert [s["stepId"] for s in result["steps"]] == ["triggerRun", "pollRun"]
    assert result["steps"][0]["outputs"]["runId"] == 70_471_823_500_001
    assert result["outputs"]["runId"] == 70_471_823_500_001
    assert json.loads(trace.read_text())["outcome"] == "interrupted"
    assert json.loads(trace.read_text())["steps"] == result["steps"]
    name = "SIGINT" if signal_number == signal.SIGINT else "SIGTERM"
    assert name in result["error"] and name in err
    assert _polls(stuck) == 1 and "Traceback" not in err


def test_ctrl_c_in_text_mode_says_the_run_was_interrupted(stuck: DbtCloudSimulator) -> None:
    process = _dbt_run(stuck)
    _until(lambda: _polls(stuck) >= 1)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 130
    assert "workflow trigger-run-and-poll interrupted" in out
    assert "runId: 70471823500001" in out
    assert "the run was interrupted (SIGINT, Ctrl-C)" in err and "Traceback" not in err


def test_a_request_in_flight_is_cut_off_and_recorded(tmp_path: Path) -> None:
    release = threading.Event()

    def hold(_seen: Any) -> Reply:
        release.wait(30)
        return Reply(200, {"id": 1})

    with LocalServer() as server:
        server.route("POST", "/jobs", hold)
        (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(openapi_doc(
            server.url, {"id": "trigger", "method": "post", "path": "/jobs"})))
        path = tmp_path / "flow.arazzo.yaml"
        path.write_text(yaml.safe_dump(arazzo_doc({"workflowId": "w", "steps": [
            {"stepId": "trigger", "operationId": "trigger",
             "requestBody": {"payload": {"cause": "test"}}}]})))
        process = _start("run", str(path), "--format", "json", "--timeout", "60")
        try:
            _until(lambda: len(server.requests) >= 1)
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=20)
        finally:
            release.set()
    assert process.returncode == 130, err
    result = json.loads(out)
    [step] = result["steps"]
    assert step["stepId"] == "trigger" and step["outcome"] == "interrupted"
    assert step["request"]["method"] == "POST" and step["request"]["body"] == '{"cause": "test"}'
    assert "may have been acted on" in step["error"]


def test_the_python_api_stops_on_request_from_another_thread(stuck: DbtCloudSimulator) -> None:
    stop = StopSignal()
    results: list[Any] = []
    document = arazzo_engine.load(WORKFLOW)
    options = RunOptions(servers={"dbtAdminApi": stuck.base_url}, trust_env=False,
                         loop_delay=60)
    worker = threading.Thread(target=lambda: results.append(
        document.run(inputs=INPUTS, options=options, stop=stop)))
    worker.start()
    _until(lambda: _polls(stuck) >= 1)
    stop.stop("stopped by the test")
    worker.join(20)
    assert not worker.is_alive()
    [result] = results
    assert result.interrupted and result.error == "the run was stopped by the test"
    assert [s.step_id for s in result.steps] == ["triggerRun", "pollRun"]
    stop.close()

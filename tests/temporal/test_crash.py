"""The promise of a run on Temporal: SIGKILL the worker and the server mid-wait, start both
again, and the run finishes with exactly one trigger POST."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

from temporal_servers import DevServer, WorkerProcess

import arazzo_engine
from arazzo_engine import temporal
from arazzo_engine._resources import specs_dir
from arazzo_engine.executor import RunOptions
from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN, DbtCloudSimulator
from arazzo_engine.temporal import Temporal

WORKFLOW = specs_dir() / "dbt" / "arazzo" / "dbt-trigger-run-and-poll-workflow.yml"
INPUTS = {"accountId": DEMO_ACCOUNT_ID, "jobId": DEMO_JOB_ID, "token": DEMO_TOKEN}


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def waiting(target: Temporal, run_id: str) -> bool:
    """True once the run reports a wait under way (its timer is on the server)."""
    try:
        return temporal.describe(target, run_id).get("status") == "waiting"
    except temporal.TemporalError:
        return False


def test_sigkill_of_worker_and_server_mid_wait_resumes_with_one_trigger(tmp_path: Path) -> None:
    server = DevServer(tmp_path / "temporal.sqlite").start()
    queue = f"crash-{uuid.uuid4().hex[:8]}"
    worker = WorkerProcess(server.address, queue, tmp_path / "worker.log").start()
    try:
        with DbtCloudSimulator("success") as simulator:
            target = Temporal(server.address, task_queue=queue)
            options = RunOptions(servers={"dbtAdminApi": simulator.base_url}, loop_delay=2.0,
                                 timeout=5.0, trust_env=False, backend=target)
            run_id = temporal.start(arazzo_engine.load(WORKFLOW).bundle, None, INPUTS, options)

            def polls() -> int:
                return sum(1 for r in simulator.requests if r.method == "GET")

            wait_for(lambda: polls() >= 1 and waiting(target, run_id), 60,
                     "the wait after the first poll")
            worker.kill()  # the run sleeps 2 s before polling again: a durable timer
            server.kill()
            killed_at = polls()
            server.start()  # the same SQLite file on the same port
            worker.start()
            result = temporal.follow(target, run_id)
            requests = simulator.requests
    finally:
        worker.kill()
        server.kill()
    posts = [r for r in requests if r.method == "POST"]
    assert len(posts) == 1, [(r.method, r.path) for r in requests]
    assert result.outcome == "succeeded", result.error
    assert result.outputs["finalStatus"] == 10
    assert sum(1 for r in requests if r.method == "GET") > killed_at
    steps = [s.step_id for s in result.steps]
    assert steps[0] == "triggerRun" and steps[-1] == "listArtifacts"
    assert set(steps[1:-1]) == {"pollRun"}

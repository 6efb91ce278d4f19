"""The promise of issue 10, as a user meets it: ``arazzo run`` killed with SIGKILL while it polls
the dbt Cloud simulator, or while its trigger POST is in flight, then ``arazzo runs`` and
``arazzo resume``; the simulator counts the trigger POSTs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN, DbtCloudSimulator

WORKFLOW = Path(__file__).parents[2] / "specs/dbt/arazzo/dbt-trigger-run-and-poll-workflow.yml"


@pytest.fixture
def simulator() -> Iterator[DbtCloudSimulator]:
    with DbtCloudSimulator("success", polls_per_status=2) as running:
        yield running


def _arazzo(store: Path, *argv: str) -> list[str]:
    return [sys.executable, "-m", "arazzo_engine", *argv, "--state", str(store)]


def _start_run(sim: DbtCloudSimulator, store: Path) -> subprocess.Popen[str]:
    argv = _arazzo(store, "run", str(WORKFLOW), "--input", f"accountId={DEMO_ACCOUNT_ID}",
                   "--input", f"jobId={DEMO_JOB_ID}", "--input", f"token={DEMO_TOKEN}",
                   "--server", f"dbtAdminApi={sim.base_url}", "--loop-delay", "1.5")
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _until(condition: Callable[[], bool], limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def _kill(process: subprocess.Popen[str]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(30)
    assert process.returncode == -signal.SIGKILL


def _cli(store: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_arazzo(store, *argv), capture_output=True, text=True, timeout=120,
                          check=False)


def _polls(sim: DbtCloudSimulator) -> int:
    return sum(1 for r in sim.requests if r.method == "GET" and r.path.rstrip("/")
               .split("/")[-2] == "runs")


def _only_run(store: Path) -> dict:
    listed = _cli(store, "runs", "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    (run,) = json.loads(listed.stdout)
    return run


def test_sigkill_mid_wait_then_resume_triggers_once(simulator: DbtCloudSimulator,
                                                    tmp_path: Path) -> None:
    store = tmp_path / "runs.db"
    process = _start_run(simulator, store)
    _until(lambda: _polls(simulator) >= 2)
    time.sleep(0.5)  # inside the 1.5 s loop delay after the second poll
    _kill(process)
    assert simulator.trigger_count == 1
    run = _only_run(store)
    assert run["status"] == "interrupted" and run["lastStep"] == "pollRun"
    shown = _cli(store, "runs", "show", run["id"])
    assert "waiting:" in shown.stdout and f"arazzo resume {run['id']}" in shown.stdout
    assert DEMO_TOKEN not in store.read_bytes().decode("latin-1")

    refused = _cli(store, "resume", run["id"])
    assert refused.returncode == 2 and "ARAZZO_INPUT_TOKEN" in refused.stderr
    resumed = _cli(store, "resume", run["id"], "--input", f"token={DEMO_TOKEN}",
                   "--format", "json")
    assert resumed.returncode == 0, resumed.stderr
    result = json.loads(resumed.stdout)
    assert result["outcome"] == "succeeded" and result["runId"] == run["id"]
    assert result["outputs"]["finalStatus"] == 10 and result["outputs"]["artifacts"]
    assert result["steps"][0]["stepId"] == "triggerRun"  # the whole history
    assert simulator.trigger_count == 1  # exactly one trigger POST, kill and all
    assert _only_run(store)["status"] == "succeeded"


@pytest.fixture
def timed_simulator() -> Iterator[DbtCloudSimulator]:
    """Runs move on with time: a second run of the job (queued behind the first, as dbt Cloud
    queues them) still ends when nobody polls the first."""
    with DbtCloudSimulator("success", seconds_per_status=0.5) as running:
        yield running


def test_sigkill_with_the_trigger_in_flight_refuses_to_resend(
        timed_simulator: DbtCloudSimulator, tmp_path: Path) -> None:
    simulator = timed_simulator
    store = tmp_path / "runs.db"
    release = simulator.hold_trigger_responses()
    try:
        process = _start_run(simulator, store)
        _until(lambda: simulator.trigger_count == 1)  # the server acted; the answer is held
        _kill(process)
    finally:
        release.set()
    run = _only_run(store)
    assert run["status"] == "interrupted"
    shown = _cli(store, "runs", "show", run["id"], "--format", "json")
    assert json.loads(shown.stdout)["inFlight"]["method"] == "POST"

    refused = _cli(store, "resume", run["id"], "--input", f"token={DEMO_TOKEN}")
    assert refused.returncode == 1
    assert "step 'triggerRun' is in doubt: POST" in refused.stderr
    assert "not sent again blindly" in refused.stderr and "--resend-in-doubt" in refused.stderr
    assert simulator.trigger_count == 1

    resent = _cli(store, "resume", run["id"], "--input", f"token={DEMO_TOKEN}",
                  "--resend-in-doubt", "--format", "json")
    assert resent.returncode == 0, resent.stderr
    assert json.loads(resent.stdout)["outputs"]["finalStatus"] == 10
    assert simulator.trigger_count == 2  # sent again only because the user said so


def test_ctrl_c_leaves_the_run_interrupted_and_prints_the_resume_command(
        simulator: DbtCloudSimulator, tmp_path: Path) -> None:
    store = tmp_path / "runs.db"
    for stop in (signal.SIGINT, signal.SIGTERM):
        process = _start_run(simulator, store)
        _until(lambda: _polls(simulator) >= 1)
        time.sleep(0.3)
        process.send_signal(stop)
        _out, err = process.communicate(timeout=30)
        assert process.returncode in (130, 143, 128 + stop)
        run = json.loads(_cli(store, "runs", "list", "--format", "json").stdout)[0]
        assert run["status"] == "interrupted"
        assert f"arazzo resume {run['id']} --state {store}" in err
        assert "Traceback" not in err
        forgot = _cli(store, "runs", "forget", run["id"])
        assert forgot.returncode == 0 and run["id"] in forgot.stdout
        simulator.clear_requests()


def test_runs_commands_on_an_empty_or_missing_store(tmp_path: Path) -> None:
    store = tmp_path / "none.db"
    listed = _cli(store, "runs", "list")
    assert listed.returncode == 0 and "no runs recorded" in listed.stdout
    missing = _cli(store, "runs", "show", "nope")
    assert missing.returncode == 2 and "no run 'nope'" in missing.stderr
    resumed = _cli(store, "resume", "nope")
    assert resumed.returncode == 2 and "no run 'nope'" in resumed.stderr


# Grouped checkpoints (RunOptions.checkpoint_interval): a poll loop without waits ------------

@pytest.fixture
def busy_simulator() -> Iterator[DbtCloudSimulator]:
    """A job that takes about 1,200 polls: a tight loop (--loop-delay 0) is mid-poll for
    seconds."""
    with DbtCloudSimulator("success", polls_per_status=400) as running:
        yield running


def _start_tight_run(sim: DbtCloudSimulator, store: Path, interval: str) -> subprocess.Popen[str]:
    argv = _arazzo(store, "run", str(WORKFLOW), "--input", f"accountId={DEMO_ACCOUNT_ID}",
                   "--input", f"jobId={DEMO_JOB_ID}", "--input", f"token={DEMO_TOKEN}",
                   "--server", f"dbtAdminApi={sim.base_url}", "--loop-delay", "0",
                   "--max-steps", "100000", "--checkpoint-interval", interval)
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _shown(store: Path, run_id: str) -> dict:
    shown = _cli(store, "runs", "show", run_id, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def _resumed(store: Path, run_id: str) -> dict:
    resumed = _cli(store, "resume", run_id, "--input", f"token={DEMO_TOKEN}", "--format", "json")
    assert resumed.returncode == 0, resumed.stderr
    result = json.loads(resumed.stdout)
    assert result["outcome"] == "succeeded" and result["outputs"]["finalStatus"] == 10
    return result


@pytest.mark.parametrize("interval", ["3600", "0"])
def test_sigkill_in_a_tight_poll_loop_resumes_re_sending_only_the_grouped_polls(
        busy_simulator: DbtCloudSimulator, tmp_path: Path, interval: str) -> None:
    simulator, store = busy_simulator, tmp_path / "runs.db"
    process = _start_tight_run(simulator, store, interval)
    _until(lambda: _polls(simulator) >= 30)
    _kill(process)
    sent = _polls(simulator)
    run = _only_run(store)
    assert run["status"] == "interrupted" and simulator.trigger_count == 1
    shown = _shown(store, run["id"])
    recorded = [s["stepId"] for s in shown["steps"]]
    assert recorded[0] == "triggerRun" and set(recorded[1:]) <= {"pollRun"}
    assert shown["inFlight"]["method"] == "GET"  # never the POST: its response is on record
    if interval == "3600":
        # Every poll grouped: the last commit is the one before the first GET, and `runs
        # show` lists the steps up to it.
        assert recorded == ["triggerRun"] and run["lastStep"] == "triggerRun"
    else:
        assert len(recorded) - 1 >= sent - 1  # every answered poll but the one in flight
        assert run["lastStep"] == "pollRun"

    result = _resumed(store, run["id"])
    assert simulator.trigger_count == 1  # the trigger POST is never sent again
    lost = sent - (len(recorded) - 1)  # polls sent before the kill whose record was lost
    assert lost == sent if interval == "3600" else lost <= 1  # at most the interval's polls
    polls = [s for s in result["steps"] if s["stepId"] == "pollRun"]
    # the history: the recorded polls, then what resume sent (the lost ones sent again)
    assert len(polls) == len(recorded) - 1 + _polls(simulator) - sent


def test_ctrl_c_in_a_tight_poll_loop_keeps_every_finished_poll(
        busy_simulator: DbtCloudSimulator, tmp_path: Path) -> None:
    simulator, store = busy_simulator, tmp_path / "runs.db"
    process = _start_tight_run(simulator, store, "3600")  # nothing committed between polls
    _until(lambda: _polls(simulator) >= 30)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "Traceback" not in err
    sent = _polls(simulator)
    run = _only_run(store)
    assert run["status"] == "interrupted"
    shown = _shown(store, run["id"])
    polls = [s for s in shown["steps"] if s["stepId"] == "pollRun"]
    # Every poll the simulator answered is on record (a request cut off in flight is
    # recorded too, "interrupted", whether or not it reached the server).
    assert sent <= len(polls) <= sent + 1
    assert all(p["outcome"] != "interrupted" for p in polls[:sent - 1])
    from arazzo_engine.store import RunStore

    with RunStore(store) as opened:
        stored = opened.get(run["id"])
    assert stored.state["stepCount"] in (len(polls) + 1, len(polls) + 2)  # the latest state
    result = _resumed(store, run["id"])
    assert simulator.trigger_count == 1
    resumed_polls = [s for s in result["steps"] if s["stepId"] == "pollRun"]
    assert len(resumed_polls) - len(polls) <= _polls(simulator) - sent + 1

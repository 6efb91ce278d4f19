"""The commands against a real dev server and an ``arazzo worker`` process: ``arazzo run
--temporal`` prints what a local run prints, ``--detach`` returns the run id, and
``arazzo runs list|show|follow|cancel`` read Temporal."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporal_servers import DevServer, WorkerProcess

from arazzo_engine._resources import specs_dir
from arazzo_engine.cli import EXIT_OK, EXIT_USAGE, main
from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN, DbtCloudSimulator

WORKFLOW = str(specs_dir() / "dbt" / "arazzo" / "dbt-trigger-run-and-poll-workflow.yml")
INPUTS = ["--input", f"accountId={DEMO_ACCOUNT_ID}", "--input", f"jobId={DEMO_JOB_ID}",
          "--input", f"token={DEMO_TOKEN}"]


@pytest.fixture(scope="module")
def temporal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """``--temporal ADDRESS --task-queue Q`` of a dev server with one worker polling Q."""
    folder = tmp_path_factory.mktemp("temporal")
    server = DevServer(folder / "temporal.sqlite").start()
    queue = f"cli-{uuid.uuid4().hex[:8]}"
    worker = WorkerProcess(server.address, queue, folder / "worker.log").start()
    try:
        yield ["--temporal", server.address, "--task-queue", queue]
    finally:
        worker.kill()
        server.kill()


def normalised(text: str, base_url: str) -> str:
    # a local run first names its record in the local run store; a Temporal run names its id
    # on stderr instead
    text = re.sub(r"\Arun [0-9a-z-]+\n", "", text)
    text = re.sub(r" in [0-9.]+ ms", " in N ms", text.replace(base_url, "BASE"))
    return re.sub(r"\(polling for [^)]*\)", "(polling for N)", text)  # includes request times


def test_a_run_on_temporal_prints_what_a_local_run_prints(
        temporal: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    outputs = []
    for where in ([], temporal):
        with DbtCloudSimulator("success") as simulator:
            argv = ["run", WORKFLOW, *INPUTS, "--server", f"dbtAdminApi={simulator.base_url}",
                    "--loop-delay", "0.2", "--loop-delay-max", "0.2", *where]
            assert main(argv) == EXIT_OK
            captured = capsys.readouterr()
            outputs.append(normalised(captured.out, simulator.base_url))
    local, remote = outputs
    assert remote == local
    assert "workflow trigger-run-and-poll succeeded" in remote
    assert "started on Temporal" in captured.err


def test_json_output_matches_too(temporal: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    results = []
    for where in ([], temporal):
        with DbtCloudSimulator("error") as simulator:
            argv = ["run", WORKFLOW, *INPUTS, "--server", f"dbtAdminApi={simulator.base_url}",
                    "--loop-delay", "0", "--format", "json", *where]
            assert main(argv) == EXIT_OK
            result = json.loads(capsys.readouterr().out)
            results.append((result["outcome"], result["outputs"],
                            [s["stepId"] for s in result["steps"]]))
    assert results[0] == results[1]
    assert results[0][1]["finalStatus"] == 20


def test_detach_then_show_follow_and_list(temporal: list[str],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    run_id = f"detached-{uuid.uuid4().hex[:6]}"
    with DbtCloudSimulator("success") as simulator:
        argv = ["run", WORKFLOW, *INPUTS, "--server", f"dbtAdminApi={simulator.base_url}",
                "--loop-delay", "0.3", "--detach", "--run-id", run_id, *temporal]
        started = time.monotonic()
        assert main(argv) == EXIT_OK
        assert capsys.readouterr().out.strip() == run_id
        assert time.monotonic() - started < 10
        assert main(["runs", "follow", run_id, *temporal]) == EXIT_OK
        followed = capsys.readouterr().out
        assert "workflow trigger-run-and-poll succeeded" in followed
        assert main(["runs", "show", run_id, *temporal, "--format", "json"]) == EXIT_OK
        shown = json.loads(capsys.readouterr().out)
        assert main(["run", WORKFLOW, *INPUTS, "--run-id", run_id, *temporal]) == EXIT_USAGE
        assert "already exists" in capsys.readouterr().err
        posts = [r for r in simulator.requests if r.method == "POST"]
    assert len(posts) == 1
    assert shown["temporalStatus"] == "finished"
    assert shown["result"]["outputs"]["finalStatus"] == 10
    assert shown["inputs"]["token"] == "***"
    assert DEMO_TOKEN not in json.dumps(shown)
    assert main(["runs", "list", *temporal, "--format", "json"]) == EXIT_OK
    listed = {run["id"]: run for run in json.loads(capsys.readouterr().out)}
    assert listed[run_id]["status"] == "finished"
    assert listed[run_id]["document"] == WORKFLOW


def test_cancel_stops_a_waiting_run(temporal: list[str], capsys: pytest.CaptureFixture[str],
                                    tmp_path: Path) -> None:
    run_id = f"cancel-{uuid.uuid4().hex[:6]}"
    with DbtCloudSimulator("stuck") as simulator:
        argv = ["run", WORKFLOW, *INPUTS, "--server", f"dbtAdminApi={simulator.base_url}",
                "--loop-delay", "600", "--detach", "--run-id", run_id, *temporal]
        assert main(argv) == EXIT_OK
        capsys.readouterr()
        deadline = time.monotonic() + 60
        while True:
            assert main(["runs", "show", run_id, *temporal, "--format", "json"]) == EXIT_OK
            if json.loads(capsys.readouterr().out).get("status") == "waiting":
                break
            assert time.monotonic() < deadline, "the run never started waiting"
            time.sleep(0.2)
        assert main(["runs", "show", run_id, *temporal]) == EXIT_OK
        assert "waiting 600 s until" in capsys.readouterr().out
        assert main(["runs", "cancel", run_id, *temporal]) == EXIT_OK
        capsys.readouterr()
        assert main(["runs", "follow", run_id, *temporal]) == 1
        assert "cancelled" in capsys.readouterr().err
    assert main(["runs", "show", run_id, *temporal]) == EXIT_OK
    assert f"run {run_id}: cancelled" in capsys.readouterr().out


def test_a_follower_sees_every_step_across_continue_as_new(temporal: list[str]) -> None:
    import arazzo_engine
    from arazzo_engine.executor import RunEvent, RunOptions
    from arazzo_engine.temporal import Temporal
    from arazzo_engine.temporal import _client as client_api

    target = Temporal(temporal[1], task_queue=temporal[3])
    events: list[RunEvent] = []
    with DbtCloudSimulator("success", polls_per_status=3) as simulator:
        # no waits: a timer on the dev server fires about a second late, whatever its length
        options = RunOptions(servers={"dbtAdminApi": simulator.base_url}, loop_delay=0,
                             trust_env=False)
        spec = client_api.run_spec(
            arazzo_engine.load(WORKFLOW).bundle, None,
            {"accountId": DEMO_ACCOUNT_ID, "jobId": DEMO_JOB_ID, "token": DEMO_TOKEN},
            options, continue_every=3)

        async def work() -> Any:
            client = await client_api.connect(target)
            handle = await client_api.start(client, target, spec)
            result = await client_api.follow(client, handle.id, events.append,
                                             poll_seconds=0.05)
            latest = await client.get_workflow_handle(handle.id).describe()
            return result, handle.first_execution_run_id != latest.run_id

        result, continued = asyncio.run(work())
    assert continued
    assert result.outcome == "succeeded", result.error
    executed = [e.data["execution"].step_id for e in events if e.kind == "step-finished"]
    assert executed == ["triggerRun"] + ["pollRun"] * 9 + ["listArtifacts"]


def test_the_python_api_runs_where_run_options_name(temporal: list[str]) -> None:
    """The same entry points as a local run; ``RunOptions.backend`` names Temporal."""
    import arazzo_engine
    from arazzo_engine import temporal as on_temporal
    from arazzo_engine.errors import ExecutionError
    from arazzo_engine.executor import RunEvent, RunOptions, run_workflow
    from arazzo_engine.temporal import Temporal

    target = Temporal(temporal[1], task_queue=temporal[3])
    inputs = {"accountId": DEMO_ACCOUNT_ID, "jobId": DEMO_JOB_ID, "token": DEMO_TOKEN}
    events: list[RunEvent] = []
    with DbtCloudSimulator("success") as simulator:
        options = RunOptions(backend=target, servers={"dbtAdminApi": simulator.base_url},
                             loop_delay=0, trust_env=False)
        result = arazzo_engine.run(WORKFLOW, inputs=inputs, options=options,
                                   observer=events.append)
        document = arazzo_engine.load(WORKFLOW)
        run_id = on_temporal.start(document.bundle, None, inputs, options,
                                   run_id=f"api-{uuid.uuid4().hex[:6]}")
        followed = on_temporal.follow(target, run_id)
        with pytest.raises(ExecutionError, match="another backend"):
            run_workflow(WORKFLOW, None, inputs, options)
        triggers = simulator.trigger_count
    assert result.outcome == followed.outcome == "succeeded", (result.error, followed.error)
    assert result.outputs["finalStatus"] == followed.outputs["finalStatus"] == 10
    assert result.outputs["runId"] != followed.outputs["runId"]  # two runs, one trigger each
    assert [e.kind for e in events][-1] == "run-finished"
    assert triggers == 2  # one per run; run_workflow sent nothing
    assert on_temporal.describe(target, run_id)["temporalStatus"] == "finished"
    assert run_id in {summary.run_id for summary in on_temporal.runs(target)}


def test_a_run_waits_for_a_worker_and_the_follower_says_so(
        temporal: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Started where no worker polls, the run waits; the follower says so, then says when a
    worker (started only once that was said) carries the run."""
    import arazzo_engine
    from arazzo_engine import temporal as on_temporal
    from arazzo_engine.executor import RunEvent, RunOptions
    from arazzo_engine.temporal import Temporal
    from arazzo_engine.temporal import _client as client_api

    # a query nobody answers fails after this long: a second, not five, keeps the test short
    monkeypatch.setattr(client_api, "QUERY_TIMEOUT", timedelta(seconds=1))
    queue = f"later-{uuid.uuid4().hex[:8]}"
    target = Temporal(temporal[1], task_queue=queue)
    worker = WorkerProcess(temporal[1], queue, tmp_path / "worker.log")
    notices: list[str] = []

    def notice(event: RunEvent) -> None:
        notices.append(str(event.data["text"]))
        if worker.process is None:
            worker.start()

    with DbtCloudSimulator("success") as simulator:
        options = RunOptions(backend=target, servers={"dbtAdminApi": simulator.base_url},
                             loop_delay=0, trust_env=False)
        run_id = on_temporal.start(arazzo_engine.load(WORKFLOW).bundle, None,
                                   {"accountId": DEMO_ACCOUNT_ID, "jobId": DEMO_JOB_ID,
                                    "token": DEMO_TOKEN}, options)
        try:
            result = on_temporal.follow(target, run_id, notice=notice)
        finally:
            worker.kill()
        triggers = simulator.trigger_count
    assert notices == ["no worker answered; the run goes on when one is polling",
                       "a worker answered; the run goes on"]
    assert result.outcome == "succeeded", result.error
    assert triggers == 1

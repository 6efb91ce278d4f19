"""The workflow's promises on the time-skipping test server: continue-as-new keeps the state,
the in-doubt rule sets which lost requests Temporal sends again, cancellation, one run per id."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from temporal_servers import binary
from temporalio import activity
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

import arazzo_engine
from arazzo_engine._resources import specs_dir
from arazzo_engine.executor import RunEvent, RunOptions
from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN, DbtCloudSimulator
from arazzo_engine.temporal import Temporal, TemporalError
from arazzo_engine.temporal import _client as client_api
from arazzo_engine.temporal import _workflow as workflow_module
from arazzo_engine.temporal._activities import SEND_REQUEST, send_request
from arazzo_engine.temporal._converter import with_converter
from arazzo_engine.temporal._worker import workflow_runner
from arazzo_engine.temporal._workflow import CANCELLED, RESEND_ATTEMPTS, ArazzoRun

WORKFLOW = specs_dir() / "dbt" / "arazzo" / "dbt-trigger-run-and-poll-workflow.yml"
INPUTS = {"accountId": DEMO_ACCOUNT_ID, "jobId": DEMO_JOB_ID, "token": DEMO_TOKEN}
HOUR = 3600.0
#: A run here takes about a second; a hang fails the test instead of stalling the suite.
RUN_LIMIT = 60.0


def spec(base_url: str, **extra: Any) -> dict[str, Any]:
    options = RunOptions(servers={"dbtAdminApi": base_url}, loop_delay=HOUR, trust_env=False)
    made = client_api.run_spec(arazzo_engine.load(WORKFLOW).bundle, None, INPUTS, options,
                               run_id=extra.pop("run_id", None),
                               resend_in_doubt=extra.pop("resend_in_doubt", False))
    return {**made, **extra}


def with_step(run_spec: dict[str, Any], step_id: str, **fields: Any) -> dict[str, Any]:
    """The run with ``fields`` added to one step of the shipped document (what a user writes
    in the file; the worker reads the document only from the run)."""
    documents = run_spec["bundle"]["documents"]
    data = documents[run_spec["bundle"]["entry"]]["data"]
    for step in data["workflows"][0]["steps"]:
        if step["stepId"] == step_id:
            step.update(fields)
    return run_spec


def on_test_server(work: Callable[[Client, str], Awaitable[Any]],
                   activities: list[Callable[..., Any]] | None = None) -> Any:
    async def main() -> Any:
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=binary("temporal-test-server"))
        async with env:
            queue = f"arazzo-test-{uuid.uuid4().hex[:8]}"
            with concurrent.futures.ThreadPoolExecutor(4) as executor:
                async with Worker(with_converter(env.client), task_queue=queue,
                                  workflows=[ArazzoRun],
                                  activities=activities or [send_request],
                                  activity_executor=executor,
                                  workflow_runner=workflow_runner()):
                    return await asyncio.wait_for(work(env.client, queue), RUN_LIMIT)

    return asyncio.run(main())


async def run_to_end(client: Client, queue: str, run_spec: dict[str, Any],
                     events: list[RunEvent] | None = None) -> Any:
    handle = await client_api.start(client, Temporal("127.0.0.1:1", task_queue=queue), run_spec)
    result = await client_api.follow(client, handle.id, None if events is None else events.append,
                                     poll_seconds=0.05, started=handle)
    return handle, result


def test_continue_as_new_carries_state_steps_and_progress() -> None:
    """A follower's queries race continue-as-new on the test server's shared clock, so this
    reads progress once at the end; tests/temporal/test_cli_dev_server.py follows live."""
    with DbtCloudSimulator("success", polls_per_status=4) as simulator:
        run_spec = spec(simulator.base_url, continueEvery=3, keepSteps=2)

        async def work(client: Client, queue: str) -> Any:
            client = with_converter(client)
            handle = await client_api.start(client, Temporal("127.0.0.1:1", task_queue=queue),
                                            run_spec)
            result = await handle.result()
            latest = client.get_workflow_handle(handle.id)
            progress = await latest.query("progress", 0)
            return handle, result, progress, (await latest.describe()).run_id

        handle, result, progress, latest_run = on_test_server(work)
    assert latest_run != handle.first_execution_run_id  # it did continue as new
    assert result["outcome"] == "succeeded", result["error"]
    assert result["outputs"]["finalStatus"] == 10
    assert progress["skipped"] == 0 and progress["next"] == len(progress["events"])
    executed = [e["data"]["execution"]["stepId"] for e in progress["events"]
                if e["kind"] == "step-finished"]
    assert executed == ["triggerRun"] + ["pollRun"] * 12 + ["listArtifacts"]  # none lost
    kept = [s["stepId"] for s in result["steps"]]  # older ones were reported live, then let go
    assert 2 <= len(kept) < len(executed) and executed[-len(kept):] == kept
    assert result["omittedSteps"] == len(executed) - len(kept)
    assert sum(1 for r in simulator.requests if r.method == "POST") == 1


class FlakyTransport:
    """The activity under its real name, failing the way a lost worker does for chosen
    requests, and counting every attempt Temporal makes."""

    def __init__(self, fail: Callable[[str, int], bool]) -> None:
        self.fail = fail
        self.attempts: list[tuple[str, int]] = []

    def activity(self) -> Callable[..., Any]:
        @activity.defn(name=SEND_REQUEST)
        def flaky(call: dict[str, Any]) -> dict[str, Any]:
            method, attempt = call["request"]["method"], activity.info().attempt
            self.attempts.append((method, attempt))
            if self.fail(method, attempt):
                raise RuntimeError("the worker was lost mid-request")
            return send_request(call)

        return flaky


def test_a_lost_post_is_in_doubt_and_never_sent_again() -> None:
    flaky = FlakyTransport(lambda method, attempt: method == "POST")
    with DbtCloudSimulator("success") as simulator:
        run_spec = spec(simulator.base_url)
        _, result = on_test_server(lambda c, q: run_to_end(c, q, run_spec), [flaky.activity()])
    assert flaky.attempts == [("POST", 1)]
    assert result.outcome == "failed"
    assert "in doubt" in result.steps[0].error and "not sent again" in result.steps[0].error
    assert "x-arazzo-safe-to-repeat" in result.steps[0].error


def test_a_lost_post_is_sent_again_when_the_user_allows_it() -> None:
    flaky = FlakyTransport(lambda method, attempt: method == "POST" and attempt == 1)
    with DbtCloudSimulator("success") as simulator:
        run_spec = spec(simulator.base_url, resend_in_doubt=True)
        _, result = on_test_server(lambda c, q: run_to_end(c, q, run_spec), [flaky.activity()])
    assert [a for a in flaky.attempts if a[0] == "POST"] == [("POST", 1), ("POST", 2)]
    assert result.outcome == "succeeded", result.error


def test_a_lost_post_of_a_step_marked_safe_to_repeat_is_sent_again() -> None:
    flaky = FlakyTransport(lambda method, attempt: method == "POST" and attempt < 3)
    with DbtCloudSimulator("success") as simulator:
        run_spec = with_step(spec(simulator.base_url), "triggerRun",
                             **{"x-arazzo-safe-to-repeat": True})
        _, result = on_test_server(lambda c, q: run_to_end(c, q, run_spec), [flaky.activity()])
        posts = simulator.trigger_count
    assert [a for a in flaky.attempts if a[0] == "POST"] == [("POST", 1), ("POST", 2),
                                                             ("POST", 3)]
    assert result.outcome == "succeeded", result.error
    assert posts == 1  # the two lost attempts never reached the simulator


def test_a_post_whose_worker_hangs_past_its_bound_is_in_doubt(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that sends the POST and is never heard of again (killed, cut off): Temporal
    times the activity out after the request's timeout plus the margin, and that is a lost
    request like any other; the POST, which did reach the server, is not sent again."""
    released = threading.Event()

    @activity.defn(name=SEND_REQUEST)
    def hangs_after_posting(call: dict[str, Any]) -> dict[str, Any]:
        answer = send_request(call)
        if call["request"]["method"] == "POST":
            released.wait(RUN_LIMIT)  # the response never reaches Temporal
        return answer

    with DbtCloudSimulator("success") as simulator:
        run_spec = spec(simulator.base_url)
        run_spec["options"]["timeout"] = 0.5
        # the activity's bound is the timeout plus a margin; a short one keeps the test short
        # (the test server does not skip time while an activity runs)
        monkeypatch.setattr(workflow_module, "ACTIVITY_MARGIN", 0.5)

        async def work(client: Client, queue: str) -> Any:
            try:
                return await run_to_end(client, queue, run_spec)
            finally:
                released.set()  # lets the worker shut down

        _, result = on_test_server(work, [hangs_after_posting])
        posts = simulator.trigger_count
    assert posts == 1
    assert result.outcome == "failed"
    error = result.steps[0].error or ""
    assert "in doubt" in error and "not sent again" in error
    assert "timeout" in error.lower()


def test_a_lost_get_is_sent_again_up_to_the_attempt_limit() -> None:
    flaky = FlakyTransport(lambda method, attempt: method == "GET")
    with DbtCloudSimulator("success") as simulator:
        run_spec = spec(simulator.base_url)
        _, result = on_test_server(lambda c, q: run_to_end(c, q, run_spec), [flaky.activity()])
    gets = [a for a in flaky.attempts if a[0] == "GET"]
    assert gets == [("GET", n) for n in range(1, RESEND_ATTEMPTS + 1)]
    assert result.outcome == "failed"
    assert f"after {RESEND_ATTEMPTS} attempts" in (result.steps[-1].error or "")


def test_a_transport_failure_is_the_workflows_business_not_a_temporal_retry() -> None:
    """Nothing listens on the port: the run fails as locally, after one attempt."""
    flaky = FlakyTransport(lambda method, attempt: False)
    run_spec = spec("http://127.0.0.1:9")
    _, result = on_test_server(lambda c, q: run_to_end(c, q, run_spec), [flaky.activity()])
    assert flaky.attempts == [("POST", 1)]
    assert result.outcome == "failed"
    assert "cannot connect" in (result.steps[0].error or "")


def test_cancel_ends_a_waiting_run_as_cancelled() -> None:
    with DbtCloudSimulator("stuck") as simulator:
        run_spec = spec(simulator.base_url)

        async def work(client: Client, queue: str) -> Any:
            handle = await client_api.start(client, Temporal("127.0.0.1:1", task_queue=queue),
                                            run_spec)
            for _ in range(200):
                described = await client_api.describe(client, handle.id)
                if described.get("status") == "waiting":
                    break
                await asyncio.sleep(0.05)
            await client_api.cancel(client, handle.id)
            result = await client_api.follow(client, handle.id, poll_seconds=0.05)
            return result, await client_api.describe(client, handle.id)

        result, described = on_test_server(work)
    assert result.outcome == "failed"
    assert result.error == CANCELLED
    assert described["temporalStatus"] == "cancelled"
    assert described["inputs"]["token"] == "***"


def test_the_same_run_id_is_refused_by_the_server_open_or_closed() -> None:
    with DbtCloudSimulator("success", polls_per_status=2) as simulator:
        run_spec = spec(simulator.base_url, run_id=f"same-{uuid.uuid4().hex[:6]}")

        async def work(client: Client, queue: str) -> Any:
            target = Temporal("127.0.0.1:1", task_queue=queue)
            handle = await client_api.start(client, target, run_spec)
            with pytest.raises(TemporalError, match="already exists"):  # while it runs
                await client_api.start(client, target, run_spec)
            result = await client_api.follow(client, handle.id, poll_seconds=0.05,
                                             started=handle)
            with pytest.raises(TemporalError, match="already exists"):  # once it ended
                await client_api.start(client, target, run_spec)
            return handle, result

        handle, result = on_test_server(work)
        posts = simulator.trigger_count
    assert handle.id == run_spec["runId"]  # the Temporal workflow id is the run id
    assert result.outcome == "succeeded"
    assert posts == 1


def test_an_unknown_run_is_a_clear_error() -> None:
    async def work(client: Client, queue: str) -> None:
        with pytest.raises(TemporalError, match="no run with id 'nope'"):
            await client_api.follow(client, "nope")

    on_test_server(work)

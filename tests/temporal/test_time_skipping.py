"""The reference workflow on Temporal's time-skipping test server: a one-hour poll interval,
durable timers, continue-as-new, queries and cancellation, without waiting an hour."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from temporal_servers import binary
from temporalio.testing import WorkflowEnvironment

import arazzo_engine
from arazzo_engine._resources import specs_dir
from arazzo_engine.executor import RunEvent, RunOptions
from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN, DbtCloudSimulator
from arazzo_engine.temporal import Temporal
from arazzo_engine.temporal import _client as client_api
from arazzo_engine.temporal._worker import build_worker

WORKFLOW = specs_dir() / "dbt" / "arazzo" / "dbt-trigger-run-and-poll-workflow.yml"
INPUTS = {"accountId": DEMO_ACCOUNT_ID, "jobId": DEMO_JOB_ID, "token": DEMO_TOKEN}
HOUR = 3600.0
#: A run here takes about a second; a hang fails the test instead of stalling the suite.
RUN_LIMIT = 60.0


def on_test_server(work: Callable[[Any, str], Awaitable[Any]]) -> Any:
    """Runs ``work(client, task_queue)`` with a worker on a fresh time-skipping server."""

    async def main() -> Any:
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=binary("temporal-test-server"))
        async with env:
            queue = f"arazzo-test-{uuid.uuid4().hex[:8]}"
            async with build_worker(env.client, queue, concurrent_requests=4):
                return await asyncio.wait_for(work(env.client, queue), RUN_LIMIT)

    return asyncio.run(main())


def spec(base_url: str, **overrides: Any) -> dict[str, Any]:
    options = RunOptions(servers={"dbtAdminApi": base_url}, loop_delay=HOUR, trust_env=False,
                         max_steps=overrides.pop("max_steps", 1000))
    document = arazzo_engine.load(WORKFLOW)
    return client_api.run_spec(document.bundle, None, INPUTS, options,
                               document=str(WORKFLOW), **overrides)


def test_an_hourly_poll_finishes_in_well_under_a_second_with_one_trigger() -> None:
    events: list[RunEvent] = []
    with DbtCloudSimulator("success", polls_per_status=3) as simulator:
        run_spec = spec(simulator.base_url)

        async def work(client: Any, queue: str) -> Any:
            handle = await client_api.start(client, Temporal("127.0.0.1:1", task_queue=queue),
                                            run_spec)
            started = time.perf_counter()
            result = await client_api.follow(client, handle.id, events.append,
                                             poll_seconds=0.05, started=handle)
            return result, time.perf_counter() - started

        result, elapsed = on_test_server(work)
        posts = [r for r in simulator.requests if r.method == "POST"]
    assert result.outcome == "succeeded", result.error
    assert result.outputs["finalStatus"] == 10
    assert [s.step_id for s in result.steps].count("pollRun") == 9
    assert len(posts) == 1
    waits = [e.data["seconds"] for e in events if e.kind == "waiting"]
    assert waits == [HOUR] * 8  # eight hours of polling manners, skipped by the server
    assert elapsed < 1.0, f"took {elapsed:.2f} s"
    assert [e.kind for e in events][-1] == "run-finished"

"""The reference workflow on Temporal's time-skipping test server: a one-hour poll interval,
durable timers, continue-as-new, queries and cancellation, without waiting an hour."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from temporal_servers import binary
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

import arazzo_engine
from arazzo_engine._resources import specs_dir
from arazzo_engine.executor import RunEvent, RunOptions, RunResult
from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN, DbtCloudSimulator
from arazzo_engine.temporal import Temporal
from arazzo_engine.temporal import _client as client_api
from arazzo_engine.temporal._worker import build_worker
from arazzo_engine.temporal._workflow import CONTINUE_EVERY

WORKFLOW = specs_dir() / "dbt" / "arazzo" / "dbt-trigger-run-and-poll-workflow.yml"
INPUTS = {"accountId": DEMO_ACCOUNT_ID, "jobId": DEMO_JOB_ID, "token": DEMO_TOKEN}
HOUR = 3600.0
#: A run here takes about a second; a hang fails the test instead of stalling the suite.
RUN_LIMIT = 60.0
#: Temporal's limit on one workflow execution's history.
HISTORY_LIMIT = 51_200


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
                         max_steps=overrides.pop("max_steps", 1000),
                         max_retry_wait=overrides.pop("max_retry_wait", 60.0))
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
    # Eight hours of waits: a run that really slept would take hours. The bound proves the
    # server skipped them without timing the machine (how fast is a benchmark's business).
    assert elapsed < 60.0, f"took {elapsed:.2f} s: the hourly waits were not skipped"
    assert [e.kind for e in events][-1] == "run-finished"


async def histories(client: Any, handle: Any) -> list[list[Any]]:
    """The history of every execution of a run, first to last, following continue-as-new."""
    run_id = handle.id
    found, execution = [], (run_id, handle.first_execution_run_id)
    while True:
        handle = client.get_workflow_handle(execution[0], run_id=execution[1])
        events = [event async for event in handle.fetch_history_events()]
        found.append(events)
        last = events[-1]
        if last.event_type != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            return found
        attributes = last.workflow_execution_continued_as_new_event_attributes
        execution = (run_id, attributes.new_execution_run_id)


def test_retry_after_is_a_durable_timer() -> None:
    """A 429 with ``Retry-After: 600`` and a document ``retry`` action: the wait is a timer on
    the server (skipped here), not a sleep in the worker, and the poll is sent again."""
    events: list[RunEvent] = []
    with DbtCloudSimulator("rate-limit", polls_per_status=2, rate_limited_polls=2,
                           retry_after_seconds=600) as simulator:
        run_spec = spec(simulator.base_url, max_retry_wait=3600.0)
        steps = run_spec["bundle"]["documents"][run_spec["bundle"]["entry"]]["data"][
            "workflows"][0]["steps"]
        steps[1]["onFailure"] = [{"name": "slowDown", "type": "retry", "retryLimit": 3,
                                  "criteria": [{"condition": "$statusCode == 429"}]}]

        async def work(client: Any, queue: str) -> Any:
            handle = await client_api.start(client, Temporal("127.0.0.1:1", task_queue=queue),
                                            run_spec)
            result = await client_api.follow(client, handle.id, events.append,
                                             poll_seconds=0.05, started=handle)
            return result, await histories(client, handle)

        result, history = on_test_server(work)
    assert result.outcome == "succeeded", result.error
    codes = [s.status_code for s in result.steps if s.step_id == "pollRun"]
    assert codes.count(429) == 2 and codes[-1] == 200
    waits = [e.data["seconds"] for e in events if e.kind == "waiting"]
    assert waits.count(600.0) == 2  # the two 429s, each waited out as Retry-After says
    timers = [e for events_ in history for e in events_
              if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED]
    assert sorted(t.timer_started_event_attributes.start_to_fire_timeout.ToSeconds()
                  for t in timers) == sorted(int(w) for w in waits)


def test_an_hours_long_poll_continues_as_new_and_stays_far_below_the_history_limit() -> None:
    """Forty hourly polls (a day and a half) with a continue-as-new every 16 actions: every
    execution's history stays bounded, and the measured events per action show that the
    default (``CONTINUE_EVERY``) keeps a long poll far below Temporal's 51,200-event limit."""
    every = 16
    with DbtCloudSimulator("success", polls_per_status=13) as simulator:
        run_spec = spec(simulator.base_url, continue_every=every)

        async def work(client: Any, queue: str) -> Any:
            handle = await client_api.start(client, Temporal("127.0.0.1:1", task_queue=queue),
                                            run_spec)
            result = RunResult.from_dict(await handle.result())
            return result, await histories(client, handle)

        result, history = on_test_server(work)
        posts = simulator.trigger_count
    assert result.outcome == "succeeded", result.error
    assert result.outputs["finalStatus"] == 10
    assert posts == 1
    steps = [step.step_id for step in result.steps]
    polls = steps.count("pollRun")
    assert polls >= 39  # 13 per status: queued, starting, running
    actions = len(steps) + polls - 1  # every request, and the waits between polls
    assert len(history) == -(-actions // every), (actions, [len(h) for h in history])
    per_action = max(len(events) for events in history[:-1]) / every
    assert per_action < 8  # about 5.5: a poll iteration (a request and a wait) is about 11
    assert CONTINUE_EVERY * per_action < HISTORY_LIMIT / 4

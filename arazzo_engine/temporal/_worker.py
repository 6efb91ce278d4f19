"""The worker: hosts ``ArazzoRun`` workflows and runs their HTTP activities.

A waiting run costs the worker nothing but its cached workflow (the timer lives on the server),
so one worker process can keep a thousand polling runs. Requests run on a thread pool because the
transport is ``requests``, which blocks.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import signal
from collections.abc import Callable
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from arazzo_engine.temporal._activities import send_request
from arazzo_engine.temporal._converter import with_converter
from arazzo_engine.temporal._target import Temporal
from arazzo_engine.temporal._workflow import ArazzoRun

__all__ = ["DEFAULT_CONCURRENT_REQUESTS", "build_worker", "run_worker", "workflow_runner"]

#: Requests one worker sends at once (threads of its activity pool).
DEFAULT_CONCURRENT_REQUESTS = 32

#: Modules the sandbox shares with the worker instead of re-importing per run. The executor is
#: deterministic by construction (a pure machine; I/O sits in the activity), and re-importing
#: it and its libraries for every run would cost each run megabytes and milliseconds.
PASSTHROUGH = ("arazzo_engine", "yaml", "jsonschema", "jsonschema_specifications",
               "referencing", "openapi_core", "openapi_spec_validator", "jsonschema_path",
               "lark", "regex", "jsonpath_rfc9535", "jsonpath_ng", "elementpath", "requests",
               "urllib3", "rpds", "attrs", "pathable")


def workflow_runner() -> SandboxedWorkflowRunner:
    _read_grammars()
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH))


def _read_grammars() -> None:
    """The expression grammars are files read on first use; the sandbox forbids ``open``
    inside a workflow, so the worker reads them once before any workflow runs."""
    from arazzo_engine.expressions._grammar import (
        RUNTIME_GRAMMARS,
        condition_parser,
        runtime_parser,
    )

    for version in RUNTIME_GRAMMARS:
        runtime_parser(version)
    condition_parser()


def build_worker(client: Client, task_queue: str, *,
                 concurrent_requests: int = DEFAULT_CONCURRENT_REQUESTS,
                 executor: concurrent.futures.Executor | None = None) -> Worker:
    """A worker for ``task_queue``; the caller owns ``executor`` when it passes one."""
    return Worker(
        with_converter(client), task_queue=task_queue, workflows=[ArazzoRun],
        activities=[send_request],
        activity_executor=executor or concurrent.futures.ThreadPoolExecutor(concurrent_requests),
        max_concurrent_activities=concurrent_requests, workflow_runner=workflow_runner(),
        graceful_shutdown_timeout=timedelta(seconds=5),
    )


async def connect(target: Temporal) -> Client:
    from arazzo_engine.temporal._client import connect as connect_client

    return await connect_client(target)


async def run_worker(target: Temporal, *, concurrent_requests: int = DEFAULT_CONCURRENT_REQUESTS,
                     stop: asyncio.Event | None = None,
                     ready: Callable[[], None] | None = None,
                     handle_signals: bool = False) -> None:
    """Polls ``target.task_queue`` until ``stop`` is set (SIGINT or SIGTERM too, with
    ``handle_signals``); activities in flight get a few seconds to finish."""
    stop = stop or asyncio.Event()
    client = await connect(target)
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM) if handle_signals else ()
    for number in signals:
        loop.add_signal_handler(number, stop.set)
    try:
        with concurrent.futures.ThreadPoolExecutor(concurrent_requests) as executor:
            worker = build_worker(client, target.task_queue,
                                  concurrent_requests=concurrent_requests, executor=executor)
            async with worker:
                if ready is not None:
                    ready()
                await stop.wait()
    finally:
        for number in signals:
            loop.remove_signal_handler(number)

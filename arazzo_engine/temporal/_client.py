"""Starting, following, listing and cancelling runs on Temporal (asyncio, SDK-facing).

A run is a workflow whose id is the run id, started with a policy that refuses a second run of
the same id, open or closed: starting the same run twice is refused by the server itself.
Following a run reads its progress through a query, so it works from any machine and
survives the loss of the follower; nothing is stored anywhere but in Temporal.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowQueryFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from arazzo_engine._version import __version__
from arazzo_engine.document import Bundle
from arazzo_engine.executor import Machine, Observer, Program, RunOptions, RunResult
from arazzo_engine.temporal._converter import DATA_CONVERTER, with_converter
from arazzo_engine.temporal._errors import TemporalError
from arazzo_engine.temporal._snapshot import snapshot_of
from arazzo_engine.temporal._target import Temporal
from arazzo_engine.temporal._wire import event_from_wire, options_to_wire
from arazzo_engine.temporal._workflow import CONTINUE_EVERY, WORKFLOW_NAME

__all__ = ["RunSummary", "cancel", "connect", "describe", "follow", "new_run_id", "runs",
           "start"]

#: How often a follower asks a run for news.
POLL_SECONDS = 0.5

#: How long one progress query may wait for a worker to answer it.
QUERY_TIMEOUT = timedelta(seconds=5)

_STATUS = {
    WorkflowExecutionStatus.RUNNING: "running",
    WorkflowExecutionStatus.COMPLETED: "finished",
    WorkflowExecutionStatus.FAILED: "failed",
    WorkflowExecutionStatus.CANCELED: "cancelled",
    WorkflowExecutionStatus.TERMINATED: "terminated",
    WorkflowExecutionStatus.CONTINUED_AS_NEW: "running",
    WorkflowExecutionStatus.TIMED_OUT: "timed out",
}


@dataclass(frozen=True)
class RunSummary:
    """One line of ``arazzo runs list --temporal``."""

    run_id: str
    status: str
    document: str | None
    workflow_id: str | None
    started: datetime | None
    closed: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.run_id, "status": self.status, "document": self.document,
                "workflowId": self.workflow_id,
                "started": self.started.isoformat() if self.started else None,
                "closed": self.closed.isoformat() if self.closed else None}


def new_run_id(workflow_id: str) -> str:
    return f"{workflow_id}-{uuid.uuid4().hex[:12]}"


async def connect(target: Temporal) -> Client:
    try:
        return await Client.connect(target.address, namespace=target.namespace,
                                    data_converter=DATA_CONVERTER)
    except (RuntimeError, RPCError) as exc:
        raise TemporalError(f"cannot reach Temporal at {target.address}: {_first_line(exc)}"
                            ) from None


def run_spec(bundle: Bundle, workflow_id: str | None, inputs: Mapping[str, Any],
             options: RunOptions, *, run_id: str | None = None, resend_in_doubt: bool = False,
             document: str | None = None,
             continue_every: int = CONTINUE_EVERY) -> dict[str, Any]:
    """The workflow's input. Inputs and the workflow are checked here first, by the same
    machine the worker runs, so a bad input is refused before anything reaches Temporal."""
    state = Machine(Program(bundle), options).start(workflow_id, inputs)
    chosen = state.workflow_id
    return {
        "runId": run_id or new_run_id(chosen), "workflowId": chosen, "inputs": dict(inputs),
        "bundle": snapshot_of(bundle), "options": options_to_wire(options),
        "resendInDoubt": resend_in_doubt, "document": document, "continueEvery": continue_every,
    }


async def start(client: Client, target: Temporal,
                spec: dict[str, Any]) -> WorkflowHandle[Any, Any]:
    """Starts the run; refuses (``TemporalError``) a run id Temporal already knows."""
    client = with_converter(client)
    run_id = str(spec["runId"])
    try:
        return await client.start_workflow(
            WORKFLOW_NAME, spec, id=run_id, task_queue=target.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            memo={"document": spec.get("document"), "workflowId": spec.get("workflowId"),
                  "arazzoEngine": __version__},
        )
    except WorkflowAlreadyStartedError:
        raise TemporalError(f"a run with id {run_id!r} already exists on Temporal; "
                            "the same run is never started twice") from None
    except RPCError as exc:
        raise TemporalError(f"Temporal refused to start the run: {_first_line(exc)}") from None


async def follow(client: Client, run_id: str, observer: Observer | None = None, *,
                 poll_seconds: float = POLL_SECONDS, notice: Observer | None = None,
                 started: WorkflowHandle[Any, Any] | None = None) -> RunResult:
    """Reports the run's progress as it happens, then returns its result (the same
    ``RunResult`` a local run returns). ``notice`` hears about a missing worker; ``started``
    is the handle ``start`` returned, when this process started the run."""
    client = with_converter(client)
    handle: WorkflowHandle[Any, Any] = client.get_workflow_handle(run_id)
    if started is None:
        try:
            first = (await handle.describe()).run_id
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                raise TemporalError(f"no run with id {run_id!r} on Temporal") from None
            raise TemporalError(f"cannot read run {run_id!r}: {_first_line(exc)}") from None
        # The result is read from a known execution on (following continue-as-new);
        # queries go to whichever execution is current.
        started = client.get_workflow_handle(run_id, run_id=first)
    outcome = asyncio.ensure_future(_outcome(started))
    since, announced = 0, False
    try:
        while True:
            finished = outcome.done()
            progress = await _progress(handle, since)
            if progress is None:
                if not announced and notice is not None and not finished:
                    notice(_notice("no worker answered; the run goes on when one is polling"))
                    announced = True
            else:
                if announced and notice is not None:
                    notice(_notice("a worker answered; the run goes on"))
                    announced = False
                if progress.get("skipped") and notice is not None:
                    notice(_notice(f"{progress['skipped']} progress events were no longer kept"))
                for event in progress.get("events") or []:
                    if observer is not None:
                        observer(event_from_wire(event))
                since = int(progress.get("next", since))
            if finished:
                break
            await asyncio.wait({outcome}, timeout=poll_seconds)
        result = outcome.result()
        if result is None and progress is not None:
            result = progress.get("result")
        if result is None:
            described = await describe(client, run_id)
            result = described.get("result")
        if not result:
            raise TemporalError(f"run {run_id!r} ended without a result")
        return RunResult.from_dict(result)
    finally:
        outcome.cancel()


async def describe(client: Client, run_id: str) -> dict[str, Any]:
    """The run's status from Temporal plus, when a worker answers, its steps so far."""
    client = with_converter(client)
    handle: WorkflowHandle[Any, Any] = client.get_workflow_handle(run_id)
    try:
        info = await handle.describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise TemporalError(f"no run with id {run_id!r} on Temporal") from None
        raise TemporalError(f"cannot read run {run_id!r}: {_first_line(exc)}") from None
    memo = await info.memo()
    details: dict[str, Any] = {}
    try:
        details = await handle.query("describe", rpc_timeout=QUERY_TIMEOUT)
    except (WorkflowQueryFailedError, RPCError) as exc:
        details = {"queryError": _first_line(exc)}
    return {
        "id": run_id, "temporalStatus": _STATUS.get(info.status, "unknown") if info.status
        else "unknown", "document": memo.get("document"), "workflowId": memo.get("workflowId"),
        "started": info.start_time.isoformat() if info.start_time else None,
        "closed": info.close_time.isoformat() if info.close_time else None,
        **details,
    }


async def runs(client: Client, *, limit: int = 50) -> list[RunSummary]:
    found: list[RunSummary] = []
    try:
        async for execution in client.list_workflows(f'WorkflowType = "{WORKFLOW_NAME}"',
                                                     limit=limit):
            memo = await execution.memo()
            found.append(RunSummary(
                run_id=execution.id,
                status=_STATUS.get(execution.status, "unknown") if execution.status
                else "unknown",
                document=memo.get("document"), workflow_id=memo.get("workflowId"),
                started=execution.start_time, closed=execution.close_time))
    except RPCError as exc:
        raise TemporalError(f"cannot list runs: {_first_line(exc)}") from None
    return found


async def cancel(client: Client, run_id: str) -> None:
    """Asks the run to stop: a wait ends at once, and the run fails as cancelled."""
    handle: WorkflowHandle[Any, Any] = client.get_workflow_handle(run_id)
    try:
        await handle.cancel()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise TemporalError(f"no running run with id {run_id!r} on Temporal") from None
        raise TemporalError(f"cannot cancel run {run_id!r}: {_first_line(exc)}") from None


async def _outcome(handle: WorkflowHandle[Any, Any]) -> dict[str, Any] | None:
    """The run's result, or None when it ended without one (cancelled, terminated)."""
    try:
        result = await handle.result()
    except WorkflowFailureError:
        return None
    return result if isinstance(result, dict) else None


async def _progress(handle: WorkflowHandle[Any, Any], since: int) -> dict[str, Any] | None:
    try:
        found = await handle.query("progress", since, rpc_timeout=QUERY_TIMEOUT)
    except (WorkflowQueryFailedError, RPCError):
        return None
    return found if isinstance(found, dict) else None


def _notice(text: str) -> Any:
    from arazzo_engine.executor import RunEvent

    return RunEvent("notice", {"text": text})


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]

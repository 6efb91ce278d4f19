"""The Temporal workflow: the executor's pure ``Machine`` advanced by Temporal, not re-written.

The workflow is a driver like ``executor.drive``: it asks the machine for the next action and
performs it. ``SendRequest`` becomes the ``send_request`` activity, ``Wait`` a durable timer
(``workflow.sleep``), and the outcome goes back to the machine. Everything the machine does is
deterministic (no clock, no I/O, documents shipped inside the run), so a replay on another worker
reaches the same state from the history alone.

Every ``continue_every`` actions the run continues as new, carrying the ``RunState`` snapshot and
the action it was about to perform, so an hours-long poll never reaches Temporal's history limit.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from arazzo_engine.errors import ArazzoError
    from arazzo_engine.executor import (
        Abort,
        Finish,
        HttpResponse,
        Machine,
        RunResult,
        RunState,
        SendRequest,
        TransportFailure,
        Wait,
        Waited,
    )
    from arazzo_engine.executor._in_doubt import (
        SAFE_TO_REPEAT,
        decide_in_doubt,
        marked_safe_to_repeat,
    )
    from arazzo_engine.executor._masking import MASK, Masker, secret_input_values
    from arazzo_engine.temporal._activities import SEND_REQUEST
    from arazzo_engine.temporal._programs import program_for
    from arazzo_engine.temporal._wire import (
        event_to_wire,
        exchange_from_wire,
        options_from_wire,
        request_from_wire,
        request_to_wire,
    )

__all__ = ["CONTINUE_EVERY", "WORKFLOW_NAME", "ArazzoRun"]

WORKFLOW_NAME = "ArazzoRun"

#: Actions (requests and waits) one workflow run performs before it continues as new. A poll
#: iteration is two actions and about 12 history events, so 1,000 actions stay near 6,000 events,
#: a tenth of Temporal's 51,200-event limit.
CONTINUE_EVERY = 1000

#: Step executions carried across a continue-as-new; older ones were already reported live.
KEEP_EXECUTIONS = 50

#: Progress events a run keeps for followers (``arazzo run --temporal`` queries them).
KEEP_EVENTS = 2000

#: Events carried across a continue-as-new, so a follower that lags misses nothing.
CARRY_EVENTS = 200

#: Seconds added to a request's own timeout to bound its activity (start-to-close). Past the
#: bound the request is lost, and a lost POST is in doubt: the margin must cover a healthy but
#: busy worker reporting late (10 s was exceeded once in 1,000 runs on an overloaded 2-core
#: machine), at the price of noticing a dead worker that much later.
ACTIVITY_MARGIN = 30.0

#: Start-to-close bound of an activity whose request has no timeout of its own.
UNBOUNDED_REQUEST = 3600.0

#: Attempts of an activity that may be re-sent when its worker is lost mid-request.
RESEND_ATTEMPTS = 5

CANCELLED = "the run was cancelled on Temporal"


@workflow.defn(name=WORKFLOW_NAME)
class ArazzoRun:
    """One Arazzo run; the workflow id is the run id."""

    def __init__(self) -> None:
        self._events: list[dict[str, Any]] = []
        self._first_event = 0
        self._status = "starting"
        self._state: RunState | None = None
        self._machine: Machine | None = None
        self._spec: dict[str, Any] = {}
        self._waiting: dict[str, Any] | None = None
        self._in_flight: dict[str, Any] | None = None
        self._result: dict[str, Any] | None = None
        self._omitted = 0

    @workflow.run
    async def run(self, spec: dict[str, Any]) -> dict[str, Any]:
        self._spec = spec
        carried = spec.get("continuation") or {}
        self._omitted = int(carried.get("omittedSteps", 0))
        tail = list(carried.get("events") or [])
        self._events = tail
        self._first_event = int(carried.get("eventOffset", 0)) - len(tail)
        try:
            options = options_from_wire(spec.get("options") or {})
            machine = Machine(program_for(spec["bundle"]), options)
            if carried:
                state = RunState.from_dict(carried["state"])
            else:
                state = machine.start(spec.get("workflowId"), spec.get("inputs") or {})
        except ArazzoError as exc:
            return self._finish(RunResult(workflow_id=str(spec.get("workflowId") or ""),
                                          outcome="failed", error=str(exc)))
        self._machine, self._state = machine, state
        started = float(carried.get("startedAt", workflow.time()))
        action: Wait | SendRequest | Finish | None = _carried_action(carried.get("action"))
        outcome: Any = None
        performed = 0
        continue_every = int(spec.get("continueEvery") or CONTINUE_EVERY)
        self._status = "running"
        while True:
            if action is None:
                action = machine.decide(state, outcome)
                self._collect(state)
            if isinstance(action, Finish):
                return self._finish(action.result)
            if performed >= continue_every or workflow.info().is_continue_as_new_suggested():
                self._continue(spec, state, action, started)
            performed += 1
            try:
                outcome = await self._perform(action, options.deadline, started)
            except asyncio.CancelledError:
                machine.decide(state, Abort(CANCELLED))
                self._collect(state)
                self._finish(machine.result(state), status="cancelled")
                raise
            action = None

    # actions ---------------------------------------------------------------------------

    async def _perform(self, action: Wait | SendRequest, deadline: float | None,
                       started: float) -> Any:
        remaining = None if deadline is None else deadline - (workflow.time() - started)
        if isinstance(action, Wait):
            if remaining is not None and action.seconds >= remaining:
                await self._sleep(max(remaining, 0.0), action.reason)
                return Abort(f"the run's deadline of {deadline:g} s (--deadline) passed")
            await self._sleep(action.seconds, action.reason)
            return Waited()
        if remaining is not None and remaining <= 0:
            return Abort(f"the run's deadline of {deadline:g} s (--deadline) passed")
        request = action.request
        if remaining is not None:
            request.timeout = min(request.timeout or remaining, remaining)
        return await self._send(action)

    async def _sleep(self, seconds: float, reason: str) -> None:
        self._status = "waiting"
        self._waiting = {"seconds": seconds, "reason": reason,
                         "until": (workflow.now() + timedelta(seconds=seconds)).isoformat()}
        try:
            if seconds > 0:
                await workflow.sleep(seconds)
        finally:
            self._status, self._waiting = "running", None

    async def _send(self, action: SendRequest) -> HttpResponse | TransportFailure:
        request = action.request
        resendable = decide_in_doubt(request.method, marked_safe=self._step_safe(),
                                     resend_flag=bool(self._spec.get("resendInDoubt"))).resend
        attempts = RESEND_ATTEMPTS if resendable else 1
        bound = (request.timeout or UNBOUNDED_REQUEST) + ACTIVITY_MARGIN
        options = self._machine.options if self._machine else None
        transport = {"follow_redirects": bool(options and options.follow_redirects),
                     "verify": options.verify if options else True,
                     "trust_env": options.trust_env if options else True}
        self._status = "sending"
        self._in_flight = {"stepId": action.step_id, "method": request.method,
                           "url": self._masker().url(request.url),
                           "since": workflow.now().isoformat()}
        try:
            result = await workflow.execute_activity(
                SEND_REQUEST, {"request": request_to_wire(request), "transport": transport},
                start_to_close_timeout=timedelta(seconds=bound),
                retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1),
                                         maximum_interval=timedelta(seconds=30),
                                         maximum_attempts=attempts),
                summary=f"{action.step_id}: {request.method}",
            )
        except ActivityError as exc:
            return TransportFailure(_lost_text(request.method, resendable, attempts, exc))
        finally:
            self._status, self._in_flight = "running", None
        return exchange_from_wire(result)

    def _step_safe(self) -> bool:
        state, machine = self._state, self._machine
        if state is None or machine is None or not state.frames or state.pending is None:
            return False
        frame = state.frames[-1]
        steps = machine.program.steps(frame.document, frame.workflow_id)
        position = int(state.pending.get("position", frame.position))
        return 0 <= position < len(steps) and marked_safe_to_repeat(steps[position])

    # continue-as-new, results, progress ---------------------------------------------------

    def _continue(self, spec: dict[str, Any], state: RunState, action: Wait | SendRequest,
                  started: float) -> None:
        keep = int(spec.get("keepSteps", KEEP_EXECUTIONS))
        dropped = max(0, len(state.executions) - keep)
        if dropped:
            state.executions = state.executions[dropped:]
        carried = {
            "state": state.to_dict(), "action": _action_to_wire(action), "startedAt": started,
            "eventOffset": self._first_event + len(self._events),
            "events": self._events[-CARRY_EVENTS:], "omittedSteps": self._omitted + dropped,
        }
        workflow.continue_as_new({**spec, "continuation": carried})

    def _finish(self, result: RunResult, status: str = "finished") -> dict[str, Any]:
        self._status = status
        self._result = {**result.to_dict(), "omittedSteps": self._omitted}
        return self._result

    def _collect(self, state: RunState) -> None:
        self._events.extend(event_to_wire(event) for event in state.take_events())
        overflow = len(self._events) - KEEP_EVENTS
        if overflow > 0:
            del self._events[:overflow]
            self._first_event += overflow

    def _masker(self) -> Masker:
        state, machine = self._state, self._machine
        secrets: list[str] = []
        if state is not None and machine is not None:
            main = machine.program.workflow(state.document, state.workflow_id)
            secrets.extend(secret_input_values(main.get("inputs"), self._main_inputs(),
                                               machine.program.data(state.document)))
            for frame in state.frames:
                workflow_object = machine.program.workflow(frame.document, frame.workflow_id)
                secrets.extend(secret_input_values(workflow_object.get("inputs"), frame.inputs,
                                                   machine.program.data(frame.document)))
        return Masker(secrets)

    def _main_inputs(self) -> dict[str, Any]:
        state = self._state
        if state is None:
            return {}
        if state.frames and state.frames[0].role == "main":
            return state.frames[0].inputs
        return dict(state.workflows.get(state.workflow_id, {}).get("inputs") or {})

    @workflow.query(name="progress")
    def progress(self, since: int) -> dict[str, Any]:
        """Events from number ``since`` on; ``skipped`` counts those no longer kept."""
        start = max(int(since), self._first_event)
        return {"events": self._events[start - self._first_event:],
                "next": self._first_event + len(self._events),
                "skipped": max(0, self._first_event - int(since)),
                "status": self._status, "result": self._result}

    @workflow.query(name="describe")
    def describe(self) -> dict[str, Any]:
        """What ``arazzo runs show`` prints: secrets masked, as in a local run's records."""
        state = self._state
        masker = self._masker()
        inputs: dict[str, Any] = {}
        steps: list[dict[str, Any]] = []
        if state is not None:
            inputs = {name: MASK if isinstance(value, (str, int)) and
                      masker.text(str(value)) != str(value) else value
                      for name, value in self._main_inputs().items()}
            steps = [execution.to_dict() for execution in state.executions]
        return {
            "status": self._status, "workflowId": state.workflow_id if state else None,
            "document": self._spec.get("document"), "inputs": inputs, "steps": steps,
            "omittedSteps": self._omitted, "stepCount": state.step_count if state else 0,
            "waiting": self._waiting, "inFlight": self._in_flight, "result": self._result,
        }


def _action_to_wire(action: Wait | SendRequest) -> dict[str, Any]:
    if isinstance(action, Wait):
        return {"wait": action.seconds, "reason": action.reason}
    return {"send": request_to_wire(action.request), "stepId": action.step_id}


def _carried_action(data: dict[str, Any] | None) -> Wait | SendRequest | None:
    if not data:
        return None
    if "wait" in data:
        return Wait(float(data["wait"]), str(data.get("reason") or ""))
    return SendRequest(request_from_wire(data["send"]), str(data.get("stepId") or ""))


def _lost_text(method: str, resendable: bool, attempts: int, exc: ActivityError) -> str:
    cause = exc.cause if exc.cause is not None else exc
    why = f"{type(cause).__name__}: {cause}"
    if resendable:
        return (f"no response after {attempts} attempts: the worker sending the request was "
                f"lost each time ({why})")
    return (f"in doubt: the worker sending this {method} was lost before its response was "
            f"recorded ({why}); it may have reached the server, so it was not sent again "
            f"(mark the step '{SAFE_TO_REPEAT}: true' or start the run with --resend-in-doubt "
            "to allow it)")

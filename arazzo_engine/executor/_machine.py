"""The executor's core: a state machine that decides what a run does next, without any I/O.

``Machine.decide(state, outcome)`` takes the run state and what happened since the last action
(an HTTP response, a transport failure, a finished wait, an abort) and returns the next action:
``SendRequest``, ``Wait`` or ``Finish``. Calling another workflow, ``dependsOn``, retries and
gotos are all state changes here; the driver around it only sends, sleeps and reports. The
machine updates the ``RunState`` it is given and keeps nothing of its own between calls, so a
state saved after any action can be resumed by a fresh machine.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from arazzo_engine.errors import ArazzoError, ExecutionError
from arazzo_engine.executor._build import StyleCache, build_request
from arazzo_engine.executor._context import api_message, exchange_context, parse_body
from arazzo_engine.executor._evaluator import Evaluator
from arazzo_engine.executor._expect import Expectations, unmet
from arazzo_engine.executor._http import HttpRequest, HttpResponse, TransportFailure
from arazzo_engine.executor._inputs import forwarded_inputs
from arazzo_engine.executor._loops import loop_wait, next_streak
from arazzo_engine.executor._masking import (
    Masker,
    harvest_headers,
    harvest_named,
    harvest_url,
    is_secret_name,
    secret_input_values,
)
from arazzo_engine.executor._options import RunOptions
from arazzo_engine.executor._program import Program
from arazzo_engine.executor._results import (
    FAILED,
    INTERRUPTED,
    SUCCEEDED,
    ActionRecord,
    CriterionRecord,
    RequestRecord,
    ResponseRecord,
    RunResult,
    StepExecution,
    recorded_body,
    response_preview,
)
from arazzo_engine.executor._retry import parse_retry_after, retry_limit, seconds_of
from arazzo_engine.executor._server_options import check_server_options
from arazzo_engine.executor._state import Frame, RunEvent, RunState
from arazzo_engine.expressions import Compiler, EvaluationContext, Message

__all__ = ["Abort", "Action", "Finish", "Machine", "Outcome", "SendRequest", "Wait", "Waited"]


@dataclass(frozen=True)
class SendRequest:
    request: HttpRequest
    step_id: str


@dataclass(frozen=True)
class Wait:
    seconds: float
    reason: str


@dataclass(frozen=True)
class Finish:
    result: RunResult


@dataclass(frozen=True)
class Waited:
    """The outcome of a ``Wait``."""


@dataclass(frozen=True)
class Abort:
    """The driver stops the run; the machine records why.

    ``interrupted``: stopped from outside (Ctrl-C, SIGTERM, ``StopSignal``), so the run ends
    ``"interrupted"`` rather than ``"failed"`` (a deadline or the loop guard fails it).
    ``in_flight``: the pending request was sent and its response never read; it is recorded
    as an ``"interrupted"`` step, so nobody loses sight of a request that may have landed.
    """

    reason: str
    interrupted: bool = False
    in_flight: bool = False


Action = SendRequest | Wait | Finish
Outcome = HttpResponse | TransportFailure | Waited | Abort | None

_SCALARS = frozenset({str, int, float, bool, type(None)})
_ACTION_LISTS = {"success": ("onSuccess", "successActions"),
                 "failure": ("onFailure", "failureActions")}

#: Workflows running inside one another (steps calling workflows, dependencies, retries)
#: beyond this depth stop the run: it is a recursion that does not end.
MAX_DEPTH = 50


class Machine:
    """Decides the next action of a run. Holds only the documents and the options."""

    def __init__(self, program: Program, options: RunOptions | None = None) -> None:
        """Raises ``OptionsError`` when the options name servers the documents do not have."""
        self.program = program
        self.options = options or RunOptions()
        check_server_options(program.bundle, self.options.servers, self.options.server_variables)
        self.evaluator = Evaluator(program, regex_timeout=self.options.regex_timeout)
        self.expectations = Expectations(self.options.expect,
                                         Compiler(regex_timeout=self.options.regex_timeout))
        self._maskers: dict[tuple[str, ...], Masker] = {}
        self._styles: StyleCache = {}
        #: The secrets the last response body held, by its text and media type: a polling
        #: loop gets the same body again and again, and harvesting walks all of it.
        self._harvested: tuple[str, str, list[str]] | None = None
        self._harvested_requests: dict[tuple[Any, str], list[str]] = {}
        #: Derived from the documents only (never from a run's state): by step node.
        self._action_lists: dict[tuple[str, str, int, str],
                                 tuple[Mapping[str, Any], list[Mapping[str, Any]]]] = {}

    # entry points ---------------------------------------------------------------------

    def start(self, workflow_id: str | None = None,
              inputs: Mapping[str, Any] | None = None) -> RunState:
        """A fresh run state. Raises ``ExecutionError`` for an unknown workflow and
        ``InputError`` for inputs its schema rejects or does not declare (a misspelt name)."""
        key = self.program.entry_key
        workflow_id = workflow_id or self._only_workflow(key)
        self.program.workflow(key, workflow_id)  # an unknown id is named before the inputs
        self._refuse_broker_steps(key, workflow_id)
        self.program.inputs_schema(key, workflow_id).check_declared(inputs or {})
        frame = self._new_frame(key, workflow_id, dict(inputs or {}), role="main")
        state = RunState(workflow_id=workflow_id, document=key, frames=[frame])
        for url in self.options.servers.values():
            add_secrets(state, harvest_url(url))
        self._started(state, frame)
        return state

    def _refuse_broker_steps(self, key: str, workflow_id: str) -> None:
        """AsyncAPI steps need a message broker, which this version does not drive: a run that
        could reach one is refused before it sends anything, naming every such step."""
        refusal = self.program.broker_required(key, workflow_id)
        if refusal is not None:
            raise refusal

    def decide(self, state: RunState, outcome: Outcome = None) -> Action:
        if state.finished:
            return Finish(self.result(state))
        if isinstance(outcome, Abort):
            if outcome.in_flight and state.pending is not None:
                self._record_in_flight(state, outcome.reason)
            self._fail_run(state, outcome.reason,
                           outcome=INTERRUPTED if outcome.interrupted else FAILED)
        elif isinstance(outcome, (HttpResponse, TransportFailure)):
            if state.pending is None:
                raise ExecutionError("a response arrived but no request was pending")
            spent = outcome.elapsed
            if isinstance(outcome, TransportFailure) and outcome.timed_out \
                    and state.pending.get("budgetClipped"):
                spent = max(spent, self._remaining(state) or 0.0)  # the budget cut it short
            self._spend(state, spent)
            self._on_exchange(state, outcome)
        return self._advance(state)

    # workflow step timeouts (Arazzo 1.1) -------------------------------------------------------

    def _spend(self, state: RunState, seconds: float) -> None:
        """Takes time that passed off every running workflow step's timeout."""
        for frame in state.frames:
            if frame.budget is not None:
                frame.budget -= max(seconds, 0.0)

    def _remaining(self, state: RunState) -> float | None:
        budgets = [f.budget for f in state.frames if f.budget is not None]
        return min(budgets) if budgets else None

    def _timed_out(self, state: RunState) -> bool:
        """A workflow step ran past its ``timeout``: the workflow it called stops there (with
        any it called in turn), and the step fails, so its failure actions apply."""
        for index, frame in enumerate(state.frames):
            if frame.budget is not None and frame.budget <= 1e-9:
                del state.frames[index + 1:]
                state.pending = None
                self._finish_frame(state, succeeded=False)
                return True
        return False

    def result(self, state: RunState) -> RunResult:
        """The run's result: outputs as resolved, every record and message masked."""
        masker = self.masker(state)
        return RunResult(
            workflow_id=state.workflow_id, outcome=state.outcome or FAILED,
            outputs=dict(state.outputs), steps=list(state.executions),
            error=None if state.error is None else masker.text(state.error),
            unresolved={k: masker.text(v) for k, v in state.unresolved.items()},
            expectations=[CriterionRecord.from_dict(e) for e in state.expectations],
            masker=masker,
        )

    # the loop -------------------------------------------------------------------------

    def _advance(self, state: RunState) -> Action:
        while not state.finished:
            frame = state.frames[-1]
            if frame.dependencies:
                self._start_dependency(state, frame, frame.dependencies.pop(0))
                continue
            if self._timed_out(state):
                continue
            if frame.delay > 0:
                seconds, reason, detail = frame.delay, frame.delay_reason, frame.delay_detail
                frame.delay, frame.delay_reason, frame.delay_detail = 0.0, "", None
                left = self._remaining(state)
                if left is not None and seconds >= left:  # the wait would outlast a timeout
                    self._spend(state, left)
                    continue
                self._spend(state, seconds)
                state.events.append(RunEvent("waiting", {"seconds": seconds, "reason": reason,
                                                         **(detail or {})}))
                return Wait(seconds, reason)
            steps = self.program.steps(frame.document, frame.workflow_id)
            if frame.position >= len(steps):
                self._finish_frame(state, succeeded=True)
                continue
            if state.step_count >= self.options.max_steps:
                self._fail_run(state, (
                    f"stopped after {state.step_count} step executions (the --max-steps limit):"
                    " the workflow may be looping forever"))
                continue
            step = steps[frame.position]
            state.step_count += 1
            unmet = self._unmet_dependency(state, frame, step)
            if unmet is not None:
                self._step_not_run(state, frame, step, unmet)
                continue
            if "workflowId" in step:
                self._call_workflow(state, frame, step)
                continue
            action = self._send(state, frame, step)
            if action is not None:
                return action
        return Finish(self.result(state))

    def _unmet_dependency(self, state: RunState, frame: Frame,
                          step: Mapping[str, Any]) -> str | None:
        """Arazzo 1.1 ``dependsOn``: why a step cannot run yet (None when it can). A step it
        names must have run to its end; dependsOn waits for a step, it never starts one."""
        depends = step.get("dependsOn")
        if not isinstance(depends, list) or self.program.spec(frame.document) == "1.0":
            return None
        for entry in depends:
            if not isinstance(entry, str):
                continue
            if not entry.startswith("$"):
                if entry in frame.ran:
                    continue
                return (f"it depends on step {entry!r} of this workflow, which has not run: "
                        "dependsOn waits for a step, it does not start it")
            try:
                marker = self.program.step_marker(frame.document, entry)
            except ArazzoError as exc:
                return f"dependsOn {entry!r}: {exc}"
            if marker not in state.completed_steps:
                return (f"it depends on {entry}, which has not run in this run: dependsOn waits "
                        "for a step, it does not start it")
        return None

    def _send(self, state: RunState, frame: Frame, step: Mapping[str, Any]) -> Action | None:
        step_id = str(step.get("stepId"))
        ctx = self.evaluator.context(state, frame)
        try:
            target = self.program.resolve_operation(frame.document, step)
            parameters = self._parameters(frame, step)
            built = build_request(target, parameters, self._body(step),
                                  lambda node: self.evaluator.value(node, ctx), self.options,
                                  self._styles)
        except ArazzoError as exc:
            self._step_not_run(state, frame, step, str(exc))
            return None
        step_timeout = self._step_timeout(frame, step)
        if step_timeout is not None and (built.request.timeout is None
                                         or step_timeout <= built.request.timeout):
            built.request.timeout = step_timeout
        else:
            step_timeout = None
        left = self._remaining(state)  # a workflow step's timeout bounds what it calls
        clipped = left is not None and (built.request.timeout is None
                                        or left < built.request.timeout)
        if clipped and left is not None:
            built.request.timeout = max(left, 0.001)
            step_timeout = None
        add_secrets(state, self._harvest_request(built.request))
        add_secrets(state, harvest_named(built.body))
        built.request.secret_values = frozenset(state.secrets)
        state.pending = {
            "position": frame.position, "stepId": step_id, "request": built.request.to_dict(),
            "path": built.path, "query": built.query, "body": built.body,
            "contentType": built.content_type, "stepTimeout": step_timeout,
            "budgetClipped": clipped,
        }
        masker = self.masker(state)
        state.events.append(RunEvent("request", {
            "stepId": step_id, "workflowId": frame.workflow_id, "depth": len(state.frames) - 1,
            "method": built.request.method, "url": masker.url(built.request.url),
            "attempt": frame.retries.get(step_id, 0) + 1,
            # which operation, for observers that check the exchange (``arazzo test``)
            "document": frame.document, "source": target.source.name,
            "operation": target.operation.pointer,
        }))
        return SendRequest(built.request, step_id)

    def _step_timeout(self, frame: Frame, step: Mapping[str, Any]) -> float | None:
        """Arazzo 1.1 ``timeout``: the milliseconds one execution of the step may take, as
        seconds. It can only shorten ``--timeout``, never lengthen it."""
        value = step.get("timeout")
        if self.program.spec(frame.document) == "1.0" or isinstance(value, bool) \
                or not isinstance(value, (int, float)) or value <= 0:
            return None
        return value / 1000.0

    def _step_not_run(self, state: RunState, frame: Frame, step: Mapping[str, Any],
                      error: str) -> None:
        """A step whose request cannot even be built fails the workflow: there is no exchange
        for failure actions to judge."""
        step_id = str(step.get("stepId"))
        execution = StepExecution(
            step_id=step_id, workflow_id=frame.workflow_id, outcome=FAILED,
            attempt=frame.retries.get(step_id, 0) + 1, depth=len(state.frames) - 1, error=error,
            action=ActionRecord("fail", f"the step could not be run: {error}"),
        )
        self._record(state, execution)
        self._finish_frame(state, succeeded=False, error=f"step {step_id!r}: {error}")

    # an HTTP exchange ends -------------------------------------------------------------

    def _on_exchange(self, state: RunState, outcome: HttpResponse | TransportFailure) -> None:
        pending, state.pending = state.pending or {}, None
        frame = state.frames[-1]
        step = self.program.steps(frame.document, frame.workflow_id)[pending["position"]]
        response = outcome if isinstance(outcome, HttpResponse) else None
        text = response.text if response is not None else ""  # decoded once for all uses
        ctx = exchange_context(self.evaluator.context(state, frame), pending, response, text)
        if response is not None and ctx.response is not None:
            add_secrets(state, harvest_headers(response.headers))
            add_secrets(state, self._harvest_body(ctx.response))
        masker = self.masker(state)
        request = pending["request"]
        execution = StepExecution(
            step_id=str(step.get("stepId")), workflow_id=frame.workflow_id, outcome=FAILED,
            attempt=frame.retries.get(str(step.get("stepId")), 0) + 1,
            depth=len(state.frames) - 1,
            request=RequestRecord(
                method=request["method"], url=masker.url(request["url"]),
                headers=masker.headers(request.get("headers") or {}),
                body=None if request.get("body") is None
                else recorded_body(masker.text(request["body"])),
            ),
        )
        if response is None:
            failure = outcome if isinstance(outcome, TransportFailure) else None
            message = failure.message if failure else "no response"
            if failure is not None and failure.timed_out and pending.get("stepTimeout"):
                message = (f"the step ran past its timeout of "
                           f"{round(pending['stepTimeout'] * 1000):g} ms ({message})")
            execution.response = ResponseRecord(None, _ms(failure.elapsed if failure else 0),
                                                error=message)
            execution.error = f"no response: {message}"
            succeeded = False
        else:
            execution.status_code = response.status_code
            execution.response = ResponseRecord(
                response.status_code, _ms(response.elapsed),
                headers=masker.headers(response.headers), content_type=response.content_type,
            )
            # For observers that show exchanges (arazzo run -v): the body, masked and cut.
            state.events.append(RunEvent("response", {
                "stepId": execution.step_id, "depth": execution.depth,
                "body": masker.text(response_preview(text)),
            }))
            succeeded = self._judge(step, ctx, execution, default=response.status_code < 400)
            if not succeeded:
                body = parse_body(text, response.content_type)
                execution.api_message = api_message(body)
                execution.error = self._failure_text(execution)
        execution.outputs, execution.unresolved = self.evaluator.outputs(step.get("outputs"), ctx)
        self._secret_outputs(state, execution.outputs)
        retry_after = response.header("Retry-After") if response else None
        self._conclude(state, frame, step, execution, ctx, succeeded,
                       retry_after=(retry_after, response.received_at if response else 0.0))

    def _harvest_request(self, request: HttpRequest) -> list[str]:
        """``harvest_headers`` then ``harvest_url`` of a request, which are the same for the
        same headers and URL (every poll of a loop sends the same ones)."""
        try:
            key = (tuple(request.headers.items()), request.url)
            found = self._harvested_requests.get(key)
        except TypeError:  # a header value that is not text
            return harvest_headers(request.headers) + harvest_url(request.url)
        if found is None:
            if len(self._harvested_requests) >= 64:
                self._harvested_requests.clear()
            found = self._harvested_requests[key] = (harvest_headers(request.headers)
                                                     + harvest_url(request.url))
        return found

    def _harvest_body(self, message: Message) -> list[str]:
        """``harvest_named`` of a response body, which is the same for the same text."""
        text, media = message.raw_body, message.content_type or ""
        known = self._harvested
        if not isinstance(text, str):
            return harvest_named(message.body)
        if known is not None and known[0] == text and known[1] == media:
            return known[2]
        found = harvest_named(message.body)
        self._harvested = (text, media, found)
        return found

    def _judge(self, step: Mapping[str, Any], ctx: EvaluationContext,
               execution: StepExecution, *, default: bool) -> bool:
        criteria = step.get("successCriteria")
        if not criteria:
            return default
        records = self.evaluator.criteria(criteria, ctx, "successCriteria")
        execution.criteria = records
        return all(r.passed for r in records)

    def _failure_text(self, execution: StepExecution) -> str:
        failed = [c for c in execution.criteria if not c.passed]
        if failed:
            why = "; ".join(f"{c.condition}: {c.detail}" if c.detail else c.condition
                            for c in failed)
            text = f"success criteria not met ({why})"
        else:
            text = f"HTTP {execution.status_code}"
        if not execution.api_message:
            return text
        # Quoted and attributed: the API's words (a 203's "Success!", say) must not read as
        # ours, nor as a verdict on the step.
        quoted = json.dumps(execution.api_message, ensure_ascii=False)
        return f"{text}; the response says: {quoted}"

    # the step is over: choose and apply an action ----------------------------------------

    def _conclude(self, state: RunState, frame: Frame, step: Mapping[str, Any],
                  execution: StepExecution, ctx: EvaluationContext, succeeded: bool,
                  retry_after: tuple[str | None, float] = (None, 0.0)) -> None:
        step_id = str(step.get("stepId"))
        execution.outcome = SUCCEEDED if succeeded else FAILED
        frame.steps[step_id] = {"outputs": execution.outputs}
        if step_id not in frame.ran:
            frame.ran.append(step_id)
        marker = f"{frame.document}#{frame.workflow_id}#{step_id}"
        if marker not in state.completed_steps:
            state.completed_steps.append(marker)
        detour = frame.detour
        if detour is not None and detour.get("stepId") == step_id:
            frame.detour = None
            if succeeded:
                execution.action = ActionRecord(
                    "retry", f"ran before retrying step {detour['retryStepId']!r}; back to it",
                    step_id=detour["retryStepId"], delay=detour["delay"])
                self._record(state, execution)
                self._goto(frame, detour["returnTo"], detour["delay"],
                           f"retry of {detour['retryStepId']!r}")
                return
        kind = "success" if succeeded else "failure"
        try:
            chosen, record = self._choose(frame, step, ctx, kind, retry_after)
        except ArazzoError as exc:
            execution.action = ActionRecord("fail", f"no action could be chosen: {exc}")
            self._record(state, execution)
            self._finish_frame(state, succeeded=False, error=f"step {step_id!r}: {exc}")
            return
        execution.action = record
        self._record(state, execution)
        self._apply(state, frame, step, chosen, record, succeeded, execution, ctx)

    def _choose(self, frame: Frame, step: Mapping[str, Any], ctx: EvaluationContext, kind: str,
                retry_after: tuple[str | None, float]) -> tuple[Mapping[str, Any] | None,
                                                                 ActionRecord]:
        step_id = str(step.get("stepId"))
        skipped: list[str] = []
        for action in self._actions(frame, step, kind):
            criteria = self.evaluator.criteria(action.get("criteria") or [], ctx, "criteria")
            name = action.get("name")
            if not all(c.passed for c in criteria):
                continue
            if action.get("type") == "retry":
                limit = retry_limit(action)
                if frame.retries.get(step_id, 0) >= limit:
                    skipped.append(f"retry {name!r} used up its {limit} retr"
                                   f"{'y' if limit == 1 else 'ies'}")
                    continue
            record = ActionRecord(
                type=str(action.get("type")), name=name, step_id=action.get("stepId"),
                workflow_id=action.get("workflowId"), criteria=criteria,
                reason=_why(kind, name, criteria, skipped),
            )
            if record.type == "retry":
                record.delay = self._retry_delay(action, retry_after)
            return action, record
        if kind == "success":
            return None, ActionRecord("next", "succeeded; no success action matched, so the "
                                      "next step runs" + _skipped(skipped))
        return None, ActionRecord("fail", "failed; no failure action matched, so the workflow "
                                  "fails" + _skipped(skipped))

    def _actions(self, frame: Frame, step: Mapping[str, Any], kind: str) -> list[Mapping[str, Any]]:
        """Step actions first, then the workflow's whose names the step does not override.
        Resolved once per step and kind (a polling step chooses on every poll); a list that
        does not resolve is not kept, so it fails the same way each time."""
        key = (frame.document, frame.workflow_id, id(step), kind)
        found = self._action_lists.get(key)
        if found is not None and found[0] is step:
            return found[1]
        actions = self._resolve_actions(frame, step, kind)
        self._action_lists[key] = (step, actions)
        return actions

    def _resolve_actions(self, frame: Frame, step: Mapping[str, Any],
                         kind: str) -> list[Mapping[str, Any]]:
        step_field, workflow_field = _ACTION_LISTS[kind]
        workflow = self.program.workflow(frame.document, frame.workflow_id)
        own = self._action_list(frame, step.get(step_field), step_field, workflow_field)
        names = {_hashable(a.get("name")) for a in own}
        inherited = self._action_list(frame, workflow.get(workflow_field), workflow_field,
                                      workflow_field)
        return own + [a for a in inherited if _hashable(a.get("name")) not in names]

    def _action_list(self, frame: Frame, declared: Any, field: str,
                     kind: str) -> list[Mapping[str, Any]]:
        """The Success/Failure Action Objects of one list, references resolved."""
        if not declared:
            return []
        if not isinstance(declared, list):
            raise ExecutionError(f"{field} must be a list of actions")
        actions = [self.program.reusable(frame.document, a, kind) for a in declared]
        for index, action in enumerate(actions):
            if not isinstance(action, Mapping):
                raise ExecutionError(f"{field}[{index}] is not an action object")
        return actions

    def _retry_delay(self, action: Mapping[str, Any],
                     retry_after: tuple[str | None, float]) -> float:
        header, received_at = retry_after
        seconds = parse_retry_after(header, received_at) if header else None
        if seconds is None:
            seconds = seconds_of(action.get("retryAfter"))
        return max(0.0, min(seconds, self.options.max_retry_wait))

    def _apply(self, state: RunState, frame: Frame, step: Mapping[str, Any],
               action: Mapping[str, Any] | None, record: ActionRecord, succeeded: bool,
               execution: StepExecution, ctx: EvaluationContext) -> None:
        step_id = str(step.get("stepId"))
        if record.type == "retry":
            frame.retries[step_id] = frame.retries.get(step_id, 0) + 1
            self._retry(state, frame, step_id, action or {}, record.delay or 0.0, ctx)
            return
        frame.retries.pop(step_id, None)
        if record.type == "next":
            frame.position += 1
        elif record.type == "fail":
            self._finish_frame(state, succeeded=False,
                               error=f"step {step_id!r} failed: {execution.error or 'failed'}")
        elif record.type == "end":
            error = None if succeeded else (
                f"step {step_id!r} failed and action {record.name!r} ended the workflow"
                + (f": {execution.error}" if execution.error else ""))
            self._finish_frame(state, succeeded=succeeded, error=error)
        elif record.type == "goto":
            self._apply_goto(state, frame, action or {}, execution, ctx)
        else:
            self._finish_frame(state, succeeded=False,
                               error=f"action {record.name!r} has unknown type {record.type!r}")

    def _apply_goto(self, state: RunState, frame: Frame, action: Mapping[str, Any],
                    execution: StepExecution, ctx: EvaluationContext) -> None:
        try:
            if isinstance(action.get("stepId"), str):
                target = action["stepId"]
                index = self.program.step_index(frame.document, frame.workflow_id, target)
                if target not in frame.ran:
                    frame.loop = None  # forward: any polling loop is over
                    self._goto(frame, index, 0.0, "")
                    return
                self._loop_back(frame, index, target, execution)
            elif isinstance(action.get("workflowId"), str):
                self._transfer(state, frame, action["workflowId"],
                               self._action_inputs(frame, action, ctx))
            else:
                raise ExecutionError(f"goto action {action.get('name')!r} names no target")
        except ArazzoError as exc:
            self._finish_frame(state, succeeded=False, error=str(exc))

    def _loop_back(self, frame: Frame, index: int, target: str,
                   execution: StepExecution) -> None:
        """A goto that re-runs a step: wait longer the longer the loop goes on."""
        elapsed = execution.response.elapsed_ms / 1000 if execution.response else 0.0
        streak = next_streak(frame.loop, target, elapsed)
        delay = loop_wait(self.options, streak["reruns"])
        frame.loop = {**streak, "seconds": streak["seconds"] + delay}
        self._goto(frame, index, delay, f"polling manners before re-running {target!r}")
        if delay > 0:
            frame.delay_detail = {"stepId": target, "poll": streak["reruns"] + 1,
                                  "pollingSeconds": round(streak["seconds"], 3)}

    def _goto(self, frame: Frame, index: int, delay: float, reason: str) -> None:
        frame.position = index
        if delay > 0:
            frame.delay, frame.delay_reason = delay, reason

    def _action_inputs(self, frame: Frame, action: Mapping[str, Any],
                       ctx: EvaluationContext) -> dict[str, Any]:
        """Arazzo 1.1: an action's ``parameters`` become inputs of the workflow it names, by
        name, evaluated against the exchange of the step that chose the action."""
        declared = action.get("parameters")
        if not declared:
            return {}
        if not isinstance(declared, list):
            raise ExecutionError(f"the parameters of action {action.get('name')!r} must be a "
                                 "list")
        inputs: dict[str, Any] = {}
        for item in declared:
            parameter = self.program.reusable(frame.document, item, "parameters")
            if not isinstance(parameter, Mapping):
                raise ExecutionError(f"a parameter of action {action.get('name')!r} is not an "
                                     "object")
            inputs[str(parameter.get("name"))] = self.evaluator.value(parameter.get("value"), ctx)
        return inputs

    def _retry(self, state: RunState, frame: Frame, step_id: str, action: Mapping[str, Any],
               delay: float, ctx: EvaluationContext) -> None:
        try:
            if isinstance(action.get("stepId"), str):
                index = self.program.step_index(frame.document, frame.workflow_id,
                                                action["stepId"])
                frame.detour = {"stepId": action["stepId"], "returnTo": frame.position,
                                "retryStepId": step_id, "delay": delay}
                frame.position = index
            elif isinstance(action.get("workflowId"), str):
                key, workflow_id = self.program.resolve_workflow(frame.document,
                                                                 action["workflowId"])
                inputs = {**self._forward(frame, key, workflow_id),
                          **self._action_inputs(frame, action, ctx)}
                child = self._new_frame(key, workflow_id, inputs, role="retry")
                child.origin = {"returnTo": frame.position, "delay": delay}
                self._push(state, child)
            else:
                self._goto(frame, frame.position, delay, f"retry of {step_id!r}")
        except ArazzoError as exc:
            self._finish_frame(state, succeeded=False, error=str(exc))

    def _transfer(self, state: RunState, frame: Frame, reference: str,
                  given: Mapping[str, Any]) -> None:
        """``goto`` a workflow: it replaces the current one, which ends here for good. It gets
        the current inputs it declares, and the action's parameters (Arazzo 1.1) over them."""
        key, workflow_id = self.program.resolve_workflow(frame.document, reference)
        outputs, unresolved = self._workflow_outputs(state, frame)
        state.workflows[frame.workflow_id] = {"inputs": frame.inputs, "outputs": outputs}
        successor = self._new_frame(key, workflow_id,
                                    {**self._forward(frame, key, workflow_id), **given},
                                    role=frame.role)
        successor.budget, successor.budget_ms = frame.budget, frame.budget_ms
        successor.origin = frame.origin or {
            "workflowId": frame.workflow_id, "outputs": outputs, "unresolved": unresolved}
        state.frames[-1] = successor
        self._started(state, successor)

    # workflows calling workflows ----------------------------------------------------------

    def _call_workflow(self, state: RunState, frame: Frame, step: Mapping[str, Any]) -> None:
        ctx = self.evaluator.context(state, frame)
        try:
            key, workflow_id = self.program.resolve_workflow(frame.document,
                                                             str(step["workflowId"]))
            inputs = {str(p.get("name")): self.evaluator.value(p.get("value"), ctx)
                      for p in self._parameters(frame, step)}
            child = self._new_frame(key, workflow_id, inputs, role="step")
            timeout = self._step_timeout(frame, step)
            if timeout is not None:
                child.budget, child.budget_ms = timeout, timeout * 1000
        except ArazzoError as exc:
            self._workflow_step_done(state, frame, step, {}, succeeded=False, error=str(exc))
            return
        self._push(state, child)

    def _workflow_step_done(self, state: RunState, frame: Frame, step: Mapping[str, Any],
                            child_outputs: Mapping[str, Any], succeeded: bool,
                            error: str | None, child_id: str | None = None) -> None:
        """A workflow step succeeds when its child does and its own criteria (if any) pass."""
        ctx = self.evaluator.context(state, frame, outputs=child_outputs)
        step_id = str(step.get("stepId"))
        execution = StepExecution(
            step_id=step_id, workflow_id=frame.workflow_id, outcome=FAILED, kind="workflow",
            attempt=frame.retries.get(step_id, 0) + 1, depth=len(state.frames) - 1,
            child_workflow_id=child_id,
        )
        if succeeded:
            succeeded = self._judge(step, ctx, execution, default=True)
            if not succeeded:
                execution.error = self._failure_text(execution)
        else:
            execution.error = error or "the called workflow failed"
        execution.outputs, execution.unresolved = self.evaluator.outputs(step.get("outputs"), ctx)
        self._secret_outputs(state, execution.outputs)
        self._conclude(state, frame, step, execution, ctx, succeeded)

    def _start_dependency(self, state: RunState, frame: Frame, reference: str) -> None:
        try:
            key, workflow_id = self.program.resolve_workflow(frame.document, reference)
            marker = f"{key}#{workflow_id}"
            if marker in state.completed_dependencies:
                return
            child = self._new_frame(key, workflow_id, self._forward(frame, key, workflow_id),
                                    role="dependency")
        except ArazzoError as exc:
            self._finish_frame(state, succeeded=False, error=f"dependency {reference!r}: {exc}")
            return
        child.origin = {"marker": marker}
        cycle = _cycle(state.frames, child)
        if cycle:
            self._fail_run(state, f"dependsOn cycle: {cycle} (a workflow cannot run before "
                                  "itself)")
            return
        self._push(state, child)

    def _forward(self, frame: Frame, key: str, workflow_id: str) -> dict[str, Any]:
        return forwarded_inputs(self.program.workflow(key, workflow_id), frame.inputs,
                                self.program.data(key))

    def _new_frame(self, key: str, workflow_id: str, inputs: dict[str, Any],
                   role: str) -> Frame:
        workflow = self.program.workflow(key, workflow_id)
        values = self.program.inputs_schema(key, workflow_id).prepare(inputs)
        depends = workflow.get("dependsOn")
        return Frame(
            document=key, workflow_id=workflow_id, inputs=values, role=role,
            dependencies=[d for d in depends if isinstance(d, str)]
            if isinstance(depends, list) else [],
        )

    def _push(self, state: RunState, child: Frame) -> None:
        """Starts ``child`` inside the current workflow, unless that nests too deep."""
        if len(state.frames) >= MAX_DEPTH:
            cycle = _cycle(state.frames, child)
            how = f"a workflow calls itself ({cycle})" if cycle else "too many nested calls"
            self._fail_run(state, f"workflows nest more than {MAX_DEPTH} deep: {how}")
            return
        state.frames.append(child)
        self._started(state, child)

    def _started(self, state: RunState, frame: Frame) -> None:
        workflow = self.program.workflow(frame.document, frame.workflow_id)
        add_secrets(state, secret_input_values(workflow.get("inputs"), frame.inputs,
                                                self.program.data(frame.document)))
        state.workflows[frame.workflow_id] = {"inputs": frame.inputs, "outputs": {}}
        state.events.append(RunEvent("workflow-started", {
            "workflowId": frame.workflow_id, "role": frame.role,
            "depth": len(state.frames) - 1}))

    # a workflow ends --------------------------------------------------------------------

    def _finish_frame(self, state: RunState, *, succeeded: bool, error: str | None = None) -> None:
        frame = state.frames.pop()
        if not succeeded and frame.budget is not None and frame.budget <= 1e-9 \
                and (error is None or "ran past its timeout" not in error):
            error = (f"the step calling workflow {frame.workflow_id!r} ran past its timeout of "
                     f"{frame.budget_ms:g} ms" + (f" ({error})" if error else ""))
        outputs, unresolved = self._workflow_outputs(state, frame)
        state.workflows[frame.workflow_id] = {"inputs": frame.inputs, "outputs": outputs}
        origin = frame.origin or {}
        if "outputs" in origin:  # a goto target: the caller sees the original's outputs
            outputs, unresolved = origin["outputs"], origin.get("unresolved", {})
        state.events.append(RunEvent("workflow-finished", {
            "workflowId": frame.workflow_id, "succeeded": succeeded,
            "error": None if error is None else self.masker(state).text(error),
            "depth": len(state.frames)}))
        if not state.frames:
            if succeeded and self.expectations:
                records = self.expectations.check(self._end_context(state, frame, outputs))
                state.expectations = [r.to_dict() for r in records]
                error = unmet(records)
                succeeded = error is None
            state.finished = True
            state.outcome = SUCCEEDED if succeeded else FAILED
            state.outputs, state.unresolved, state.error = outputs, unresolved, error
            state.events.append(RunEvent("run-finished", {"outcome": state.outcome}))
            return
        parent = state.frames[-1]
        if frame.role == "dependency":
            if succeeded:
                state.completed_dependencies.append(origin["marker"])
            else:
                self._finish_frame(state, succeeded=False, error=(
                    f"workflow {parent.workflow_id!r} depends on {frame.workflow_id!r}, "
                    f"which failed: {error}"))
        elif frame.role == "retry":
            if succeeded:
                self._goto(parent, origin["returnTo"], origin["delay"], "retry")
            else:
                self._finish_frame(state, succeeded=False, error=(
                    f"workflow {frame.workflow_id!r}, run before a retry, failed: {error}"))
        else:
            step = self.program.steps(parent.document, parent.workflow_id)[parent.position]
            self._workflow_step_done(state, parent, step, outputs, succeeded, error,
                                     child_id=frame.workflow_id)

    def _end_context(self, state: RunState, frame: Frame,
                     outputs: Mapping[str, Any]) -> EvaluationContext:
        """What ``expect`` conditions see: the ended workflow's outputs, steps and inputs."""
        return self.evaluator.context(state, frame, outputs=outputs)

    def _record_in_flight(self, state: RunState, reason: str) -> None:
        """The request sent whose response never came: an ``interrupted`` step in the record."""
        pending, frame = state.pending or {}, state.frames[-1]
        request = pending.get("request") or {}
        masker = self.masker(state)
        step_id = str(pending.get("stepId"))
        self._record(state, StepExecution(
            step_id=step_id, workflow_id=frame.workflow_id, outcome=INTERRUPTED,
            attempt=frame.retries.get(step_id, 0) + 1, depth=len(state.frames) - 1,
            request=RequestRecord(
                method=str(request.get("method")), url=masker.url(str(request.get("url"))),
                headers=masker.headers(request.get("headers") or {}),
                body=None if request.get("body") is None
                else recorded_body(masker.text(request["body"]))),
            error=(f"{reason} while waiting for the response: the request was sent and may "
                   "have been acted on; check before sending it again"),
        ))

    def _fail_run(self, state: RunState, reason: str, outcome: str = FAILED) -> None:
        """Stops everything (loop guard, deadline, interruption): every running workflow ends
        with ``reason``; ``outcome`` is ``failed``, or ``interrupted`` when stopped from outside."""
        state.pending = None
        while state.frames:
            frame = state.frames.pop()
            outputs, unresolved = self._workflow_outputs(state, frame)
            state.workflows[frame.workflow_id] = {"inputs": frame.inputs, "outputs": outputs}
            if not state.frames:
                origin = frame.origin or {}
                if "outputs" in origin:
                    outputs, unresolved = origin["outputs"], origin.get("unresolved", {})
                state.outputs, state.unresolved = outputs, unresolved
        state.finished, state.outcome, state.error = True, outcome, reason
        state.events.append(RunEvent("run-finished", {
            "outcome": outcome, "error": self.masker(state).text(reason)}))

    def _workflow_outputs(self, state: RunState, frame: Frame) -> tuple[dict[str, Any],
                                                                         dict[str, str]]:
        workflow = self.program.workflow(frame.document, frame.workflow_id)
        return self.evaluator.outputs(workflow.get("outputs"), self.evaluator.context(state, frame))

    def _parameters(self, frame: Frame, step: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        return self.program.parameters(frame.document, frame.workflow_id, step)

    def _body(self, step: Mapping[str, Any]) -> Mapping[str, Any] | None:
        body = step.get("requestBody")
        return body if body is not None and isinstance(body, Mapping) else None

    def masker(self, state: RunState) -> Masker:
        """A masker over every secret the run knows so far (built once per new secret).

        Keyed by the secrets themselves: runs that know the same secrets (a thousand runs
        with one token) share one masker, and a run's key can never be a finished run's."""
        key = tuple(state.secrets)
        found = self._maskers.get(key)
        if found is None:
            if len(self._maskers) > 256:
                self._maskers.clear()
            found = self._maskers[key] = Masker(state.secrets)
        return found

    def _secret_outputs(self, state: RunState, outputs: Mapping[str, Any]) -> None:
        """An output named like a secret (``accessToken``) holds one from now on."""
        for name, value in outputs.items():
            if is_secret_name(str(name)):
                add_secrets(state, harvest_named({"secret": value}))
            elif isinstance(value, (dict, list)) or (
                    type(value) not in _SCALARS and isinstance(value, Mapping)):
                add_secrets(state, harvest_named(value))

    def _only_workflow(self, key: str) -> str:
        return self.program.only_workflow(key)

    def _record(self, state: RunState, execution: StepExecution) -> None:
        mask_execution(execution, self.masker(state))
        state.executions.append(execution)
        state.events.append(RunEvent("step-finished", {"execution": execution}))


def add_secrets(state: RunState, values: list[str]) -> None:
    known = state.secrets
    for value in values:
        if value not in known:
            known.append(value)


def mask_execution(execution: StepExecution, masker: Masker) -> None:
    """Masks every text of a record that can hold run data: errors, the API's message,
    criteria details, outputs (the request and response headers are masked when built)."""
    if not masker:
        return
    text = masker.text
    if execution.error is not None:
        execution.error = text(execution.error)
    if execution.api_message is not None:
        execution.api_message = text(execution.api_message)
    if execution.request is not None:
        request = execution.request
        request.url = masker.url(request.url)
        request.headers = masker.headers(request.headers)
        if request.body is not None:
            request.body = text(request.body)
    if execution.response is not None:
        response = execution.response
        response.headers = masker.headers(response.headers)
        if response.error is not None:
            response.error = text(response.error)
    criteria = list(execution.criteria)
    if execution.action is not None:
        execution.action.reason = text(execution.action.reason)
        criteria += execution.action.criteria
    for criterion in criteria:
        criterion.detail = text(criterion.detail)
    execution.outputs = masker.value(execution.outputs)
    execution.unresolved = {k: text(v) for k, v in execution.unresolved.items()}


def _cycle(frames: list[Frame], child: Frame) -> str | None:
    """``a -> b -> a`` when ``child`` runs a workflow that is already running, else None."""
    ids = [(f.document, f.workflow_id) for f in frames]
    target = (child.document, child.workflow_id)
    if target not in ids:
        return None
    start = len(ids) - 1 - ids[::-1].index(target)
    return " -> ".join([f.workflow_id for f in frames[start:]] + [child.workflow_id])


def _hashable(value: Any) -> Any:
    """Names used as keys; a list or object where a name belongs is its text."""
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _why(kind: str, name: Any, criteria: list[CriterionRecord], skipped: list[str]) -> str:
    verb = "succeeded" if kind == "success" else "failed"
    match = (f"its criteria passed ({'; '.join(c.condition for c in criteria)})" if criteria
             else "it has no criteria")
    return f"{verb}; action {name!r} matched: {match}" + _skipped(skipped)


def _skipped(skipped: list[str]) -> str:
    return f" ({'; '.join(skipped)})" if skipped else ""


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)

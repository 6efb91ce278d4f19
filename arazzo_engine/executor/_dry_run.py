"""A dry run: the requests a run would send, built exactly as a run builds them, and none sent.

The first request comes from the machine itself (``start`` then ``decide``), so it is the very
request a run would send first: after ``dependsOn`` workflows are entered, inside a called
workflow, with inputs checked and defaulted, servers chosen, parameters merged and serialised,
body encoded, and secrets masked. Nothing is handed to a transport.

The later steps of each workflow on the way are then built as far as the inputs allow: a value
only a real run can know (``$steps.trigger.outputs.runId``, ``$response.body``) is shown as the
expression in braces and listed in ``unknown``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

from arazzo_engine.errors import ArazzoError, EvaluationError
from arazzo_engine.executor._build import build_request
from arazzo_engine.executor._http import HttpRequest
from arazzo_engine.executor._machine import Finish, Machine, SendRequest, Wait, Waited
from arazzo_engine.executor._masking import Masker
from arazzo_engine.executor._options import RunOptions
from arazzo_engine.executor._program import Program
from arazzo_engine.executor._results import RequestRecord, recorded_body
from arazzo_engine.executor._state import Frame, RunState
from arazzo_engine.expressions import EvaluationContext, compile_value

__all__ = ["DryRun", "PlannedStep", "dry_run"]

#: Workflows called from workflow steps are planned this deep; deeper ones are only named.
_MAX_NESTING = 8


@dataclass
class PlannedStep:
    """One step as a run would meet it."""

    step_id: str
    workflow_id: str
    #: ``operation`` (an HTTP request) or ``workflow`` (the step runs another workflow).
    kind: str = "operation"
    depth: int = 0
    #: The request, masked; unknown values appear as ``{$expression}``.
    request: RequestRecord | None = None
    #: The runtime expressions whose values only the run itself can know.
    unknown: list[str] = field(default_factory=list)
    #: Why the step cannot be built at all (an unknown operation, a server without a URL).
    error: str | None = None
    #: For a workflow step: the workflow it runs.
    child_workflow_id: str | None = None
    #: True for the first request: the machine built it, exactly as a run would send it.
    first: bool = False

    @property
    def complete(self) -> bool:
        return self.error is None and not self.unknown

    def to_dict(self) -> dict[str, Any]:
        return {"stepId": self.step_id, "workflowId": self.workflow_id, "kind": self.kind,
                "depth": self.depth, "first": self.first, "complete": self.complete,
                "request": self.request.to_dict() if self.request else None,
                "unknown": self.unknown, "error": self.error,
                "childWorkflowId": self.child_workflow_id}


@dataclass
class DryRun:
    """What ``run`` would do first, and what it would send after as far as can be known."""

    workflow_id: str
    steps: list[PlannedStep] = field(default_factory=list)
    #: Why the run would fail before sending anything (its first step cannot be built).
    error: str | None = None

    @property
    def first(self) -> PlannedStep | None:
        return next((s for s in self.steps if s.first), None)

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        return {"workflowId": self.workflow_id, "dryRun": True, "ok": self.ok,
                "error": self.error, "steps": [s.to_dict() for s in self.steps]}


def dry_run(program: Program, workflow_id: str | None = None,
            inputs: Mapping[str, Any] | None = None,
            options: RunOptions | None = None) -> DryRun:
    """Plans a run without sending anything. Raises as ``run`` would before its first request
    (``InputError`` for inputs the schema rejects, ``ExecutionError`` for an unknown workflow)."""
    machine = Machine(program, options or RunOptions())
    state = machine.start(workflow_id, inputs)
    action = machine.decide(state)
    while isinstance(action, Wait):  # nothing waits before a first request; never sleep here
        action = machine.decide(state, Waited())
    plan = DryRun(workflow_id=state.workflow_id)
    masker = machine.masker(state)
    if isinstance(action, Finish):
        failed = action.result.steps[-1] if action.result.steps else None
        plan.error = action.result.error
        if failed is not None:
            plan.steps.append(PlannedStep(failed.step_id, failed.workflow_id,
                                          depth=failed.depth, error=failed.error, first=True))
        return plan
    assert isinstance(action, SendRequest)
    frame = state.frames[-1]
    plan.steps.append(PlannedStep(action.step_id, frame.workflow_id,
                                  depth=len(state.frames) - 1,
                                  request=_record(action.request, masker), first=True))
    # Then, innermost workflow first, the steps each workflow on the stack would run next.
    planner = _Planner(machine, state, masker)
    top = len(state.frames) - 1
    for depth in range(top, -1, -1):
        frame = state.frames[depth]
        # A frame's position is the step it is at (the first request's, or the workflow step
        # running its child); a workflow waiting for a dependsOn has not begun its first.
        waiting = depth < top and state.frames[depth + 1].role == "dependency"
        start = frame.position + (0 if waiting else 1)
        for step in program.steps(frame.document, frame.workflow_id)[start:]:
            plan.steps += planner.step(frame, step, depth)
    return plan


class _Planner:
    def __init__(self, machine: Machine, state: RunState, masker: Masker) -> None:
        self.machine = machine
        self.program = machine.program
        self.state = state
        self.masker = masker
        #: Every expression shown as a placeholder so far: a called workflow's inputs carry
        #: its caller's placeholders into its own requests.
        self.placeholders: dict[str, None] = {}

    def step(self, frame: Frame, step: Mapping[str, Any], depth: int,
             ctx: EvaluationContext | None = None) -> list[PlannedStep]:
        step_id = str(step.get("stepId"))
        ctx = ctx or self.machine.evaluator.context(self.state, frame)
        unknown: list[str] = []
        if "workflowId" in step:
            return self._workflow_step(frame, step, depth, ctx)
        planned = PlannedStep(step_id, frame.workflow_id, depth=depth)
        try:
            target = self.program.resolve_operation(frame.document, step)
            parameters = self.program.parameters(frame.document, frame.workflow_id, step)
            body = step.get("requestBody")
            built = build_request(target, parameters,
                                  body if isinstance(body, Mapping) else None,
                                  lambda node: self._value(node, ctx, unknown),
                                  self.machine.options)
        except ArazzoError as exc:
            planned.error = self.masker.text(str(exc))
            return [planned]
        self.placeholders.update(dict.fromkeys(unknown))
        planned.request = _record(built.request, self.masker, list(self.placeholders))
        shown = f"{planned.request.url} {planned.request.headers} {planned.request.body}"
        unknown += [e for e in self.placeholders if "{" + e + "}" in shown]
        planned.unknown = list(dict.fromkeys(unknown))
        return [planned]

    def _workflow_step(self, frame: Frame, step: Mapping[str, Any], depth: int,
                       ctx: EvaluationContext) -> list[PlannedStep]:
        step_id = str(step.get("stepId"))
        planned = PlannedStep(step_id, frame.workflow_id, kind="workflow", depth=depth,
                              child_workflow_id=str(step.get("workflowId")))
        if depth >= _MAX_NESTING:
            return [planned]
        try:
            key, child_id = self.program.resolve_workflow(frame.document,
                                                          str(step["workflowId"]))
            inputs = {}
            for parameter in self.program.parameters(frame.document, frame.workflow_id, step):
                inputs[str(parameter.get("name"))] = self._value(parameter.get("value"), ctx,
                                                                 planned.unknown)
            self.placeholders.update(dict.fromkeys(planned.unknown))
        except ArazzoError as exc:
            planned.error = self.masker.text(str(exc))
            return [planned]
        inputs = self.program.inputs_schema(key, child_id).with_defaults(inputs)
        child = Frame(document=key, workflow_id=child_id, inputs=inputs, role="step")
        child_ctx = self.machine.evaluator.context(self.state, child)
        found = [planned]
        for child_step in self.program.steps(key, child_id):
            found += self.step(child, child_step, depth + 1, child_ctx)
        return found

    def _value(self, node: Any, ctx: EvaluationContext, unknown: list[str]) -> Any:
        """The node's value, or where the run alone knows it, the expression in braces."""
        try:
            return self.machine.evaluator.value(node, ctx)
        except EvaluationError:
            pass
        if isinstance(node, Mapping):
            return {key: self._value(value, ctx, unknown) for key, value in node.items()}
        if isinstance(node, list):
            return [self._value(value, ctx, unknown) for value in node]
        if not isinstance(node, str):
            return node
        try:
            references = [r.text for r in compile_value(node).references()]
        except ArazzoError:
            references = []
        unknown += references
        stripped = node.strip()
        if len(references) == 1 and stripped == references[0]:
            return "{" + stripped + "}"  # a whole expression: shown as a template would be
        return node  # a template already shows its {$expressions}


def _record(request: HttpRequest, masker: Masker,
            unknown: list[str] | None = None) -> RequestRecord:
    body = None if request.body is None else request.body.decode("utf-8", "replace")
    url = request.url
    for expression in unknown or ():  # a placeholder reads as written, not percent-encoded
        placeholder = "{" + expression + "}"
        for encoded in (quote(placeholder, safe=""), quote(placeholder),
                        quote_plus(placeholder)):
            url = url.replace(encoded, placeholder)
    return RequestRecord(method=request.method, url=masker.url(url),
                         headers=masker.headers(request.headers),
                         body=None if body is None else recorded_body(masker.text(body)))

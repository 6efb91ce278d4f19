"""Rules about control flow inside a workflow: steps that never run, loops that never end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from arazzo_engine.validation._context import ValidationContext, Workflow, text_of
from arazzo_engine.validation._diagnostic import Finding
from arazzo_engine.validation._registry import rule

EXIT = -1


def _actions(ctx: ValidationContext, workflow: Workflow, step: dict[str, Any],
             step_field: str, workflow_field: str) -> list[dict[str, Any]]:
    """The step's actions plus the workflow's, a step action overriding one of the same name."""
    own = [n for _, n, _ in ctx.effective(step.get(step_field), "")]
    names = {text_of(a, "name") for a in own} - {None}
    inherited = [n for _, n, _ in ctx.effective(workflow.node.get(workflow_field), "")
                 if text_of(n, "name") not in names]
    return own + inherited


def _edges(ctx: ValidationContext, workflow: Workflow) -> tuple[list[set[int]], list[set[int]]]:
    """Per step: where success can lead, and where failure can lead (EXIT for leaving)."""
    steps = workflow.steps()
    index = {s.id: i for i, s in enumerate(steps) if s.id is not None}
    success: list[set[int]] = []
    failure: list[set[int]] = []
    for i, step in enumerate(steps):
        on_success: set[int] = set()
        actions = _actions(ctx, workflow, step.node, "onSuccess", "successActions")
        for action in actions:
            on_success.add(_target(action, index))
        if not any("criteria" not in a for a in actions):
            on_success.add(i + 1 if i + 1 < len(steps) else EXIT)
        on_failure: set[int] = {EXIT}
        for action in _actions(ctx, workflow, step.node, "onFailure", "failureActions"):
            on_failure.add(i if action.get("type") == "retry" else EXIT)
            if action.get("type") in ("goto", "retry"):
                on_failure.add(_target(action, index))
        success.append(on_success - {None})
        failure.append(on_failure - {None})
    return success, failure


def _target(action: dict[str, Any], index: dict[str, int]) -> Any:
    if action.get("type") == "end" or "workflowId" in action:
        return EXIT
    step_id = text_of(action, "stepId")
    if action.get("type") in ("goto", "retry") and step_id is not None:
        return index.get(step_id)  # a missing step is action-target's business
    return None


def _reachable(start: int, edges: list[set[int]]) -> set[int]:
    seen, stack = set(), [start]
    while stack:
        current = stack.pop()
        if current == EXIT or current in seen:
            continue
        seen.add(current)
        stack.extend(edges[current])
    return seen


def _reaching_exit(edges: list[set[int]]) -> set[int]:
    """The steps with a path to EXIT, found backwards from it in one pass over the edges."""
    predecessors: list[list[int]] = [[] for _ in edges]
    stack = []
    for source, targets in enumerate(edges):
        for target in targets:
            if target == EXIT:
                stack.append(source)
            elif isinstance(target, int) and 0 <= target < len(edges):
                predecessors[target].append(source)
    found: set[int] = set()
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(predecessors[current])
    return found


def _listing(names: list[str], shown: int = 6) -> str:
    """Names joined for a message; a long list is cut, with how many were left out."""
    if len(names) <= shown:
        return ", ".join(names)
    return f"{', '.join(names[:shown])} and {len(names) - shown:,} more"


@rule("step-unreachable", "warning", "every step can be reached from the first one")
def step_unreachable(ctx: ValidationContext) -> Iterator[Finding]:
    for workflow in ctx.workflows:
        steps = workflow.steps()
        if not steps:
            continue
        success, failure = _edges(ctx, workflow)
        combined = [s | f for s, f in zip(success, failure, strict=True)]
        reached = _reachable(0, combined)
        for i, step in enumerate(steps):
            if i not in reached:
                yield Finding(f"step `{step.id}` can never run: no step falls through or "
                              "goes to it", step.pointer, anchor="value")


@rule("goto-loop", "warning", "a goto loop has a way out (an end, or a step after it)")
def goto_loop(ctx: ValidationContext) -> Iterator[Finding]:
    for workflow in ctx.workflows:
        steps = workflow.steps()
        if not steps:
            continue
        success, _ = _edges(ctx, workflow)
        reached = _reachable(0, success)
        can_finish = _reaching_exit(success)
        trapped = sorted(i for i in reached if i not in can_finish)
        if trapped:
            names = _listing([f"`{steps[i].id}`" for i in trapped])
            yield Finding(f"steps {names} loop forever when they succeed: no success path "
                          "leads to an `end` or past the loop", steps[trapped[0]].pointer,
                          anchor="value", hint="add an `end` action or a criteria-guarded "
                          "goto that leaves the loop")

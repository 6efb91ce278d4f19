"""The control-flow graph of a workflow: where each step's success and failure can lead."""

from __future__ import annotations

from typing import Any

from arazzo_engine.validation._context import ValidationContext, Workflow, text_of

EXIT = -1


def _actions(ctx: ValidationContext, workflow: Workflow, step: dict[str, Any],
             step_field: str, workflow_field: str) -> list[dict[str, Any]]:
    """The step's actions plus the workflow's, a step action overriding one of the same name."""
    own = [n for _, n, _ in ctx.effective(step.get(step_field), "")]
    names = {text_of(a, "name") for a in own} - {None}
    inherited = [n for _, n, _ in ctx.effective(workflow.node.get(workflow_field), "")
                 if text_of(n, "name") not in names]
    return own + inherited


def edges(ctx: ValidationContext, workflow: Workflow) -> tuple[list[set[int]], list[set[int]]]:
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


def reachable(start: int, edges: list[set[int]], avoiding: int | None = None) -> set[int]:
    """The steps a run starting at ``start`` can reach, never passing through ``avoiding``."""
    seen, stack = set(), [start]
    while stack:
        current = stack.pop()
        if current in (EXIT, avoiding) or current in seen:
            continue
        seen.add(current)
        stack.extend(edges[current])
    return seen

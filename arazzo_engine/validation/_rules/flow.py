"""Rules about control flow inside a workflow: steps that never run, loops that never end."""

from __future__ import annotations

from collections.abc import Iterator

from arazzo_engine.validation._context import ValidationContext
from arazzo_engine.validation._diagnostic import Finding
from arazzo_engine.validation._registry import rule
from arazzo_engine.validation._rules._graph import EXIT, edges, reachable


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
        success, failure = edges(ctx, workflow)
        combined = [s | f for s, f in zip(success, failure, strict=True)]
        reached = reachable(0, combined)
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
        success, _ = edges(ctx, workflow)
        reached = reachable(0, success)
        can_finish = _reaching_exit(success)
        trapped = sorted(i for i in reached if i not in can_finish)
        if trapped:
            names = _listing([f"`{steps[i].id}`" for i in trapped])
            yield Finding(f"steps {names} loop forever when they succeed: no success path "
                          "leads to an `end` or past the loop", steps[trapped[0]].pointer,
                          anchor="value", hint="add an `end` action or a criteria-guarded "
                          "goto that leaves the loop")

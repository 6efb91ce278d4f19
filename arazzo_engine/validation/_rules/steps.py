"""Arazzo 1.1 step dependencies: ``dependsOn`` names real steps, and the order can be met.

"Tools MUST respect all declared dependsOn relationships. Tools MUST also treat runtime
expression output references (e.g. ``$steps.stepId.outputs.field``) as implicit dependencies"
(Step Dependencies and Execution Order). arazzo-engine runs the steps of a workflow in the order
they are listed (goto aside) and never reorders them, so a step that can run before a step it
depends on has run is a mistake the validator can show before the run meets it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from arazzo_engine.validation._context import (
    Step,
    ValidationContext,
    Workflow,
    items,
    suggest,
    text_of,
)
from arazzo_engine.validation._diagnostic import Finding
from arazzo_engine.validation._registry import rule
from arazzo_engine.validation._rules._graph import edges, reachable
from arazzo_engine.validation._rules._sites import references

#: ``$workflows.<workflowId>.steps.<stepId>``: a step of another workflow of this document.
OTHER_WORKFLOW = re.compile(r"^\$workflows\.(?P<workflow>[^.]+)\.steps\.(?P<step>[^.]+)$")
#: ``$sourceDescriptions.<name>.<workflowId>.steps.<stepId>``: a step of another document.
OTHER_DOCUMENT = re.compile(
    r"^\$sourceDescriptions\.(?P<source>[^.]+)\.(?P<workflow>[^.]+)\.steps\.(?P<step>[^.]+)$")


@rule("step-depends-on", "error",
      "a step's dependsOn names existing steps (stepId, $workflows.<id>.steps.<id> or "
      "$sourceDescriptions.<name>.<id>.steps.<id>), each once, without cycles")
def step_depends_on(ctx: ValidationContext) -> Iterator[Finding]:
    if ctx.spec == "1.0":
        return
    for workflow in ctx.workflows:
        graph: dict[str, list[str]] = {}
        for step in workflow.steps():
            for target, local in _entries(ctx, step):
                if local is not None and step.id is not None:
                    graph.setdefault(step.id, []).append(local)
                if target is not None:
                    yield target
        yield from _cycles(workflow, graph)


def _entries(ctx: ValidationContext, step: Step) -> Iterator[tuple[Finding | None, str | None]]:
    """(finding or None, local stepId or None) per dependsOn entry."""
    value = step.node.get("dependsOn")
    if not isinstance(value, list):
        return
    seen: dict[str, int] = {}
    for index, entry in enumerate(value):
        pointer = f"{step.pointer}/dependsOn/{index}"
        if not isinstance(entry, str):
            continue
        if entry in seen:
            yield Finding(f"`{entry}` is already listed as item {seen[entry]} of dependsOn",
                          pointer, anchor="value"), None
            continue
        seen[entry] = index
        if not entry.startswith("$"):
            yield _local(step, entry, pointer), entry if entry != step.id else None
            continue
        other = OTHER_WORKFLOW.match(entry)
        if other is not None:
            yield _in_workflow(ctx, other["workflow"], other["step"], entry, pointer), None
            continue
        remote = OTHER_DOCUMENT.match(entry)
        if remote is not None:
            yield _in_source(ctx, remote, entry, pointer), None
            continue
        hint = None
        if entry.startswith("$steps."):
            hint = f"write the stepId alone: {entry.removeprefix('$steps.').split('.')[0]}"
        yield Finding(f"`{entry}` is not a step reference: write a stepId of this workflow, "
                      "$workflows.<workflowId>.steps.<stepId> or "
                      "$sourceDescriptions.<name>.<workflowId>.steps.<stepId>",
                      pointer, anchor="value", hint=hint), None


def _local(step: Step, entry: str, pointer: str) -> Finding | None:
    if entry == step.id:
        return Finding(f"step `{entry}` depends on itself", pointer, anchor="value")
    steps = step.workflow.steps_by_id
    if entry in steps:
        return None
    return Finding(f"workflow `{step.workflow.id}` has no step `{entry}`", pointer,
                   anchor="value", hint=suggest(entry, set(steps)))


def _in_workflow(ctx: ValidationContext, workflow_id: str, step_id: str, entry: str,
                 pointer: str) -> Finding | None:
    workflow = ctx.workflows_by_id.get(workflow_id)
    if workflow is None:
        return Finding(f"`{entry}`: there is no workflow `{workflow_id}`", pointer,
                       anchor="value", hint=suggest(workflow_id, set(ctx.workflows_by_id)))
    if step_id not in workflow.steps_by_id:
        return Finding(f"`{entry}`: workflow `{workflow_id}` has no step `{step_id}`", pointer,
                       anchor="value", hint=suggest(step_id, workflow.step_ids()))
    return None


def _in_source(ctx: ValidationContext, match: re.Match[str], entry: str,
               pointer: str) -> Finding | None:
    name, workflow_id, step_id = match["source"], match["workflow"], match["step"]
    if name not in ctx.source_names:
        return Finding(f"`{entry}`: there is no source description `{name}`", pointer,
                       anchor="value", hint=suggest(name, ctx.source_names))
    source = ctx.sources.get(name)
    if source is None or source.document is None:
        return None  # reported once, at the source (source-load)
    if source.type != "arazzo":
        return Finding(f"`{entry}`: source `{name}` is not an Arazzo description, so it has "
                       "no workflows", pointer, anchor="value")
    data = source.document.data if isinstance(source.document.data, dict) else {}
    for _, node in items(data.get("workflows"), "/workflows"):
        if node.get("workflowId") == workflow_id:
            ids = {text_of(s, "stepId") for _, s in items(node.get("steps"), "")} - {None}
            if step_id in ids:
                return None
            return Finding(f"`{entry}`: workflow `{workflow_id}` of source `{name}` has no "
                           f"step `{step_id}`", pointer, anchor="value",
                           hint=suggest(step_id, {i for i in ids if i}))
    return Finding(f"`{entry}`: source `{name}` has no workflow `{workflow_id}`", pointer,
                   anchor="value")


def _cycles(workflow: Workflow, graph: dict[str, list[str]]) -> Iterator[Finding]:
    reported: set[str] = set()
    for start in graph:
        path = _cycle_from(start, graph)
        if path is None or reported & set(path):
            continue
        reported.update(path)
        chain = " -> ".join(f"`{s}`" for s in [*path, path[0]])
        step = workflow.steps_by_id[path[0]]
        yield Finding(f"dependsOn forms a cycle: {chain}; none of these steps can ever run",
                      step.pointer + "/dependsOn")


def _cycle_from(start: str, graph: dict[str, list[str]]) -> list[str] | None:
    """The steps of a cycle through ``start``, in dependency order, if there is one."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        current, path = stack.pop()
        for target in graph.get(current, []):
            if target == start:
                return path
            if target not in seen:
                seen.add(target)
                stack.append((target, [*path, target]))
    return None


@rule("step-order", "error",
      "a step never runs before a step it depends on (dependsOn, or $steps.<id>.outputs it "
      "reads): steps run in the order listed")
def step_order(ctx: ValidationContext) -> Iterator[Finding]:
    if ctx.spec == "1.0":
        return
    implicit = _implicit_dependencies(ctx)
    for workflow in ctx.workflows:
        steps = workflow.steps()
        if len(steps) < 2:
            continue
        position = {s.id: i for i, s in enumerate(steps) if s.id is not None}
        success, failure = edges(ctx, workflow)
        graph = [s | f for s, f in zip(success, failure, strict=True)]
        before: dict[int, set[int]] = {}  # dependency -> steps reachable without it
        for index, step in enumerate(steps):
            for pointer, depends, how, offset in _dependencies(step, implicit):
                target = position.get(depends)
                if target is None or target == index:
                    continue  # a missing step is another rule's business; itself: none
                if target not in before:
                    before[target] = reachable(0, graph, avoiding=target)
                if index not in before[target]:
                    continue
                forward = target > index
                where = "is listed after it" if forward else "can be skipped on the way to it"
                yield Finding(
                    f"step `{step.id}` {how} step `{depends}`, which {where}: steps run in the "
                    f"order listed, so `{step.id}` can run before `{depends}` has run",
                    pointer, anchor="value", offset=offset,
                    severity=None if forward else "warning",
                    hint="move the step it depends on earlier" if forward else None)


Implicit = dict[int, list[tuple[str, str, int]]]


def _implicit_dependencies(ctx: ValidationContext) -> Implicit:
    """Per step (by id()): (pointer, stepId, offset) of each ``$steps.<id>.outputs`` it reads."""
    found: Implicit = {}
    for site, reference in references(ctx):
        if site.step is None or reference.root != "steps" or len(reference.segments) < 2:
            continue
        if reference.segments[1] != "outputs":
            continue
        found.setdefault(id(site.step.node), []).append(
            (site.pointer, reference.segments[0], max(0, reference.column - 1)))
    return found


def _dependencies(step: Step, implicit: Implicit) -> Iterator[tuple[str, str, str, int]]:
    """(pointer, stepId, how it depends, offset) for each same-workflow dependency of a step."""
    value: Any = step.node.get("dependsOn")
    for index, entry in enumerate(value if isinstance(value, list) else []):
        if isinstance(entry, str) and not entry.startswith("$"):
            yield f"{step.pointer}/dependsOn/{index}", entry, "depends on", 0
    reported: set[str] = set()
    for pointer, step_id, offset in implicit.get(id(step.node), []):
        if step_id not in reported:
            reported.add(step_id)
            yield pointer, step_id, "reads the outputs of", offset

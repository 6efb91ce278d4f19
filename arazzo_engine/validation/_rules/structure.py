"""Rules about the document's own structure: ids, uniqueness and which fields go together."""

from __future__ import annotations

import re
from collections.abc import Iterator

from arazzo_engine.document import join_pointer
from arazzo_engine.validation._context import ValidationContext, items
from arazzo_engine.validation._diagnostic import Finding
from arazzo_engine.validation._registry import rule
from arazzo_engine.validation._rules._walk import (
    action_lists,
    criteria,
    duplicates,
    literal_actions,
    parameter_lists,
)

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_\-]+$")
TARGET_FIELDS = ("operationId", "operationPath", "workflowId")


def _position(pointer: str) -> str:
    return "item " + pointer.rsplit("/", 1)[-1]


@rule("workflow-id-unique", "error", "workflowIds are unique within the document")
def workflow_id_unique(ctx: ValidationContext) -> Iterator[Finding]:
    keys = [(w.pointer + "/workflowId", w.id) for w in ctx.workflows if w.id is not None]
    for pointer, key, _ in duplicates(keys):
        yield Finding(f"workflowId `{key}` is used by more than one workflow", pointer)


@rule("step-id-unique", "error", "stepIds are unique within their workflow")
def step_id_unique(ctx: ValidationContext) -> Iterator[Finding]:
    for workflow in ctx.workflows:
        keys = [(s.pointer + "/stepId", s.id) for s in workflow.steps() if s.id is not None]
        for pointer, key, _ in duplicates(keys):
            yield Finding(f"stepId `{key}` is used by more than one step of workflow "
                          f"`{workflow.id}`", pointer)


@rule("source-name-unique", "error", "source description names are unique")
def source_name_unique(ctx: ValidationContext) -> Iterator[Finding]:
    nodes = items(ctx.data.get("sourceDescriptions"), "/sourceDescriptions")
    keys = [(p + "/name", n["name"]) for p, n in nodes if isinstance(n.get("name"), str)]
    for pointer, key, _ in duplicates(keys):
        yield Finding(f"source description name `{key}` is used more than once", pointer)


@rule("id-pattern", "warning",
      "source names, workflowIds and stepIds follow [A-Za-z0-9_-]+ (the spec's SHOULD)")
def id_pattern(ctx: ValidationContext) -> Iterator[Finding]:
    named = [(p + "/name", n.get("name"), "source description name")
             for p, n in items(ctx.data.get("sourceDescriptions"), "/sourceDescriptions")]
    named += [(w.pointer + "/workflowId", w.id, "workflowId") for w in ctx.workflows]
    named += [(s.pointer + "/stepId", s.id, "stepId") for s in ctx.steps()]
    for pointer, value, what in named:
        if isinstance(value, str) and value and not NAME_PATTERN.match(value):
            yield Finding(f"{what} `{value}` should use only letters, digits, `_` and `-`",
                          pointer, hint="runtime expressions such as $steps.<id> cannot name it "
                          "reliably otherwise")


@rule("step-target", "error",
      "a step has exactly one of operationId, operationPath and workflowId")
def step_target(ctx: ValidationContext) -> Iterator[Finding]:
    for step in ctx.steps():
        present = [f for f in TARGET_FIELDS if f in step.node]
        if not present:
            yield Finding(f"step `{step.id}` needs one of `operationId`, `operationPath` or "
                          "`workflowId`", step.pointer, anchor="value")
        for extra in present[1:]:
            yield Finding(f"`{extra}` cannot be combined with `{present[0]}`: a step has exactly "
                          "one target", step.pointer + "/" + extra)


@rule("parameter-unique", "error", "a parameter list names each (name, in) pair once")
def parameter_unique(ctx: ValidationContext) -> Iterator[Finding]:
    for site in parameter_lists(ctx):
        keys = [(p, (n.get("name"), n.get("in"))) for p, n, _ in ctx.effective(site.value,
                                                                              site.pointer)]
        for pointer, (name, where), first in duplicates(keys):
            location = f" in {where}" if where else ""
            yield Finding(f"parameter `{name}`{location} is listed twice (first as "
                          f"{_position(first)})", pointer, anchor="value")


@rule("action-unique", "error", "an action list names each action once")
def action_unique(ctx: ValidationContext) -> Iterator[Finding]:
    for site in action_lists(ctx):
        keys = [(p, n.get("name")) for p, n, _ in ctx.effective(site.value, site.pointer)
                if isinstance(n.get("name"), str)]
        for pointer, name, first in duplicates(keys):
            yield Finding(f"action `{name}` is listed twice (first as {_position(first)})",
                          pointer, anchor="value")


@rule("parameter-in", "error",
      "operation steps' parameters say `in`; workflow steps' parameters do not")
def parameter_in(ctx: ValidationContext) -> Iterator[Finding]:
    for site in parameter_lists(ctx):
        if site.step is None:
            kinds = {s.kind for s in site.workflow.steps()}
            needs_in = "operation" in kinds
        else:
            needs_in = site.step.kind == "operation"
        for pointer, node, referenced in ctx.effective(site.value, site.pointer):
            name = node.get("name")
            via = " (from its component)" if referenced else ""
            if needs_in and "in" not in node:
                owner = "an operation step" if site.step else "a workflow with operation steps"
                yield Finding(f"parameter `{name}`{via} needs `in` (path, query, header or "
                              f"cookie): it is passed to {owner}", pointer, anchor="value")
            elif site.step is not None and site.step.kind == "workflow" and "in" in node:
                yield Finding(f"parameter `{name}`{via} has `in`, but a workflow step's "
                              "parameters map to the workflow's inputs", pointer if referenced
                              else pointer + "/in", severity="warning")


@rule("parameter-in-body", "error", "`in: body` (removed in Arazzo 1.0.1) is not used")
def parameter_in_body(ctx: ValidationContext) -> Iterator[Finding]:
    old = ctx.version == "1.0.0"
    for site in parameter_lists(ctx):
        for pointer, node in items(site.value, site.pointer):
            if node.get("in") == "body":
                yield Finding("`in: body` was removed in Arazzo 1.0.1; pass the body with "
                              "`requestBody`", pointer + "/in",
                              severity="warning" if old else "error")


@rule("action-fields", "error",
      "actions use stepId xor workflowId, and only the fields their type allows")
def action_fields(ctx: ValidationContext) -> Iterator[Finding]:
    for pointer, node, kind in literal_actions(ctx):
        action_type = node.get("type")
        name = node.get("name")
        targets = [f for f in ("stepId", "workflowId") if f in node]
        if len(targets) == 2:
            yield Finding(f"action `{name}` has both `stepId` and `workflowId`; they are "
                          "mutually exclusive", pointer + "/workflowId")
        if action_type == "goto" and not targets:
            yield Finding(f"`goto` action `{name}` needs a `stepId` or a `workflowId`", pointer,
                          anchor="value")
        if action_type == "end":
            for field in targets:
                yield Finding(f"`end` action `{name}` takes no `{field}`",
                              join_pointer(pointer, field))
        if kind == "failure" and action_type in ("end", "goto"):
            for field in ("retryAfter", "retryLimit"):
                if field in node:
                    yield Finding(f"`{field}` applies only to a `retry` action; "
                                  f"`{name}` is `{action_type}`", join_pointer(pointer, field))


@rule("criterion-context", "error", "a criterion with a `type` has a `context`")
def criterion_context(ctx: ValidationContext) -> Iterator[Finding]:
    for pointer, node in criteria(ctx):
        kind = node.get("type")
        if kind is None or "context" in node:
            continue
        label = kind.get("type") if isinstance(kind, dict) else kind
        yield Finding(f"a `{label}` criterion needs a `context` (the runtime expression it "
                      "applies to, such as $response.body)", pointer, anchor="value",
                      severity="warning" if kind == "simple" else None)


@rule("request-body-workflow-step", "warning",
      "requestBody is only for steps that call an operation")
def request_body_workflow_step(ctx: ValidationContext) -> Iterator[Finding]:
    for step in ctx.steps():
        if step.kind == "workflow" and "requestBody" in step.node:
            yield Finding(f"step `{step.id}` calls a workflow, so its `requestBody` is never "
                          "sent; pass values as parameters instead", step.pointer + "/requestBody")

"""Rules about the document's own structure: ids, uniqueness and which fields go together."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from arazzo_engine.document import join_pointer
from arazzo_engine.validation._context import ValidationContext, items
from arazzo_engine.validation._diagnostic import Finding
from arazzo_engine.validation._registry import rule
from arazzo_engine.validation._rules._walk import (
    ListSite,
    action_lists,
    criteria,
    duplicates,
    literal_actions,
    parameter_lists,
)

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_\-]+$")
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
#: RFC 9110 media type: type "/" subtype, then parameters (a token or a quoted string each).
MEDIA_TYPE = re.compile(
    rf'^{_TOKEN}/{_TOKEN}(\s*;(\s*{_TOKEN}=({_TOKEN}|"([^"\\]|\\.)*"))?)*\s*$')
#: A step's target fields, by feature set: exactly one of them.
TARGET_FIELDS = {"1.0": ("operationId", "operationPath", "workflowId"),
                 "1.1": ("operationId", "operationPath", "channelPath", "workflowId")}


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


@rule("source-name-pattern", "error",
      "source description names match ^[A-Za-z0-9_\\-]+$, as the official Arazzo 1.0 schema "
      "requires")
def source_name_pattern(ctx: ValidationContext) -> Iterator[Finding]:
    for pointer, node in items(ctx.data.get("sourceDescriptions"), "/sourceDescriptions"):
        name = node.get("name")
        if isinstance(name, str) and name and not NAME_PATTERN.match(name):
            yield Finding(f"source description name `{name}` may use only letters, digits, "
                          "`_` and `-` (the official Arazzo 1.0 schema's ^[A-Za-z0-9_\\-]+$)",
                          pointer + "/name", hint="runtime expressions such as "
                          "$sourceDescriptions.<name>.<operationId> cannot name it otherwise",
                          cause=f"node:{pointer}/name", defines=True)


@rule("id-pattern", "warning",
      "workflowIds and stepIds follow [A-Za-z0-9_-]+ (the spec's SHOULD)")
def id_pattern(ctx: ValidationContext) -> Iterator[Finding]:
    named = [(w.pointer + "/workflowId", w.id, "workflowId") for w in ctx.workflows]
    named += [(s.pointer + "/stepId", s.id, "stepId") for s in ctx.steps()]
    for pointer, value, what in named:
        if isinstance(value, str) and value and not NAME_PATTERN.match(value):
            yield Finding(f"{what} `{value}` should use only letters, digits, `_` and `-`",
                          pointer, hint="runtime expressions such as $steps.<id> cannot name it "
                          "reliably otherwise", cause=f"node:{pointer}", defines=True,
                          alike=f"id-pattern:{what}")  # a generator names every step alike


@rule("step-target", "error",
      "a step has exactly one of operationId, operationPath, workflowId (and, since 1.1, "
      "channelPath)")
def step_target(ctx: ValidationContext) -> Iterator[Finding]:
    fields = TARGET_FIELDS[ctx.spec]
    named = ", ".join(f"`{f}`" for f in fields[:-1]) + f" or `{fields[-1]}`"
    for step in ctx.steps():
        present = [f for f in fields if f in step.node]
        if not present:
            yield Finding(f"step `{step.id}` needs one of {named}", step.pointer,
                          anchor="value")
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


def _canonical(node: Any) -> str:
    """Equal JSON data gives equal text, whatever the order of its members."""
    return json.dumps(node, sort_keys=True, default=str)


@rule("action-unique", "error",
      "an action list names each action once, and no action repeats another under a new name")
def action_unique(ctx: ValidationContext) -> Iterator[Finding]:
    for site in action_lists(ctx):
        effective = list(ctx.effective(site.value, site.pointer))
        keys = [(p, n.get("name")) for p, n, _ in effective if isinstance(n.get("name"), str)]
        twice = set()
        for pointer, name, first in duplicates(keys):
            twice.add(pointer)
            yield Finding(f"action `{name}` is listed twice (first as {_position(first)})",
                          pointer, anchor="value")
        names = {p: n.get("name") for p, n, _ in effective}
        bodies = [(p, _canonical({k: v for k, v in n.items() if k != "name"}))
                  for p, n, _ in effective if p not in twice]
        for pointer, _, first in duplicates(bodies):
            yield Finding(f"action `{names[pointer]}` does what `{names[first]}` "
                          f"({_position(first)}) does under the same criteria, so it is never "
                          "chosen: the first matching action wins", pointer, anchor="value",
                          severity="warning")


@rule("criterion-unique", "warning", "a criteria list states each criterion once")
def criterion_unique(ctx: ValidationContext) -> Iterator[Finding]:
    lists = [(s.pointer + "/successCriteria", s.node.get("successCriteria"))
             for s in ctx.steps()]
    lists += [(p + "/criteria", n.get("criteria")) for p, n, _ in literal_actions(ctx)]
    for list_pointer, value in lists:
        keys = [(p, _canonical(n)) for p, n in items(value, list_pointer)]
        for pointer, _, first in duplicates(keys):
            yield Finding(f"this criterion repeats {_position(first)} of the list and adds "
                          "nothing", pointer, anchor="value")


@rule("replacement-target-unique", "warning",
      "a requestBody's replacements write each target once")
def replacement_target_unique(ctx: ValidationContext) -> Iterator[Finding]:
    for step in ctx.steps():
        body = step.node.get("requestBody")
        if not isinstance(body, dict):
            continue
        nodes = items(body.get("replacements"), step.pointer + "/requestBody/replacements")
        keys = [(p + "/target", n["target"]) for p, n in nodes if isinstance(n.get("target"), str)]
        for pointer, target, first in duplicates(keys):
            replacement = first.rsplit("/", 1)[0]
            yield Finding(f"target `{target}` is already replaced by {_position(replacement)}; "
                          "only the last value written survives", pointer)


@rule("request-body-content-type", "error", "a requestBody's contentType is a media type")
def request_body_content_type(ctx: ValidationContext) -> Iterator[Finding]:
    for step in ctx.steps():
        body = step.node.get("requestBody")
        content_type = body.get("contentType") if isinstance(body, dict) else None
        if isinstance(content_type, str) and not MEDIA_TYPE.match(content_type):
            yield Finding(f"contentType `{content_type}` is not a media type",
                          step.pointer + "/requestBody/contentType", anchor="value",
                          hint="write type/subtype, optionally with parameters: "
                               "application/json; charset=utf-8")


#: Where a parameter passed to an operation may go, by feature set.
LOCATION_NAMES = {"1.0": "path, query, header or cookie",
                  "1.1": "path, query, querystring, header or cookie"}
#: Locations an AsyncAPI message can carry (its headers, its channel's address parameters).
ASYNC_LOCATIONS = ("header", "channel")


@rule("parameter-in", "error",
      "operation steps' parameters say `in` (and one their API has); workflow steps' and "
      "actions' parameters do not")
def parameter_in(ctx: ValidationContext) -> Iterator[Finding]:
    for site in parameter_lists(ctx):
        if site.action is not None:
            yield from _action_parameters(ctx, site)
            continue
        api = ctx.step_api(site.step) if site.step is not None else None
        if site.step is None:
            assert site.workflow is not None, "workflow and step lists belong to a workflow"
            apis = {ctx.step_api(s) for s in site.workflow.steps()}
            needs_in = bool(apis & {"openapi", "asyncapi"})
        else:
            needs_in = api in ("openapi", "asyncapi")
        for pointer, node, referenced in ctx.effective(site.value, site.pointer):
            name = node.get("name")
            via = " (from its component)" if referenced else ""
            where = pointer if referenced else pointer + "/in"
            if needs_in and "in" not in node:
                owner = ("an AsyncAPI step" if api == "asyncapi" else "an operation step") \
                    if site.step else "a workflow with operation steps"
                yield Finding(f"parameter `{name}`{via} needs `in` "
                              f"({LOCATION_NAMES[ctx.spec]}): it is passed to {owner}",
                              pointer, anchor="value")
            elif api == "workflow" and "in" in node:
                yield Finding(f"parameter `{name}`{via} has `in`, but a workflow step's "
                              "parameters map to the workflow's inputs", where,
                              severity="warning")
            elif api == "openapi" and node.get("in") == "channel":
                yield Finding(f"parameter `{name}`{via} is `in: channel`, an AsyncAPI channel "
                              f"parameter, but step `{site.step.id if site.step else ''}` calls "
                              "an OpenAPI operation", where)
            elif api == "asyncapi" and "in" in node and node.get("in") not in ASYNC_LOCATIONS:
                yield Finding(f"parameter `{name}`{via} is `in: {node.get('in')}`, but an "
                              "AsyncAPI message carries only headers (`in: header`) and "
                              "channel parameters (`in: channel`)", where, severity="warning")


def _action_parameters(ctx: ValidationContext, site: ListSite) -> Iterator[Finding]:
    """Arazzo 1.1: an action's parameters become the inputs of the workflow it names, and
    "the `in` field MUST NOT be used"."""
    for pointer, node, referenced in ctx.effective(site.value, site.pointer):
        if "in" in node:
            via = " (from its component)" if referenced else ""
            yield Finding(f"parameter `{node.get('name')}`{via} of action "
                          f"`{(site.action or {}).get('name')}` has `in`, which an action's "
                          "parameters must not have: they become the inputs of the workflow "
                          "the action names", pointer if referenced else pointer + "/in")


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
        targets: list[str] = [f for f in ("stepId", "workflowId") if f in node]
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
        if "parameters" in node and "workflowId" not in node:
            yield Finding(f"action `{name}` has `parameters`, which are passed to the workflow "
                          "an action names: it needs a `workflowId`",
                          join_pointer(pointer, "parameters"))
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

"""Where the lists rules care about live in a document (parameters, actions, criteria)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from arazzo_engine.document import join_pointer
from arazzo_engine.validation._context import Step, ValidationContext, Workflow, items, members

ACTION_FIELDS = {
    "success": ("successActions", "onSuccess"),
    "failure": ("failureActions", "onFailure"),
}


@dataclass(frozen=True)
class ListSite:
    """A parameter or action list as written, with the workflow and step that own it.

    ``action`` is set for the ``parameters`` of a success or failure action (Arazzo 1.1),
    which go to the workflow the action names; ``workflow`` is None for a component's action.
    """

    pointer: str
    value: Any
    workflow: Workflow | None
    step: Step | None
    kind: str  # "parameters", "success" or "failure"
    action: dict[str, Any] | None = None


def parameter_lists(ctx: ValidationContext) -> Iterator[ListSite]:
    for workflow in ctx.workflows:
        yield ListSite(workflow.pointer + "/parameters", workflow.node.get("parameters"),
                       workflow, None, "parameters")
        for step in workflow.steps():
            yield ListSite(step.pointer + "/parameters", step.node.get("parameters"),
                           workflow, step, "parameters")
    if ctx.spec != "1.0":
        yield from action_parameter_lists(ctx)


def action_parameter_lists(ctx: ValidationContext) -> Iterator[ListSite]:
    """The ``parameters`` of every action written out (Arazzo 1.1), components' included."""
    for site in action_lists(ctx):
        for pointer, node in items(site.value, site.pointer):
            if "reference" not in node and "parameters" in node:
                yield ListSite(pointer + "/parameters", node["parameters"], site.workflow,
                               site.step, "parameters", action=node)
    for section in ("successActions", "failureActions"):
        for pointer, _, node in members(ctx.components(section), f"/components/{section}"):
            if isinstance(node, dict) and "parameters" in node:
                yield ListSite(pointer + "/parameters", node["parameters"], None, None,
                               "parameters", action=node)


def action_lists(ctx: ValidationContext) -> Iterator[ListSite]:
    for workflow in ctx.workflows:
        for kind, (workflow_field, step_field) in ACTION_FIELDS.items():
            yield ListSite(join_pointer(workflow.pointer, workflow_field),
                           workflow.node.get(workflow_field), workflow, None, kind)
            for step in workflow.steps():
                yield ListSite(join_pointer(step.pointer, step_field),
                               step.node.get(step_field), workflow, step, kind)


def literal_actions(ctx: ValidationContext) -> Iterator[tuple[str, dict[str, Any], str]]:
    """Every action object written out (in workflows, steps and components): pointer, node, kind."""
    for site in action_lists(ctx):
        for pointer, node in items(site.value, site.pointer):
            if "reference" not in node:
                yield pointer, node, site.kind
    for kind, section in (("success", "successActions"), ("failure", "failureActions")):
        for pointer, _, node in members(ctx.components(section), f"/components/{section}"):
            if isinstance(node, dict):
                yield pointer, node, kind


def criteria(ctx: ValidationContext) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Criterion Object: step success criteria and action criteria."""
    for step in ctx.steps():
        yield from items(step.node.get("successCriteria"), step.pointer + "/successCriteria")
    for pointer, node, _ in literal_actions(ctx):
        yield from items(node.get("criteria"), pointer + "/criteria")


def duplicates(keys: list[tuple[str, Any]]) -> Iterator[tuple[str, Any, str]]:
    """(pointer, key, first pointer) for each key already seen earlier in the list."""
    seen: dict[Any, str] = {}
    for pointer, key in keys:
        try:
            hash(key)
        except TypeError:  # a list or mapping where a name belongs: the schema reports it
            continue
        if key in seen:
            yield pointer, key, seen[key]
        else:
            seen[key] = pointer

"""Every runtime expression in a document, compiled once and shared by the rules that read them.

The expression language is imported lazily: a rule that cannot compile reports through the
driver's safety net instead of breaking the whole validator at import time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from arazzo_engine.document import join_pointer
from arazzo_engine.expressions._selectors import is_selector
from arazzo_engine.validation._context import (
    Step,
    ValidationContext,
    Workflow,
    items,
    members,
)
from arazzo_engine.validation._rules._walk import action_parameter_lists, criteria


@dataclass(frozen=True)
class Site:
    """One string that may hold runtime expressions (or, in Arazzo 1.1, one Selector Object),
    with the workflow and step around it."""

    pointer: str
    text: Any  # the string, or the Selector Object
    kind: str  # "value", "action-value", "output", "context" or "condition"
    workflow: Workflow | None
    step: Step | None


@dataclass(frozen=True)
class Compiled:
    site: Site
    compiled: Any = None  # CompiledValue / RuntimeExpression / CompiledCriterion
    error: Any = None  # ExpressionError


def _leaves(value: Any, pointer: str, selectors: bool) -> Iterator[tuple[str, Any]]:
    """Each string of a value, and (``selectors``: Arazzo 1.1) each Selector Object whole."""
    if isinstance(value, str):
        yield pointer, value
    elif isinstance(value, dict):
        if selectors and is_selector(value):
            yield pointer, value
            return
        for key, item in value.items():
            yield from _leaves(item, join_pointer(pointer, key), selectors)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, join_pointer(pointer, index), selectors)


def _owner(ctx: ValidationContext, pointer: str) -> tuple[Workflow | None, Step | None]:
    """The workflow and step a pointer lies in, read off its ``/workflows/i/steps/j`` prefix."""
    owners = ctx.shared.get("owners")
    if owners is None:
        owners = {}
        for workflow in ctx.workflows:
            owners[workflow.pointer] = (workflow, None)
            for step in workflow.steps():
                owners[step.pointer] = (workflow, step)
        ctx.shared["owners"] = owners
    tokens = pointer.split("/")
    for depth in (5, 3):  # "", "workflows", i, "steps", j
        if len(tokens) > depth and ("/".join(tokens[:depth])) in owners:
            found: tuple[Workflow | None, Step | None] = owners["/".join(tokens[:depth])]
            return found
    return None, None


def value_sites(ctx: ValidationContext) -> Iterator[tuple[str, Any, str]]:
    """(pointer, text or Selector Object, kind) for parameter values, payloads, replacements
    and outputs."""
    selectors = ctx.spec != "1.0"
    parameter_lists = []
    for workflow in ctx.workflows:
        parameter_lists.append((workflow.node.get("parameters"), workflow.pointer + "/parameters"))
        for pointer, text in _outputs(workflow.node, workflow.pointer, selectors):
            yield pointer, text, "output"
        for step in workflow.steps():
            parameter_lists.append((step.node.get("parameters"), step.pointer + "/parameters"))
            for pointer, text in _outputs(step.node, step.pointer, selectors):
                yield pointer, text, "output"
            body = step.node.get("requestBody")
            if isinstance(body, dict):
                if "payload" in body:
                    for pointer, text in _leaves(body["payload"], step.pointer +
                                                 "/requestBody/payload", selectors):
                        yield pointer, text, "value"
                for pointer, node in items(body.get("replacements"),
                                           step.pointer + "/requestBody/replacements"):
                    for leaf, text in _leaves(node.get("value"), pointer + "/value", selectors):
                        yield leaf, text, "value"
    for pointer, _, node in members(ctx.components("parameters"), "/components/parameters"):
        if isinstance(node, dict):
            for leaf, text in _leaves(node.get("value"), pointer + "/value", selectors):
                yield leaf, text, "value"
    for value, pointer in parameter_lists:
        for item_pointer, node in items(value, pointer):
            for leaf, text in _leaves(node.get("value"), item_pointer + "/value", selectors):
                yield leaf, text, "value"
    if selectors:  # an action's parameters are evaluated after its step's exchange
        for site in action_parameter_lists(ctx):
            for item_pointer, node in items(site.value, site.pointer):
                for leaf, text in _leaves(node.get("value"), item_pointer + "/value", True):
                    yield leaf, text, "action-value"


def _outputs(node: dict[str, Any], pointer: str, selectors: bool) -> Iterator[tuple[str, Any]]:
    for output_pointer, _, value in members(node.get("outputs"), pointer + "/outputs"):
        if isinstance(value, str) or (selectors and isinstance(value, dict)):
            yield output_pointer, value


def compiled_values(ctx: ValidationContext) -> list[Compiled]:
    """Every value site compiled with ``compile_value`` (cached on the context)."""
    if "values" not in ctx.shared:
        from arazzo_engine.expressions import ExpressionError, compile_value

        results = []
        for pointer, text, kind in value_sites(ctx):
            site = Site(pointer, text, kind, *_owner(ctx, pointer))
            try:
                results.append(Compiled(site, compile_value(text, version=ctx.spec)))
            except ExpressionError as error:
                results.append(Compiled(site, error=error))
        ctx.shared["values"] = results
    return ctx.shared["values"]


def compiled_criteria(ctx: ValidationContext) -> list[Compiled]:
    """Every Criterion Object compiled with ``compile_criterion`` (cached on the context).

    A broken ``context`` is reported on its own site (kind ``context``) and the criterion is not
    compiled further; otherwise the site is the condition (kind ``condition``).
    """
    if "criteria" not in ctx.shared:
        from arazzo_engine.expressions import ExpressionError, compile_criterion, parse_expression

        results = []
        for pointer, node in criteria(ctx):
            owner = _owner(ctx, pointer)
            context = node.get("context")
            if isinstance(context, str):
                try:
                    parse_expression(context, version=ctx.spec)
                except ExpressionError as error:
                    site = Site(pointer + "/context", context, "context", *owner)
                    results.append(Compiled(site, error=error))
                    continue
            condition = node.get("condition")
            if not isinstance(condition, str):
                continue
            site = Site(pointer + "/condition", condition, "condition", *owner)
            try:
                results.append(Compiled(site, compile_criterion(node, version=ctx.spec)))
            except ExpressionError as error:
                results.append(Compiled(site, error=error))
        ctx.shared["criteria"] = results
    return ctx.shared["criteria"]


def references(ctx: ValidationContext) -> Iterator[tuple[Site, Any]]:
    """(site, RuntimeExpression) for every expression found in values and criteria.

    A criterion's ``context`` expression gets a site of its own, so positions point into it
    rather than into the condition.
    """
    for entry in [*compiled_values(ctx), *compiled_criteria(ctx)]:
        if entry.compiled is None:
            continue
        context = getattr(entry.compiled, "context", None)
        for reference in entry.compiled.references():
            if context is not None and reference is context:
                pointer = entry.site.pointer.rsplit("/", 1)[0] + "/context"
                yield replace(entry.site, pointer=pointer, text=context.text,
                              kind="context"), reference
            else:
                yield entry.site, reference

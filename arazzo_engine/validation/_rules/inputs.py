"""Rules about workflow inputs schemas."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, best_match

from arazzo_engine.document import join_pointer, resolve_pointer
from arazzo_engine.validation._context import ValidationContext, members, suggest, text_of
from arazzo_engine.validation._diagnostic import Finding
from arazzo_engine.validation._registry import rule


def input_schemas(ctx: ValidationContext) -> Iterator[tuple[str, Any]]:
    for workflow in ctx.workflows:
        if "inputs" in workflow.node:
            yield workflow.pointer + "/inputs", workflow.node["inputs"]
    for pointer, _, schema in members(ctx.components("inputs"), "/components/inputs"):
        yield pointer, schema


@rule("inputs-schema", "error",
      "inputs are valid JSON Schema 2020-12 and their $refs to components exist")
def inputs_schema(ctx: ValidationContext) -> Iterator[Finding]:
    for pointer, schema in input_schemas(ctx):
        if not isinstance(schema, (dict, bool)):
            continue  # the document schema reports the wrong type
        errors = list(Draft202012Validator(Draft202012Validator.META_SCHEMA).iter_errors(schema))
        if errors:
            error = best_match(errors)
            where = join_pointer(pointer, *error.absolute_path)
            yield Finding(f"not a valid JSON Schema: {_short(error)}", where)
            continue
        yield from _refs(ctx, schema, pointer)


def _refs(ctx: ValidationContext, node: Any, pointer: str) -> Iterator[Finding]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            try:
                resolve_pointer(ctx.data, ref[1:])
            except KeyError:
                yield Finding(f"`$ref` {ref} points at nothing in this document",
                              pointer + "/$ref")
        elif isinstance(ref, str) and ref.startswith("#") and len(ref) > 1 \
                and ref[1:] not in ctx.anchors:  # a plain name: an $anchor (JSON Schema 2020-12)
            yield Finding(f"`$ref` {ref} names no `$anchor` of this document's inputs schemas",
                          pointer + "/$ref", hint=suggest(ref[1:], set(ctx.anchors)))
        for key, value in node.items():
            yield from _refs(ctx, value, join_pointer(pointer, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _refs(ctx, value, join_pointer(pointer, index))


def _short(error: SchemaError | Any) -> str:
    field = error.absolute_path[-1] if error.absolute_path else None
    prefix = f"`{field}`: " if field is not None else ""
    text = error.message if len(error.message) < 160 else error.message[:157] + "..."
    return prefix + text


@rule("workflow-inputs-required", "warning",
      "a step calling a workflow provides the inputs its schema lists as required")
def workflow_inputs_required(ctx: ValidationContext) -> Iterator[Finding]:
    for step in ctx.steps():
        target = step.node.get("workflowId")
        if step.kind != "workflow" or not isinstance(target, str):
            continue
        called = ctx.called_workflow(target)
        if called is None:
            continue
        required = _required(called.document_data, called.node.get("inputs"), depth=0)
        given = {text_of(node, "name") for owner in (step.workflow.node, step.node)
                 for _, node, _ in ctx.effective(owner.get("parameters"), "")}
        missing = [name for name in required if name not in given]
        if missing:
            names = ", ".join(f"`{name}`" for name in missing)
            where = f" (in source `{called.source.name}`)" if called.source else ""
            yield Finding(f"workflow `{called.node.get('workflowId')}`{where} requires input "
                          f"{names}, which step `{step.id}` does not pass as parameters",
                          step.pointer + "/workflowId",
                          hint=f"add a parameter named {missing[0]}")


def _required(data: dict[str, Any], schema: Any, depth: int) -> list[str]:
    """Names a schema requires, through local ``$ref``s and ``allOf`` (every part applies);
    ``anyOf``/``oneOf`` alternatives are not judged."""
    if not isinstance(schema, dict) or depth > 20:
        return []
    found: list[str] = []
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#"):
        with contextlib.suppress(KeyError, ValueError):  # inputs-schema reports a broken $ref
            found += _required(data, resolve_pointer(data, ref[1:]), depth + 1)
    names = schema.get("required")
    if isinstance(names, list):
        found += [n for n in names if isinstance(n, str)]
    parts = schema.get("allOf")
    for part in parts if isinstance(parts, list) else []:
        found += _required(data, part, depth + 1)
    return list(dict.fromkeys(found))

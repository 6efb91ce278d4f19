"""Rules about workflow inputs schemas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, best_match

from arazzo_engine.document import join_pointer, resolve_pointer
from arazzo_engine.validation._context import ValidationContext, members
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

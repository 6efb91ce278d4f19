"""Rules about what an inputs schema says, beyond being valid JSON Schema.

The meta-schema accepts an enum value of the wrong type or a `required` name no property
declares; such a schema is legal and still rejects inputs its author meant to accept (or
accepts inputs they meant to refuse), so it is worth a warning.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from arazzo_engine.document import join_pointer, resolve_pointer
from arazzo_engine.validation._context import ValidationContext
from arazzo_engine.validation._diagnostic import Finding
from arazzo_engine.validation._registry import rule
from arazzo_engine.validation._rules.inputs import input_schemas

#: Keywords whose value is one subschema, or a mapping / list of subschemas.
SINGLE = ("items", "contains", "not", "if", "then", "else", "additionalProperties",
          "propertyNames", "unevaluatedItems", "unevaluatedProperties")
MAPPED = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
LISTED = ("prefixItems",)
COMPOSED = ("allOf", "anyOf", "oneOf")
MAX_DEPTH = 200  # frames of recursion; the loader already bounds literal nesting


def _subschemas(schema: dict[str, Any], pointer: str) -> Iterator[tuple[str, Any, bool]]:
    """(pointer, subschema, is-a-composition-part) for each schema directly inside ``schema``."""
    for keyword in SINGLE:
        if isinstance(schema.get(keyword), dict):
            yield join_pointer(pointer, keyword), schema[keyword], False
    for keyword in MAPPED:
        if isinstance(schema.get(keyword), dict):
            for name, value in schema[keyword].items():
                yield join_pointer(pointer, keyword, name), value, False
    for keyword in (*LISTED, *COMPOSED):
        if isinstance(schema.get(keyword), list):
            for index, value in enumerate(schema[keyword]):
                yield join_pointer(pointer, keyword, index), value, keyword in COMPOSED


def _schemas(ctx: ValidationContext) -> Iterator[tuple[str, dict[str, Any], frozenset[str]]]:
    """Every schema object of every inputs schema, with the property names its composition
    parents declare (a part of an `allOf` may require what a sibling part defines)."""
    stack: list[tuple[str, Any, frozenset[str], int]] = [
        (p, s, frozenset(), 0) for p, s in input_schemas(ctx)
    ]
    while stack:
        pointer, schema, inherited, depth = stack.pop()
        if not isinstance(schema, dict) or depth > MAX_DEPTH:
            continue
        yield pointer, schema, inherited
        declared = inherited | _declared(ctx, schema, 0)
        for child_pointer, child, composed in _subschemas(schema, pointer):
            stack.append((child_pointer, child, declared if composed else frozenset(),
                          depth + 1))


def _declared(ctx: ValidationContext, schema: Any, depth: int,
              followed: set[str] | None = None) -> frozenset[str]:
    """Property names a schema declares itself, through local `$ref`s and its compositions.

    Each `$ref` is followed once per question, so cycles and diamonds stay cheap."""
    followed = set() if followed is None else followed
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return frozenset()
    names: set[str] = set()
    if isinstance(schema.get("properties"), dict):
        names.update(schema["properties"])
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/") and ref not in followed:
        followed.add(ref)
        with contextlib.suppress(KeyError, ValueError):  # inputs-schema reports a broken $ref
            names |= _declared(ctx, resolve_pointer(ctx.data, ref[1:]), depth + 1, followed)
    for keyword in COMPOSED:
        parts = schema.get(keyword)
        for part in parts if isinstance(parts, list) else []:
            names |= _declared(ctx, part, depth + 1, followed)
    return frozenset(names)


def _json_key(value: Any) -> str:
    """Equal JSON values give equal keys (1 and 1.0 alike, true and 1 apart)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value, sort_keys=True, default=str)


def _is_type(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return name == "boolean"
    return {
        "null": value is None,
        "string": isinstance(value, str),
        "number": isinstance(value, (int, float)),
        "integer": isinstance(value, int) or (isinstance(value, float) and value.is_integer()),
        "object": isinstance(value, dict),
        "array": isinstance(value, list),
    }.get(name, True)


def _type_names(schema: dict[str, Any]) -> list[str] | None:
    kind = schema.get("type")
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list) and all(isinstance(k, str) for k in kind):
        return kind
    return None


@rule("inputs-schema-consistency", "warning",
      "an inputs schema does not contradict itself: enum values unique and of its type, "
      "no items on an object or properties on an array, required names declared")
def inputs_schema_consistency(ctx: ValidationContext) -> Iterator[Finding]:
    for pointer, schema, inherited in _schemas(ctx):
        yield from _enum(schema, pointer)
        types = _type_names(schema)
        if types == ["object"] and "items" in schema:
            yield Finding("`items` has no effect on a schema of type object",
                          pointer + "/items", hint="did you mean `properties`?")
        if types == ["array"] and "properties" in schema:
            yield Finding("`properties` has no effect on a schema of type array",
                          pointer + "/properties", hint="describe the elements under `items`")
        yield from _required(ctx, schema, pointer, inherited)


def _enum(schema: dict[str, Any], pointer: str) -> Iterator[Finding]:
    values = schema.get("enum")
    if not isinstance(values, list):
        return
    types = _type_names(schema)
    seen: dict[str, int] = {}
    for index, value in enumerate(values):
        where = join_pointer(pointer, "enum", index)
        key = _json_key(value)
        if key in seen:
            yield Finding(f"enum value {key} is already item {seen[key]}", where,
                          anchor="value")
        seen.setdefault(key, index)
        if types and not any(_is_type(value, t) for t in types):
            yield Finding(f"enum value {key} is not of type {' or '.join(types)}, so no "
                          "input can ever take it", where, anchor="value")


def _required(ctx: ValidationContext, schema: dict[str, Any], pointer: str,
              inherited: frozenset[str]) -> Iterator[Finding]:
    required = schema.get("required")
    if not isinstance(required, list):
        return
    if "patternProperties" in schema or isinstance(schema.get("additionalProperties"), dict):
        return  # names may be declared by a pattern or a schema for the rest
    declared = inherited | _declared(ctx, schema, 0)
    for index, name in enumerate(required):
        if isinstance(name, str) and name not in declared:
            yield Finding(f"required input `{name}` is not declared under `properties`",
                          join_pointer(pointer, "required", index), anchor="value",
                          hint="declare it with a type, or drop it from `required`")


@rule("inputs-schema-redundant", "warning",
      "an inputs schema does not bound a number twice (minimum with exclusiveMinimum, "
      "maximum with exclusiveMaximum)", strict_only=True)
def inputs_schema_redundant(ctx: ValidationContext) -> Iterator[Finding]:
    def number(value: Any) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    for pointer, schema, _ in _schemas(ctx):
        for inclusive, exclusive in (("minimum", "exclusiveMinimum"),
                                     ("maximum", "exclusiveMaximum")):
            if number(schema.get(inclusive)) and number(schema.get(exclusive)):
                yield Finding(f"`{inclusive}` and `{exclusive}` both bound this number; only "
                              "the tighter one has an effect", join_pointer(pointer, exclusive),
                              hint="keep one of them")

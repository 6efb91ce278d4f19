"""Arazzo 1.1 Selector Objects and replacement targets: they parse for the type they name.

A Selector Object is recognised as a mapping with ``context`` and ``selector`` (docs/semantics.md);
an output value that is a mapping must be one. Its ``context`` is a runtime expression and its
``selector`` a JSONPath, JSON Pointer or XPath of the version its ``type`` names. A payload
replacement's ``target`` is checked the same way when ``targetSelectorType`` says what it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from arazzo_engine.document import join_pointer
from arazzo_engine.expressions import ExpressionError, SelectorError, compile_selector
from arazzo_engine.expressions._selectors import (
    SELECTOR_FIELDS,
    expression_type,
    selector_function,
)
from arazzo_engine.validation._context import ValidationContext, items
from arazzo_engine.validation._diagnostic import Finding
from arazzo_engine.validation._registry import rule
from arazzo_engine.validation._rules._sites import value_sites


@rule("selector-syntax", "error",
      "Selector Objects have a context expression, a type, and a selector that parses for it; "
      "a replacement target parses for its targetSelectorType (Arazzo 1.1)")
def selector_syntax(ctx: ValidationContext) -> Iterator[Finding]:
    if ctx.spec == "1.0":
        return
    for pointer, node, _kind in value_sites(ctx):
        if isinstance(node, dict):
            yield from _selector(ctx, pointer, node)
    for step in ctx.steps():
        body = step.node.get("requestBody")
        if isinstance(body, dict):
            for pointer, replacement in items(body.get("replacements"),
                                              step.pointer + "/requestBody/replacements"):
                yield from _target(pointer, replacement)


def _selector(ctx: ValidationContext, pointer: str, node: dict[str, Any]) -> Iterator[Finding]:
    try:
        compile_selector(node, version=ctx.spec)
    except SelectorError as error:
        if error.field in node:
            offset = error.column - 1 if error.field in ("context", "selector") else 0
            anchor: Literal["key", "value"] = "value" if error.field in SELECTOR_FIELDS \
                else "key"
            yield Finding(f"invalid Selector Object: {error.message}",
                          join_pointer(pointer, error.field), anchor=anchor, offset=offset)
        else:
            yield Finding(f"invalid Selector Object: {error.message}", pointer,
                          hint="a Selector Object has context, selector and type")


def _target(pointer: str, replacement: dict[str, Any]) -> Iterator[Finding]:
    declared = replacement.get("targetSelectorType")
    target = replacement.get("target")
    if declared is None or not isinstance(target, str):
        return
    try:
        kind, version = expression_type(declared, what="target selector")
    except ExpressionError:
        return  # the schema reports an unknown type or version
    try:
        selector_function(target, kind, version)
    except ExpressionError as error:
        yield Finding(f"invalid target for targetSelectorType {kind} ({version}): "
                      f"{error.message}", pointer + "/target", anchor="value",
                      offset=error.column - 1)

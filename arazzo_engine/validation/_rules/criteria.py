"""Rules about Criterion Objects: their regex, JSONPath, XPath or condition parses."""

from __future__ import annotations

from collections.abc import Iterator

from arazzo_engine.document import split_pointer
from arazzo_engine.expressions import RuntimeExpression
from arazzo_engine.validation._context import Step, ValidationContext
from arazzo_engine.validation._diagnostic import Finding
from arazzo_engine.validation._registry import rule
from arazzo_engine.validation._rules._sites import compiled_criteria
from arazzo_engine.validation._rules._walk import criteria


@rule("criterion-syntax", "error",
      "a criterion's condition parses: simple condition, regex, JSONPath or XPath")
def criterion_syntax(ctx: ValidationContext) -> Iterator[Finding]:
    for entry in compiled_criteria(ctx):
        if entry.error is not None:
            what = "context" if entry.site.kind == "context" else "condition"
            yield Finding(f"invalid {what}: {entry.error.message}", entry.site.pointer,
                          anchor="value", offset=entry.error.column - 1)


@rule("jsonpath-comparison", "warning",
      "a jsonpath criterion is an RFC 9535 query, not a comparison", strict_only=True)
def jsonpath_comparison(ctx: ValidationContext) -> Iterator[Finding]:
    import jsonpath_rfc9535

    broken = {e.site.pointer for e in compiled_criteria(ctx) if e.error is not None}
    for pointer, node in criteria(ctx):
        condition = node.get("condition")
        if node.get("type") != "jsonpath" or not isinstance(condition, str):
            continue
        if pointer + "/condition" in broken:
            continue
        try:
            jsonpath_rfc9535.compile(condition)
        except Exception:  # any parse failure: the library raises several classes
            yield Finding(f"`{condition}` is a comparison, not an RFC 9535 JSONPath query; it "
                          "is read as a filter on the context", pointer + "/condition",
                          anchor="value",
                          hint="docs/semantics.md explains how this form is read")


@rule("jsonpath-root-filter", "warning",
      "a `$[?...]` criterion filters the context's children; on an object it tests the "
      "members, not the object")
def jsonpath_root_filter(ctx: ValidationContext) -> Iterator[Finding]:
    for entry in compiled_criteria(ctx):
        compiled = entry.compiled
        if compiled is None or not compiled.filters_context_children:
            continue
        if _context_is_an_array(ctx, entry.site.step, compiled.context):
            continue
        condition = compiled.condition
        yield Finding(
            f"`{condition}` filters the children of its context (RFC 9535), never the context "
            "itself: against an object it tests each member value, so it passes or fails for "
            "reasons the condition does not show", entry.site.pointer, anchor="value",
            hint=_as_comparison(condition))


def _as_comparison(condition: str) -> str:
    inner = condition.strip()
    if inner.startswith("$[?") and inner.endswith("]"):
        return (f"to test the object itself, write `{inner[3:-1].strip().replace('@', '$')}`"
                " (docs/semantics.md, point 2)")
    return "to test the object itself, write a comparison such as `count($.items) > 0`"


def _context_is_an_array(ctx: ValidationContext, step: Step | None,
                         context: RuntimeExpression | None) -> bool:
    """True when the operation's 2xx JSON response schemas say the context is an array: then
    `$[?...]` filters its items, as intended. Unknown shapes count as not proven."""
    if step is None or context is None:
        return False
    if context.root != "response" or context.segments != ("body",):
        return False
    lookup = ctx.lookup_operation(step)
    if lookup.operation is None or lookup.description is None:
        return False
    description = lookup.description
    tokens = split_pointer(context.pointer) if context.pointer else []
    shapes = []
    for status, response in lookup.operation.responses.items():
        content = response.get("content") if isinstance(response, dict) else None
        at = lookup.operation.response_at.get(status)
        if not status.startswith("2") or not isinstance(content, dict) or at is None:
            continue
        for media, body in content.items():
            if "json" in media and isinstance(body, dict) and "schema" in body:
                shapes.append(description.schema_at(
                    body["schema"], at.child("content", media, "schema"), tokens))
    return bool(shapes) and all(
        isinstance(s, dict) and s.get("type") in ("array", ["array"]) for s in shapes)

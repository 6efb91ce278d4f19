"""Rules about Criterion Objects: their regex, JSONPath, XPath or condition parses."""

from __future__ import annotations

from collections.abc import Iterator

from arazzo_engine.validation._context import ValidationContext
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

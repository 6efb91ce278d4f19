"""Rules about the prose in a document: safe Markdown, and (strict) descriptions and summaries.

Descriptions are CommonMark that documentation tools render, often as HTML; a script or an
event handler in one runs in every reader's browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from arazzo_engine.document import join_pointer
from arazzo_engine.validation._context import ValidationContext, items
from arazzo_engine.validation._diagnostic import Finding
from arazzo_engine.validation._registry import rule

PROSE_KEYS = ("description", "summary", "title")
#: Members holding data sent or compared at run time, not prose, whatever their keys are.
DATA_KEYS = frozenset({"payload", "value", "default", "const", "enum", "example", "examples"})

UNSAFE_HTML = (
    (re.compile(r"<\s*script\b", re.IGNORECASE), "a `<script>` tag"),
    (re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE), "an HTML event handler (`on...=`)"),
    (re.compile(r"(\]\(\s*|\b(href|src)\s*=\s*[\"']?\s*)javascript:", re.IGNORECASE),
     "a `javascript:` link"),
)

#: Inline code and fenced blocks render as text, so markup inside them is harmless.
CODE = re.compile(r"(`{3,}|~{3,}).*?(\1|\Z)|(`+)[^`].*?\3", re.DOTALL)


def _outside_code(text: str) -> str:
    """The text with its code blanked out, same length so offsets still point into it."""
    return CODE.sub(lambda match: " " * len(match.group(0)), text)


def _prose(node: Any, pointer: str) -> Iterator[tuple[str, str]]:
    """(pointer, text) of every description, summary and title string under ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            child = join_pointer(pointer, key)
            if key in PROSE_KEYS and isinstance(value, str):
                yield child, value
            elif key not in DATA_KEYS:
                yield from _prose(value, child)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _prose(value, join_pointer(pointer, index))


@rule("unsafe-markdown", "warning",
      "descriptions, summaries and titles hold no script tags, event handlers or "
      "javascript: links")
def unsafe_markdown(ctx: ValidationContext) -> Iterator[Finding]:
    for pointer, text in _prose(ctx.data, ""):
        markup = _outside_code(text)
        for pattern, what in UNSAFE_HTML:
            match = pattern.search(markup)
            if match:
                yield Finding(f"`{pointer.rsplit('/', 1)[-1]}` contains {what}, which runs in "
                              "the browser of anyone reading rendered documentation", pointer,
                              anchor="value", offset=match.start(),
                              hint="show markup as code (in backticks) instead")


def _blank(node: dict[str, Any], key: str) -> bool:
    value = node.get(key)
    return not (isinstance(value, str) and value.strip())


@rule("description-missing", "warning",
      "the info object, every workflow and every step have a description", strict_only=True)
def description_missing(ctx: ValidationContext) -> Iterator[Finding]:
    info = ctx.data.get("info")
    if isinstance(info, dict) and _blank(info, "description"):
        yield Finding("the document has no `info.description` saying what its workflows are "
                      "for", "/info")
    for workflow in ctx.workflows:
        if _blank(workflow.node, "description"):
            yield Finding(f"workflow `{workflow.id}` has no `description`",
                          workflow.pointer + "/workflowId")
        for step in workflow.steps():
            if _blank(step.node, "description"):
                yield Finding(f"step `{step.id}` has no `description`", step.pointer + "/stepId")


@rule("summary-missing", "warning", "the info object and every workflow have a summary",
      strict_only=True)
def summary_missing(ctx: ValidationContext) -> Iterator[Finding]:
    info = ctx.data.get("info")
    if isinstance(info, dict) and _blank(info, "summary"):
        yield Finding("the document has no `info.summary`", "/info")
    for workflow in ctx.workflows:
        if _blank(workflow.node, "summary"):
            yield Finding(f"workflow `{workflow.id}` has no `summary`",
                          workflow.pointer + "/workflowId")


@rule("source-type-missing", "warning",
      "every source description says its type (openapi or arazzo)", strict_only=True)
def source_type_missing(ctx: ValidationContext) -> Iterator[Finding]:
    for pointer, node in items(ctx.data.get("sourceDescriptions"), "/sourceDescriptions"):
        if "type" not in node:
            name = node.get("name")
            guessed = ctx.sources.get(name) if isinstance(name, str) else None
            hint = f"add `type: {guessed.type}`" if guessed and guessed.type else \
                "add `type: openapi` or `type: arazzo`"
            yield Finding(f"source description `{name}` has no `type`, so readers "
                          "and tools must guess it from the file", pointer + "/name", hint=hint)

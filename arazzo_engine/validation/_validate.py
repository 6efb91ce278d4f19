"""The driver: load, apply the schema, run every rule, place each finding in its file.

Every Arazzo document in the bundle is validated, not only the entry: a workflow called through
``$sourceDescriptions.<name>.<workflowId>`` runs with its own document's steps and expressions,
so their mistakes matter as much. Each diagnostic names the file it is in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from arazzo_engine.document import Bundle, LoadedDocument, Position, load_bundle, load_file
from arazzo_engine.document._sources import legacy_root
from arazzo_engine.openapi import StepTargets

from . import _rules  # noqa: F401  (registers the rules)
from ._context import ValidationContext
from ._diagnostic import Diagnostic, Finding, Severity
from ._registry import RULES, Rule
from ._report import ValidationReport
from ._schema import schema_findings


def validate_document(
    document: LoadedDocument | Bundle | str | Path,
    *,
    strict: bool = False,
    allow_remote: bool = False,
    root: str | Path | None = None,
    session: Any = None,
    allow_outside_root: bool | None = None,
    targets: StepTargets | None = None,
) -> ValidationReport:
    """Validates an Arazzo description and the source descriptions it names.

    Arguments:
        document: a path, a document already loaded with `arazzo_engine.document`, or a
            bundle already loaded with its sources (then the source options are not used).
        strict: also report the strict-only warnings (bare expressions in strings,
            comparison-form JSONPath, ...).
        allow_remote: fetch http(s) source descriptions (otherwise they are reported unchecked).
        root: when given, local sources outside this folder tree are refused (for documents
            you do not trust); by default they are read wherever they lead.
        session: a `requests.Session` for remote sources.
        allow_outside_root: deprecated, ignored (nothing is confined without ``root``).
        targets: the bundle's OpenAPI model when the caller has one already (a document that
            is validated and then run builds its descriptions once).

    Returns:
        A `ValidationReport`; ``report.ok`` is False when any error was found.

    Raises:
        DocumentError: the entry document cannot be read or parsed at all.
    """
    if isinstance(document, Bundle):
        loaded, bundle = document.entry, document
    else:
        loaded = document if isinstance(document, LoadedDocument) else load_file(document)
        bundle = load_bundle(loaded, root=legacy_root(root, allow_outside_root),
                             allow_remote=allow_remote, session=session)
    diagnostics: list[Diagnostic] = []
    nested = arazzo_documents(bundle)
    shared = targets or StepTargets(bundle)
    for each in [loaded, *nested]:
        diagnostics.extend(iter_diagnostics(ValidationContext(each, bundle, strict,
                                                              targets=shared)))
    return ValidationReport.of(_file_name(loaded), diagnostics,
                               order=[_file_name(d) for d in nested])


def arazzo_documents(bundle: Bundle) -> list[LoadedDocument]:
    """The Arazzo documents the entry reaches through its sources, in loading order.

    The bundle holds each document once however many sources name it, so cycles end here.
    """
    return [d for d in bundle.documents.values()
            if d is not bundle.entry and isinstance(d.data, dict) and "arazzo" in d.data]


def iter_diagnostics(context: ValidationContext) -> Iterator[Diagnostic]:
    """Every diagnostic for the context's document, unsorted, as the rules produce them."""
    for finding in schema_findings(context.document.data):
        if finding.rule not in RULES:  # a semantic rule reports the same problem better
            yield _place(context, finding, "schema", "error")
    if not isinstance(context.document.data, dict):
        return
    for rule in RULES.values():
        if rule.strict_only and not context.strict:
            continue
        for finding in _run(rule, context):
            yield _place(context, finding, rule.id, rule.severity)


def _run(rule: Rule, context: ValidationContext) -> Iterable[Finding]:
    try:
        return list(rule.check(context))
    except Exception as exc:  # a bug in one rule must not hide what the others found
        return [Finding(f"rule {rule.id} could not finish: {type(exc).__name__}: {exc}", "",
                        severity="warning", rule="internal")]


def _place(context: ValidationContext, finding: Finding, rule_id: str,
           severity: Severity) -> Diagnostic:
    document = finding.document if isinstance(finding.document, LoadedDocument) \
        else context.document
    positions = document.positions
    position = None
    if finding.anchor == "key":
        position = positions.key_position(finding.pointer)
    if finding.offset:
        position = _inside(document, positions.value_position(finding.pointer), finding.offset)
    position = position or positions.value_position(finding.pointer) \
        or positions.locate(finding.pointer)
    return Diagnostic(
        severity=finding.severity or severity,
        rule=finding.rule or rule_id,
        message=_elide_long_quotes(finding.message),
        file=_file_name(document),
        line=position.line,
        column=position.column,
        pointer=finding.pointer,
        hint=finding.hint,
        cause=finding.cause,
        defines=finding.defines,
        alike=finding.alike,
    )


def _inside(document: LoadedDocument, start: Position | None, offset: int) -> Position | None:
    """The position ``offset`` characters into a scalar starting at ``start``, skipping its
    opening quote; None for block scalars and multi-line strings, where columns do not add up."""
    if start is None:
        return None
    lines = document.text.splitlines()
    if start.line > len(lines):
        return None
    line = lines[start.line - 1]
    first = line[start.column - 1:start.column]
    if first in ("|", ">"):
        return None
    shift = 1 if first in ("'", '"') else 0
    column = start.column + shift + offset
    return Position(start.line, column) if column <= len(line) + 1 else None


def _file_name(document: LoadedDocument) -> str:
    return document.uri


_QUOTE = re.compile(r"`([^`]*)`")
_LONG = 120


def _elide_long_quotes(message: str) -> str:
    """Quoted document text (an expression, a condition) is cut in its middle when long, so a
    hostile 100 KB expression still gives a one-line message that ends with what is wrong.
    Backticks pair from the left: the prose between two quotes is never cut."""
    return _QUOTE.sub(lambda m: f"`{m.group(1)[:60]}…{m.group(1)[-20:]}`"
                      if len(m.group(1)) >= _LONG else m.group(0), message)

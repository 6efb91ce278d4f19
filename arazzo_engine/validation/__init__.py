"""Validation of Arazzo 1.0.x and 1.1.x descriptions: our JSON Schemas plus semantic rules.

    >>> report = validate_document("specs/dbt/arazzo/dbt-trigger-run-and-poll-workflow.yml")
    >>> report.ok
    True

Each rule has a stable id (see `RULES` and docs/rules.md); each `Diagnostic` names its rule,
file, line, column and JSON Pointer.
"""

from arazzo_engine.validation._diagnostic import Diagnostic, Finding, Related, Severity
from arazzo_engine.validation._formats import FORMATS, render
from arazzo_engine.validation._registry import RULES, SCHEMA_RULES, Rule
from arazzo_engine.validation._report import ValidationReport
from arazzo_engine.validation._schema import SCHEMA_PATH, SCHEMA_PATHS, arazzo_schema
from arazzo_engine.validation._validate import iter_diagnostics, validate_document

__all__ = [
    "FORMATS",
    "RULES",
    "SCHEMA_PATH",
    "SCHEMA_PATHS",
    "SCHEMA_RULES",
    "Diagnostic",
    "Finding",
    "Related",
    "Rule",
    "Severity",
    "ValidationReport",
    "arazzo_schema",
    "iter_diagnostics",
    "render",
    "validate_document",
]

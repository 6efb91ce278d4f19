"""API conformance testing: run workflows and check every exchange against its operation.

``test_workflows(document, ...)`` -> ``TestReport`` (per workflow: outcome and ``CheckResult``s
named ``success-criteria``, ``status-code``, ``content-type``, ``response-body``,
``response-headers``, ``request-parameters``, ``request-body``). Reports: ``json_document``,
``junit_document``, ``har_document`` (``write_report`` writes the ones asked for). openapi-core
is imported only when the first exchange is checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from arazzo_engine.testing._checks import (
    CHECKS,
    LEVELS,
    SEVERITY_EXTENSION,
    CheckResult,
    Level,
    Severities,
    step_extension_problems,
)
from arazzo_engine.testing._recorder import Exchange, ExchangeRecorder
from arazzo_engine.testing._reports import har_document, json_document, junit_document
from arazzo_engine.testing._runner import TestReport, WorkflowReport, record_run, test_workflows

__all__ = [
    "CHECKS",
    "LEVELS",
    "SEVERITY_EXTENSION",
    "CheckResult",
    "Exchange",
    "ExchangeRecorder",
    "Level",
    "Severities",
    "TestReport",
    "WorkflowReport",
    "har_document",
    "json_document",
    "junit_document",
    "record_run",
    "step_extension_problems",
    "test_workflows",
    "write_report",
]

test_workflows.__test__ = False  # type: ignore[attr-defined]  # pytest: not a test function


def write_report(workflows: Sequence[WorkflowReport], *, har: str | None = None,
                 junit: str | None = None, json: str | None = None) -> list[str]:
    """Writes the reports asked for; returns what could not be written (one line each)."""
    report = TestReport(list(workflows))
    problems = []
    for path, render in ((har, lambda: har_document(report.workflows)),
                         (junit, lambda: junit_document(report)),
                         (json, lambda: json_document(report))):
        if not path:
            continue
        try:
            Path(path).write_text(render(), encoding="utf-8")
        except OSError as exc:
            problems.append(f"cannot write {path}: {exc.strerror or exc}")
    return problems

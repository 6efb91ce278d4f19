"""Runs workflows and checks every exchange against its operation: the ``arazzo test`` core.

``test_workflows(document, ...)`` runs each chosen workflow (all of the document by default)
through the ordinary executor, records its exchanges, checks each against the OpenAPI model the
validator used, and returns a ``TestReport``: per workflow its outcome and every check, each
already masked with that run's ``Masker``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from arazzo_engine.errors import ArazzoError
from arazzo_engine.executor import (
    Clock,
    RequestsTransport,
    RunEvent,
    RunOptions,
    RunResult,
    StepExecution,
    Transport,
)
from arazzo_engine.executor._masking import Masker
from arazzo_engine.testing._checks import CheckResult, Level, Severities
from arazzo_engine.testing._recorder import Exchange, ExchangeRecorder

if TYPE_CHECKING:
    from arazzo_engine._api import ArazzoDocument

__all__ = ["TestReport", "WorkflowReport", "record_run", "test_workflows"]

_HANDLED = ("retry", "goto")


@dataclass
class WorkflowReport:
    """One workflow's run and its checks (texts masked)."""

    workflow_id: str
    document: str
    outcome: str
    checks: list[CheckResult] = field(default_factory=list)
    error: str | None = None
    duration: float = 0.0
    exchanges: list[Exchange] = field(default_factory=list, repr=False)
    masker: Masker = field(default_factory=Masker, repr=False)
    result: RunResult | None = field(default=None, repr=False)

    @property
    def failures(self) -> list[CheckResult]:
        return [c for c in self.checks if c.failed_error]

    @property
    def warnings(self) -> list[CheckResult]:
        return [c for c in self.checks if c.failed_warning]

    @property
    def passed(self) -> bool:
        return self.outcome == "succeeded" and not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {"workflowId": self.workflow_id, "document": self.document,
                "outcome": self.outcome, "passed": self.passed, "error": self.error,
                "durationMs": round(self.duration * 1000, 1),
                "checks": [c.to_dict() for c in self.checks]}


@dataclass
class TestReport:
    """Every workflow tested, in order."""

    __test__ = False  # not a pytest test class, despite the name

    workflows: list[WorkflowReport] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(w.passed for w in self.workflows)

    @property
    def checks(self) -> list[CheckResult]:
        return [c for w in self.workflows for c in w.checks]

    def counts(self) -> dict[str, int]:
        checks = self.checks
        return {"workflows": len(self.workflows),
                "workflowsFailed": sum(not w.passed for w in self.workflows),
                "checks": len(checks),
                "failures": sum(c.failed_error for c in checks),
                "warnings": sum(c.failed_warning for c in checks)}

    def assert_passed(self) -> None:
        """Raises ``AssertionError`` with the table of failing checks unless it passed."""
        if not self.passed:
            from arazzo_engine.testing._terminal import render_failures

            raise AssertionError("\n" + render_failures(self))

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "summary": self.counts(),
                "workflows": [w.to_dict() for w in self.workflows]}


Observer = Callable[[RunEvent], None]


def record_run(document: ArazzoDocument, workflow_id: str | None,
               inputs: Mapping[str, Any] | None, options: RunOptions, *,
               observer: Observer | None = None, transport: Transport | None = None,
               clock: Clock | None = None, stop: Any = None) -> tuple[RunResult, list[Exchange]]:
    """Runs one workflow with its exchanges recorded (``arazzo run --har``)."""
    inner = transport or RequestsTransport.for_options(options)
    recorder = ExchangeRecorder(inner, observer)
    try:
        kwargs: dict[str, Any] = {"transport": recorder}
        if clock is not None:
            kwargs["clock"] = clock
        if stop is not None:
            kwargs["stop"] = stop
        result = document.run(workflow_id, inputs, options=options, observer=recorder,
                              validate=False, **kwargs)
    finally:
        if transport is None:
            inner.close()
    return result, recorder.exchanges


def test_workflows(document: ArazzoDocument, workflow_ids: Sequence[str] | None = None,
                   inputs: Mapping[str, Any] | Callable[[str], Mapping[str, Any]] | None = None,
                   options: RunOptions | None = None, *,
                   severities: Severities | None = None, observer: Observer | None = None,
                   transport: Transport | None = None, clock: Clock | None = None,
                   on_workflow: Callable[[WorkflowReport], None] | None = None,
                   mask: bool = True, stop: Any = None) -> TestReport:
    """Runs and checks each workflow (every workflow of the document when none are named).

    ``inputs`` is one mapping for all, or a function of the workflowId. A workflow that cannot
    start (an unknown id, inputs its schema refuses) is reported with outcome ``error``.
    ``mask=False`` leaves secret values in the checks and reports (the run's own step
    records stay masked). ``stop`` (a ``StopSignal``) ends the current run as interrupted;
    no further workflow starts.
    """
    options = options or RunOptions()
    severities = severities or Severities()
    report = TestReport()
    for workflow_id in workflow_ids or document.workflow_ids:
        given = inputs(workflow_id) if callable(inputs) else (inputs or {})
        started = time.monotonic()
        try:
            result, exchanges = record_run(document, workflow_id, given, options,
                                           observer=observer, transport=transport, clock=clock,
                                           stop=stop)
        except ArazzoError as exc:
            workflow = WorkflowReport(workflow_id, _document_name(document), "error",
                                      error=str(exc), duration=time.monotonic() - started)
        else:
            masker = result.masker if mask else Masker()
            workflow = WorkflowReport(
                workflow_id, _document_name(document), result.outcome,
                error=masker.text(result.error) if result.error else None,
                duration=time.monotonic() - started, exchanges=exchanges,
                masker=masker, result=result)
            workflow.checks = _checks(document, exchanges, masker, severities)
        report.workflows.append(workflow)
        if on_workflow is not None:
            on_workflow(workflow)
        if workflow.outcome == "interrupted":
            break
    return report


def _document_name(document: ArazzoDocument) -> str:
    """The document as the user named it (a relative path stays relative in reports)."""
    return document.bundle.entry.uri


def _checks(document: ArazzoDocument, exchanges: list[Exchange], masker: Masker,
            severities: Severities) -> list[CheckResult]:
    from arazzo_engine.testing._conformance import check_exchange  # openapi-core, lazily

    program = document.program
    results: list[CheckResult] = []
    for exchange in exchanges:
        step = _step(program, exchange)
        levels = severities.for_step(step)

        def add(check: str, passed: bool, message: str = "", expected: str | None = None,
                actual: str | None = None, pointer: str | None = None,
                levels: dict[str, Level] = levels, exchange: Exchange = exchange) -> None:
            level = levels.get(check, "error")
            if level == "off":
                return
            results.append(CheckResult(
                workflow_id=exchange.workflow_id, step_id=exchange.step_id, check=check,
                severity=level, passed=passed, message=masker.text(message),
                expected=None if expected is None else masker.text(expected),
                actual=None if actual is None else masker.text(actual),
                pointer=pointer, attempt=exchange.attempt, method=exchange.request.method,
                url=masker.url(exchange.request.url)))

        add(*_success_criteria(exchange.execution, exchange))
        response = exchange.response
        target = _operation(document, exchange)
        if response is None or target is None:
            continue
        description, operation = target
        for finding in check_exchange(description, operation, exchange.request, response):
            add(finding.check, finding.passed, finding.message, finding.expected,
                finding.actual, finding.pointer)
    return results


def _success_criteria(execution: StepExecution | None,
                      exchange: Exchange) -> tuple[str, bool, str, str | None, str | None]:
    """The step's own verdict. A failure that a retry or goto action handles is the
    workflow's plan (poll again, retry after 429), not a failed check."""
    if execution is None:
        failure = exchange.outcome
        return ("success-criteria", False, f"no step record: {getattr(failure, 'message', '')}",
                None, None)
    if execution.succeeded:
        return "success-criteria", True, "", None, None
    action = execution.action
    if action is not None and action.type in _HANDLED:
        return ("success-criteria", True, f"criteria not met; handled by {action.type} "
                f"action {action.name!r}", None, None)
    failed = [c for c in execution.criteria if not c.passed]
    expected = "; ".join(c.condition for c in failed) or "a successful response"
    actual = (f"status {execution.status_code}" if execution.status_code is not None
              else "no response")
    return ("success-criteria", False, execution.error or "the step failed", expected, actual)


def _step(program: Any, exchange: Exchange) -> Mapping[str, Any] | None:
    try:
        for step in program.steps(exchange.document, exchange.workflow_id):
            if step.get("stepId") == exchange.step_id:
                return step
    except ArazzoError:
        return None
    return None


def _operation(document: ArazzoDocument, exchange: Exchange) -> tuple[Any, Any] | None:
    try:
        source = document.program.sources(exchange.document).get(exchange.source)
    except ArazzoError:
        return None
    description = document.targets.description(source) if source is not None else None
    operation = description.by_pointer(exchange.operation) if description else None
    return (description, operation) if operation is not None else None

"""What a person reads: failing checks as a short table, and one summary line at the end.

The same check failing on every poll of a loop is one row with a count, so a drift reads as
one line however many times the workflow met it. ``rich`` draws the table (plain text when the
output is not a terminal).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from arazzo_engine.testing._checks import CheckResult
from arazzo_engine.testing._runner import TestReport, WorkflowReport

__all__ = ["check_table", "grouped", "summary_line", "workflow_block"]

#: Width of the table when the output is not a terminal (CI logs, files, pipes).
PLAIN_WIDTH = 120


def grouped(checks: Iterable[CheckResult]) -> list[tuple[CheckResult, int]]:
    """Failed checks with repeats folded: (first occurrence, how many times)."""
    counts: dict[tuple[str, str, str, str | None, str | None], int] = {}
    first: dict[tuple[str, str, str, str | None, str | None], CheckResult] = {}
    for check in checks:
        if check.passed:
            continue
        key = (check.step_id, check.check, check.severity, check.pointer,
               check.expected or check.message)
        counts[key] = counts.get(key, 0) + 1
        first.setdefault(key, check)
    return [(first[key], count) for key, count in counts.items()]


def check_table(checks: Iterable[CheckResult], title: str | None = None, *,
                plain: bool = True) -> Table:
    """The table of failed checks; ``plain`` draws it in ASCII (logs, files, CI)."""
    table = Table(title=title, title_justify="left", show_lines=False, expand=False,
                  box=box.ASCII if plain else box.HEAVY_HEAD)
    for column in ("step", "check", "expected", "actual", "where"):
        table.add_column(column, overflow="fold")
    for check, count in grouped(checks):
        name = check.check if check.severity == "error" else f"{check.check} (warn)"
        step = check.step_id + (f" (x{count})" if count > 1 else "")
        expected = check.expected or "-"
        actual = check.actual or check.message
        table.add_row(step, name, expected, actual, check.pointer or "")
    return table


def _console(out: Any) -> Console:
    stream = getattr(out, "stream", out)  # cli._output.PipeSafe wraps the real stream
    terminal = bool(getattr(stream, "isatty", lambda: False)())
    return Console(file=out, width=None if terminal else PLAIN_WIDTH,
                   force_terminal=None if terminal else False, highlight=False,
                   soft_wrap=False)


def workflow_block(workflow: WorkflowReport, out: Any) -> None:
    """The verdict on one workflow: a line, and the failing checks' table when there are."""
    console = _console(out)
    verdict = "passed" if workflow.passed else "FAILED"
    counts = (f"{len(workflow.checks)} checks, {len(workflow.failures)} failed, "
              f"{len(workflow.warnings)} warnings")
    console.print(f"\nworkflow {workflow.workflow_id}: {verdict} (the run {workflow.outcome}; "
                  f"{counts})", markup=False, soft_wrap=True)
    if workflow.error and workflow.outcome != "succeeded":
        console.print(f"  why: {workflow.error}", markup=False, soft_wrap=True)
    failing = [c for c in workflow.checks if not c.passed]
    if failing:
        console.print(check_table(failing, plain=not console.is_terminal))
    out.flush()


def summary_line(report: TestReport) -> str:
    counts = report.counts()
    verdict = "passed" if report.passed else "FAILED"
    return (f"arazzo test {verdict}: {counts['workflows']} workflow(s), "
            f"{counts['workflowsFailed']} failed; {counts['checks']} checks, "
            f"{counts['failures']} failure(s), {counts['warnings']} warning(s)")


def render_failures(report: TestReport) -> str:
    """The failing checks of every workflow as plain text (for pytest's failure report)."""
    import io

    buffer = io.StringIO()
    for workflow in report.workflows:
        if not workflow.passed or workflow.warnings:
            workflow_block(workflow, buffer)
    buffer.write(summary_line(report) + "\n")
    return buffer.getvalue()

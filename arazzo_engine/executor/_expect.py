"""``--expect``: conditions a run must meet when its workflow ends, for CI.

The dbt reference workflow ends "succeeded" when the dbt job errored (status 20): ending
through an ``end`` action is success. ``--expect '$outputs.finalStatus == 10'`` turns such an
ending into a failed run that says which expectation failed and what the values were.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arazzo_engine.errors import ArazzoError, OptionsError
from arazzo_engine.executor._results import CriterionRecord
from arazzo_engine.expressions import Compiler, EvaluationContext

__all__ = ["Expectations", "unmet"]


class Expectations:
    """The compiled conditions; a syntax error is an ``OptionsError`` before the run starts."""

    def __init__(self, conditions: Sequence[str], compiler: Compiler) -> None:
        self.conditions = list(conditions)
        self._compiled: list[Any] = []
        for condition in self.conditions:
            try:
                self._compiled.append(compiler.criterion({"condition": condition}))
            except ArazzoError as exc:
                raise OptionsError(f"--expect {condition!r}: {exc}") from None

    def __bool__(self) -> bool:
        return bool(self.conditions)

    def check(self, context: EvaluationContext) -> list[CriterionRecord]:
        """One record per condition, with the evaluator's account of the values it saw."""
        records = []
        for condition, compiled in zip(self.conditions, self._compiled, strict=True):
            record = CriterionRecord(condition=condition, passed=False)
            try:
                verdict = compiled.evaluate(context)
                record.passed, record.detail = bool(verdict.passed), str(verdict.detail or "")
            except ArazzoError as exc:
                record.detail = str(exc)
            records.append(record)
        return records


def unmet(records: list[CriterionRecord]) -> str | None:
    """The run's error when expectations failed, naming each with its values; else None."""
    failed = [r for r in records if not r.passed]
    if not failed:
        return None
    parts = [f"{r.condition} ({r.detail})" if r.detail else r.condition for r in failed]
    return "expectation not met: " + "; ".join(parts)

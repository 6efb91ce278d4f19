"""Evaluates a document's values, criteria and outputs against a run's state.

Each node of the document is compiled once (by identity, or by text for strings) and evaluated
many times: a polling loop evaluates the same criteria on every iteration. A node is compiled
for the Arazzo feature set of the document it lives in (``RunContext.spec``): a 1.1 document's
expressions follow the 1.1 grammar, its conditions the 1.1 rules, its values may hold Selector
Objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from arazzo_engine.document import SPEC_VERSIONS, SpecVersion
from arazzo_engine.errors import ArazzoError
from arazzo_engine.executor._program import Program
from arazzo_engine.executor._results import CriterionRecord
from arazzo_engine.executor._state import Frame, RunState
from arazzo_engine.expressions import Compiler, EvaluationContext, compile_value
from arazzo_engine.expressions._regex import DEFAULT_TIMEOUT as DEFAULT_REGEX_TIMEOUT

__all__ = ["Evaluator", "RunContext"]


@dataclass
class RunContext(EvaluationContext):
    """What expressions see, plus the feature set of the document being run."""

    spec: SpecVersion = "1.0"


def spec_of(ctx: EvaluationContext) -> SpecVersion:
    return ctx.spec if isinstance(ctx, RunContext) else "1.0"


class Evaluator:
    """What expressions see in a frame, and the compiled forms of the nodes they live in."""

    def __init__(self, program: Program, *, regex_timeout: float = DEFAULT_REGEX_TIMEOUT) -> None:
        self.program = program
        self.regex_timeout = regex_timeout
        self._criteria = {version: Compiler(regex_timeout=regex_timeout, version=version)
                          for version in SPEC_VERSIONS}
        self._compiled: dict[Any, Any] = {}
        #: A criterion's parts a record repeats (condition text, type, context), by node.
        self._criterion_forms: dict[tuple[SpecVersion, int], tuple[Any, ...]] = {}

    def context(self, state: RunState, frame: Frame,
                outputs: Mapping[str, Any] | None = None) -> RunContext:
        return RunContext(
            inputs=frame.inputs, outputs=dict(outputs or {}), steps=frame.steps,
            workflows=state.workflows,
            source_descriptions=self.program.source_descriptions(frame.document),
            components=self.program.components(frame.document),
            self_uri=self.program.self_uri(frame.document),
            spec=self.program.spec(frame.document),
        )

    def value(self, node: Any, ctx: EvaluationContext) -> Any:
        spec = spec_of(ctx)
        key = (spec, node if isinstance(node, str) else id(node))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = compile_value(node, version=spec)
            if isinstance(node, (str, dict, list)):
                self._compiled[key] = compiled
        return compiled.evaluate(ctx)

    def criteria(self, criteria: Any, ctx: EvaluationContext,
                 field: str) -> list[CriterionRecord]:
        if not isinstance(criteria, list):
            return [CriterionRecord(condition=short_repr(criteria), passed=False,
                                    detail=f"{field} must be a list of Criterion Objects")]
        return [self.criterion(c, ctx) for c in criteria]

    def criterion(self, criterion: Any, ctx: EvaluationContext) -> CriterionRecord:
        spec = spec_of(ctx)
        key = (spec, id(criterion))
        found = self._criterion_forms.get(key)
        if found is None or found[0] is not criterion:
            data = criterion if isinstance(criterion, Mapping) \
                else {"condition": str(criterion)}
            kind = data.get("type")
            found = (criterion, data, str(data.get("condition")),
                     kind.get("type") if isinstance(kind, Mapping) else kind,
                     data.get("context"))
            if isinstance(criterion, (dict, list)):  # a document's node: alive with it
                self._criterion_forms[key] = found
        _node, data, condition, kind, context = found
        record = CriterionRecord(condition=condition, passed=False, type=kind, context=context)
        try:
            compiled = self._compiled.get(key)
            if compiled is None:
                compiled = self._compiled[key] = self._criteria[spec].criterion(data)
            verdict = compiled.evaluate(ctx)
            record.passed, record.detail = bool(verdict.passed), str(verdict.detail or "")
        except ArazzoError as exc:
            record.detail = str(exc)
        return record

    def outputs(self, declared: Any, ctx: EvaluationContext) -> tuple[dict[str, Any],
                                                                       dict[str, str]]:
        """Every declared output; one that cannot be resolved is null, with the reason kept."""
        values: dict[str, Any] = {}
        unresolved: dict[str, str] = {}
        if not isinstance(declared, Mapping):
            return values, unresolved
        for name, expression in declared.items():
            try:
                values[name] = self.value(expression, ctx)
            except ArazzoError as exc:
                values[name], unresolved[name] = None, str(exc)
            if isinstance(ctx.outputs, dict):
                ctx.outputs[name] = values[name]
        return values, unresolved


def short_repr(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."

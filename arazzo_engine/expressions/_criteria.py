"""Criterion Objects compiled once: simple, regex, jsonpath and xpath conditions.

``evaluate`` never raises for a run's data: a missing context, a failed comparison or a stopped
regex all give ``passed=False`` with a ``detail`` saying why (Arazzo 1.1: an evaluation error makes
the condition fail).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from arazzo_engine.errors import MissingValueError
from arazzo_engine.expressions._condition import ConditionFailure, Node
from arazzo_engine.expressions._context import EvaluationContext
from arazzo_engine.expressions._errors import ExpressionError
from arazzo_engine.expressions._jsonpath import (
    GOESSNER,
    JSONPathTest,
    compile_goessner_test,
    compile_jsonpath_test,
)
from arazzo_engine.expressions._navigation import render
from arazzo_engine.expressions._parse import parse_condition, parse_expression
from arazzo_engine.expressions._regex import (
    DEFAULT_TIMEOUT,
    RegexAborted,
    RegexTest,
    compile_regex_test,
    regex_budget,
)
from arazzo_engine.expressions._runtime import RuntimeExpression
from arazzo_engine.expressions._xpath import (
    DEFAULT_VERSION,
    VERSIONS,
    XPathFailure,
    XPathTest,
    compile_xpath_test,
)

TYPES = ("simple", "regex", "jsonpath", "xpath")
_VERSIONS = {"jsonpath": (GOESSNER, "rfc9535"), "xpath": VERSIONS}


@dataclass(frozen=True)
class CriterionResult:
    """Whether a criterion passed, and a sentence saying why (for traces and diagnostics)."""

    passed: bool
    detail: str

    def __bool__(self) -> bool:
        return self.passed


@dataclass(frozen=True)
class CompiledCriterion:
    """A Criterion Object ready to evaluate many times without parsing again.

    ``type`` is one of ``simple``, ``regex``, ``jsonpath``, ``xpath``; ``version`` the JSONPath
    or XPath version in force (``rfc9535`` / ``xpath-31`` by default).
    """

    condition: str
    type: str
    version: str | None
    context: RuntimeExpression | None
    warnings: tuple[str, ...] = ()
    _test: Any = field(default=None, repr=False)
    #: Seconds all the regex work of one evaluation may take (regex criteria, JSONPath
    #: ``search()``/``match()``, the Goessner ``=~``).
    regex_timeout: float = DEFAULT_TIMEOUT

    @property
    def filters_context_children(self) -> bool:
        """True for an RFC 9535 ``$[?...]`` query: it tests the context's children, which for
        an object context is rarely what the author meant (docs/semantics.md, point 2)."""
        return bool(getattr(self._test, "filters_children", False))

    def references(self) -> list[RuntimeExpression]:
        """Every runtime expression the criterion reads: its context, then its condition's."""
        found = [] if self.context is None else [self.context]
        if isinstance(self._test, Node):
            found.extend(self._test.references())
        return found

    def evaluate(self, context: EvaluationContext) -> CriterionResult:
        """Apply the criterion to the run's current data."""
        with regex_budget(self.regex_timeout):
            return self._evaluate(context)

    def _evaluate(self, context: EvaluationContext) -> CriterionResult:
        if self.type == "simple":
            return self._simple(context)
        assert self.context is not None
        try:
            value = self.context.evaluate(context)
        except MissingValueError as error:
            return CriterionResult(False, f"context {self.context.text} is missing: {_why(error)}")
        if value is None:
            return CriterionResult(False, f"context {self.context.text} is null")
        try:
            return self._typed(value)
        except (ConditionFailure, XPathFailure) as failure:
            return CriterionResult(False, str(failure))
        except RegexAborted as aborted:
            return CriterionResult(False, f"{self.type} {self.condition!r} gave up: {aborted}")
        except Exception as error:  # a library failing on odd data must not stop the run
            return CriterionResult(False, f"{self.type} {self.condition!r} failed: {error}")

    def _simple(self, context: EvaluationContext) -> CriterionResult:
        assert isinstance(self._test, Node)
        try:
            passed, reason = self._test.truth(context)
        except ConditionFailure as failure:
            return CriterionResult(False, failure.detail)
        return CriterionResult(passed, reason)

    def _typed(self, value: Any) -> CriterionResult:
        assert self.context is not None
        if isinstance(self._test, RegexTest):
            text = render(value)
            passed = self._test.search(text)
            verb = "matches" if passed else "does not match"
            detail = f"{self.context.text} ({_short(text)}) {verb} {self.condition}"
            return CriterionResult(passed, detail)
        if isinstance(self._test, XPathTest):
            passed, reason = self._test.test(value)
            return CriterionResult(passed, reason)
        assert isinstance(self._test, JSONPathTest)
        if isinstance(value, (str, bytes)):
            try:
                value = json.loads(value)
            except ValueError:
                return CriterionResult(False, f"context {self.context.text} is text, not JSON")
        passed, reason = self._test.test(value)
        return CriterionResult(passed, reason)


def _why(error: MissingValueError) -> str:
    text = str(error)
    return text.split(" is missing: ", 1)[-1]


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def compile_criterion(
    criterion: Mapping[str, Any], *, regex_timeout: float = DEFAULT_TIMEOUT
) -> CompiledCriterion:
    """Compile a Criterion Object (``condition``, optional ``context`` and ``type``).

    Raises:
        ExpressionError: the condition, context, regex, JSONPath or XPath does not parse, or the
            type is unknown.
    """
    if not isinstance(criterion, Mapping):
        raise ExpressionError("a criterion must be an object", repr(criterion), 1)
    condition = criterion.get("condition")
    if not isinstance(condition, str):
        shown = "" if condition is None else repr(condition)
        raise ExpressionError("a criterion needs a 'condition' string", shown, 1)
    kind, version = _type_and_version(criterion.get("type"))
    context_text = criterion.get("context")
    context = None
    if context_text is not None:
        if not isinstance(context_text, str):
            raise ExpressionError("a criterion 'context' must be a string", repr(context_text), 1)
        context = parse_expression(context_text)
    warnings: list[str] = []
    test: Any
    if kind == "simple":
        test = parse_condition(condition)
        if context is not None:
            warnings.append("a simple condition does not use 'context'; it is ignored")
        return CompiledCriterion(condition, kind, None, context, tuple(warnings), test,
                                 regex_timeout)
    if context is None:
        raise ExpressionError(f"a {kind} criterion needs a 'context'", condition, 1)
    if kind == "regex":
        test, warnings = compile_regex_test(condition, regex_timeout)
    elif kind == "xpath":
        version = version or DEFAULT_VERSION
        test = compile_xpath_test(condition, version)
    elif version == GOESSNER:
        test, warnings = compile_goessner_test(condition)
    else:
        version = "rfc9535"
        test, warnings = compile_jsonpath_test(condition)
    return CompiledCriterion(condition, kind, version, context, tuple(warnings), test,
                             regex_timeout)


def _type_and_version(declared: Any) -> tuple[str, str | None]:
    if declared is None:
        return "simple", None
    if isinstance(declared, str):
        if declared not in TYPES:
            raise ExpressionError(
                f"unknown criterion type {declared!r}; expected one of {', '.join(TYPES)}",
                declared,
                1,
            )
        return declared, None
    if isinstance(declared, Mapping):
        kind, version = declared.get("type"), declared.get("version")
        if kind not in _VERSIONS:
            raise ExpressionError(
                "a Criterion Expression Type Object's 'type' must be 'jsonpath' or 'xpath'",
                str(kind),
                1,
            )
        if version not in _VERSIONS[kind]:
            allowed = ", ".join(_VERSIONS[kind])
            raise ExpressionError(
                f"unknown {kind} version {version!r}; expected one of {allowed}", str(version), 1
            )
        return kind, version
    raise ExpressionError("a criterion 'type' must be a string or an object", repr(declared), 1)

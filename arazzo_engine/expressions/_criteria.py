"""Criterion Objects compiled once: simple, regex, jsonpath and xpath conditions.

``evaluate`` never raises for a run's data: a missing context, a failed comparison or a stopped
regex all give ``passed=False`` with a ``detail`` saying why (Arazzo 1.1: an evaluation error makes
the condition fail).

In an Arazzo 1.1 document a regex, JSONPath or XPath condition may embed runtime expressions in
braces (``'^({$inputs.pattern})$'``): they are evaluated and substituted first, then the
resulting text is compiled (once per distinct text) and applied ("Runtime Expressions in
Conditions"). A 1.0 document's conditions are taken literally, as before.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from arazzo_engine.document._versions import SpecVersion
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
from arazzo_engine.expressions._parse import Part, parse_condition, parse_expression, parse_template
from arazzo_engine.expressions._regex import (
    DEFAULT_TIMEOUT,
    RegexAborted,
    RegexTest,
    compile_regex_test,
    regex_budget,
)
from arazzo_engine.expressions._runtime import RuntimeExpression
from arazzo_engine.expressions._selectors import expression_type
from arazzo_engine.expressions._singular import SingularComparison
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
    #: ``_may_use_regex``, decided once (it is asked at every evaluation).
    _regex_free: bool = field(default=False, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regex_free", self.type == "simple"
                           or isinstance(self._test, SingularComparison))

    @property
    def filters_context_children(self) -> bool:
        """True for an RFC 9535 ``$[?...]`` query: it tests the context's children, which for
        an object context is rarely what the author meant (docs/semantics.md, point 2)."""
        return bool(getattr(self._test, "filters_children", False))

    def references(self) -> list[RuntimeExpression]:
        """Every runtime expression the criterion reads: its context, then its condition's."""
        found = [] if self.context is None else [self.context]
        if isinstance(self._test, (Node, _Substituted)):
            found.extend(self._test.references())
        return found

    def evaluate(self, context: EvaluationContext) -> CriterionResult:
        """Apply the criterion to the run's current data."""
        if self._regex_free:
            return self._evaluate(context)
        with regex_budget(self.regex_timeout):
            return self._evaluate(context)

    @property
    def _may_use_regex(self) -> bool:
        """Simple conditions and singular comparisons never run a regex: they need no budget
        (setting one is a context variable set and reset, on every evaluation of a loop)."""
        return self.type != "simple" and not isinstance(self._test, SingularComparison)

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
            return self._typed(value, context)
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

    def _typed(self, value: Any, context: EvaluationContext) -> CriterionResult:
        assert self.context is not None
        test = self._test
        if type(test) is SingularComparison and not isinstance(value, (str, bytes)):
            passed, reason = test.test(value)  # the common case, straight to its answer
            return CriterionResult(passed, reason)
        condition = self.condition
        if isinstance(test, _Substituted):
            try:
                condition = test.text(context)
            except MissingValueError as error:
                return CriterionResult(False, f"the condition embeds a value that is missing: "
                                              f"{error}")
            try:
                test = test.compiled(condition)
            except ExpressionError as error:
                return CriterionResult(False, f"{condition!r} (after substitution) is not a "
                                              f"valid {self.type} condition: {error.message}")
        if isinstance(test, RegexTest):
            text = render(value)
            passed = test.search(text)
            verb = "matches" if passed else "does not match"
            detail = f"{self.context.text} ({_short(text)}) {verb} {condition}"
            return CriterionResult(passed, detail)
        if isinstance(test, XPathTest):
            passed, reason = test.test(value)
            return CriterionResult(passed, reason)
        assert isinstance(test, JSONPathTest)
        if isinstance(value, (str, bytes)):
            try:
                value = json.loads(value)
            except ValueError:
                return CriterionResult(False, f"context {self.context.text} is text, not JSON")
        passed, reason = test.test(value)
        return CriterionResult(passed, reason)


@dataclass(frozen=True)
class _Substituted:
    """A typed condition with embedded ``{$...}`` expressions (Arazzo 1.1): substituted at
    each evaluation, each distinct text compiled once."""

    parts: tuple[Part, ...]
    build: Any  # str -> test
    _compiled: dict[str, Any] = field(default_factory=dict, compare=False)

    def text(self, context: EvaluationContext) -> str:
        return "".join(part if isinstance(part, str) else render(part.evaluate(context))
                       for part in self.parts)

    def compiled(self, text: str) -> Any:
        found = self._compiled.get(text)
        if found is None:
            if len(self._compiled) >= 64:
                self._compiled.clear()
            found = self._compiled[text] = self.build(text)
        return found

    def references(self) -> list[RuntimeExpression]:
        return [part for part in self.parts if isinstance(part, RuntimeExpression)]


def _why(error: MissingValueError) -> str:
    text = str(error)
    return text.split(" is missing: ", 1)[-1]


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def compile_criterion(
    criterion: Mapping[str, Any], *, regex_timeout: float = DEFAULT_TIMEOUT,
    version: SpecVersion = "1.0",
) -> CompiledCriterion:
    """Compile a Criterion Object (``condition``, optional ``context`` and ``type``).

    ``version`` is the document's Arazzo feature set: its expression grammar, its condition
    rules, and (1.1) the Expression Type Object and substitution into typed conditions.

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
    if version == "1.0":
        kind, kind_version = _type_and_version(criterion.get("type"))
    else:
        kind, kind_version = _type_1_1(criterion.get("type"))
    context_text = criterion.get("context")
    context = None
    if context_text is not None:
        if not isinstance(context_text, str):
            raise ExpressionError("a criterion 'context' must be a string", repr(context_text), 1)
        context = parse_expression(context_text, version=version)
    warnings: list[str] = []
    test: Any
    if kind == "simple":
        test = parse_condition(condition, version=version)
        if context is not None:
            warnings.append("a simple condition does not use 'context'; it is ignored")
        return CompiledCriterion(condition, kind, None, context, tuple(warnings), test,
                                 regex_timeout)
    if context is None:
        raise ExpressionError(f"a {kind} criterion needs a 'context'", condition, 1)
    if kind == "xpath":
        kind_version = kind_version or DEFAULT_VERSION
    elif kind == "jsonpath" and kind_version != GOESSNER:
        kind_version = "rfc9535"

    def build(text: str) -> Any:
        found, found_warnings = _typed_test(text, kind, kind_version, regex_timeout)
        warnings.extend(found_warnings)
        return found

    if version != "1.0" and _EMBEDS.search(condition):
        test = _Substituted(parse_template(condition, version), build)
    else:
        test = build(condition)
    return CompiledCriterion(condition, kind, kind_version, context, tuple(warnings), test,
                             regex_timeout)


#: A typed condition of a 1.1 document embeds an expression where ``{$`` meets a root.
_EMBEDS = re.compile(r"\{\$(?:url|method|statusCode|self|request|response|message|inputs|"
                     r"outputs|steps|workflows|sourceDescriptions|components)(?![A-Za-z0-9_])")


def _typed_test(condition: str, kind: str, version: str | None,
                regex_timeout: float) -> tuple[Any, list[str]]:
    if kind == "regex":
        return compile_regex_test(condition, regex_timeout)
    if kind == "xpath":
        return compile_xpath_test(condition, version or DEFAULT_VERSION), []
    if version == GOESSNER:
        return compile_goessner_test(condition)
    return compile_jsonpath_test(condition)


def _type_1_1(declared: Any) -> tuple[str, str | None]:
    """Arazzo 1.1: a type name, or an Expression Type Object of jsonpath or xpath (a JSON
    Pointer selects a value; it states no condition)."""
    if declared is None:
        return "simple", None
    if isinstance(declared, str):
        return _type_and_version(declared)
    if isinstance(declared, Mapping) and declared.get("type") == "jsonpointer":
        raise ExpressionError("a criterion's type cannot be jsonpointer: a JSON Pointer selects "
                              "a value but states no condition (use it in a Selector Object)",
                              "jsonpointer", 1)
    kind, version = expression_type(declared, allowed=("jsonpath", "xpath"), what="criterion")
    return kind, version


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

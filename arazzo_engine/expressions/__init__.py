"""Arazzo runtime expressions, templates and criteria: parsed once, evaluated many times.

    >>> from arazzo_engine.expressions import EvaluationContext, compile_value
    >>> compile_value("Bearer {$inputs.token}").evaluate(EvaluationContext(inputs={"token": "t"}))
    'Bearer t'

The grammars are ``grammar/runtime_expression.lark`` and ``grammar/condition.lark``; the choices
made where Arazzo 1.0.1 is silent are in ``docs/semantics.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from arazzo_engine.document._versions import SpecVersion
from arazzo_engine.expressions import _lark  # noqa: F401  (first: lark without regex)
from arazzo_engine.expressions._compiler import Compiler
from arazzo_engine.expressions._context import EvaluationContext, Message
from arazzo_engine.expressions._criteria import CompiledCriterion, CriterionResult
from arazzo_engine.expressions._errors import ExpressionError
from arazzo_engine.expressions._jsonpath import jsonpath_query
from arazzo_engine.expressions._navigation import Accessor
from arazzo_engine.expressions._parse import parse_condition, parse_expression
from arazzo_engine.expressions._runtime import RuntimeExpression
from arazzo_engine.expressions._selectors import (
    CompiledSelector,
    SelectorError,
    compile_selector,
    expression_type,
    is_selector,
)
from arazzo_engine.expressions._values import CompiledValue

_DEFAULT_COMPILERS = {"1.0": Compiler(version="1.0"), "1.1": Compiler(version="1.1")}


def compile_value(value: Any, *, version: SpecVersion = "1.0") -> CompiledValue:
    """Compile a parameter value, payload or output value (cached by a default ``Compiler``).

    A string that is exactly one runtime expression keeps its value's type; one with embedded
    ``{$...}`` expressions becomes a string template; other values are literals, walked through
    objects and arrays. ``version`` is the document's Arazzo feature set (``1.0`` or ``1.1``,
    where a mapping with ``context`` and ``selector`` is a Selector Object).

    Raises:
        ExpressionError: a string meant as an expression does not parse.
    """
    return _DEFAULT_COMPILERS[version].value(value)


def compile_criterion(criterion: Mapping[str, Any], *,
                      version: SpecVersion = "1.0") -> CompiledCriterion:
    """Compile a Criterion Object (cached by a default ``Compiler``).

    Raises:
        ExpressionError: the condition, context, regex, JSONPath or XPath does not parse.
    """
    return _DEFAULT_COMPILERS[version].criterion(criterion)


__all__ = [
    "Accessor",
    "CompiledCriterion",
    "CompiledSelector",
    "CompiledValue",
    "Compiler",
    "CriterionResult",
    "EvaluationContext",
    "ExpressionError",
    "Message",
    "RuntimeExpression",
    "SelectorError",
    "compile_criterion",
    "compile_selector",
    "compile_value",
    "expression_type",
    "is_selector",
    "jsonpath_query",
    "parse_condition",
    "parse_expression",
]

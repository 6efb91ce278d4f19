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

from arazzo_engine.expressions._compiler import Compiler
from arazzo_engine.expressions._context import EvaluationContext, Message
from arazzo_engine.expressions._criteria import CompiledCriterion, CriterionResult
from arazzo_engine.expressions._errors import ExpressionError
from arazzo_engine.expressions._jsonpath import jsonpath_query
from arazzo_engine.expressions._navigation import Accessor
from arazzo_engine.expressions._parse import parse_condition, parse_expression
from arazzo_engine.expressions._runtime import RuntimeExpression
from arazzo_engine.expressions._values import CompiledValue

_DEFAULT_COMPILER = Compiler()


def compile_value(value: Any) -> CompiledValue:
    """Compile a parameter value, payload or output value (cached by a default ``Compiler``).

    A string that is exactly one runtime expression keeps its value's type; one with embedded
    ``{$...}`` expressions becomes a string template; other values are literals, walked through
    objects and arrays.

    Raises:
        ExpressionError: a string meant as an expression does not parse.
    """
    return _DEFAULT_COMPILER.value(value)


def compile_criterion(criterion: Mapping[str, Any]) -> CompiledCriterion:
    """Compile a Criterion Object (cached by a default ``Compiler``).

    Raises:
        ExpressionError: the condition, context, regex, JSONPath or XPath does not parse.
    """
    return _DEFAULT_COMPILER.criterion(criterion)


__all__ = [
    "Accessor",
    "CompiledCriterion",
    "CompiledValue",
    "Compiler",
    "CriterionResult",
    "EvaluationContext",
    "ExpressionError",
    "Message",
    "RuntimeExpression",
    "compile_criterion",
    "compile_value",
    "jsonpath_query",
    "parse_condition",
    "parse_expression",
]

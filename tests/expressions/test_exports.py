"""The public surface of arazzo_engine.expressions is what architecture.md promises."""

from __future__ import annotations

import dataclasses

import arazzo_engine
from arazzo_engine import expressions
from arazzo_engine.errors import ArazzoError

PROMISED = {
    "ExpressionError", "EvaluationContext", "Message", "parse_expression", "compile_value",
    "compile_criterion", "jsonpath_query", "Compiler", "RuntimeExpression", "CompiledValue",
    "CompiledCriterion", "CriterionResult",
}


def test_all_is_sorted_and_complete() -> None:
    assert expressions.__all__ == sorted(expressions.__all__)
    assert set(expressions.__all__) >= PROMISED
    for name in expressions.__all__:
        assert hasattr(expressions, name)


def test_package_root_reexports() -> None:
    assert arazzo_engine.ExpressionError is expressions.ExpressionError
    assert arazzo_engine.jsonpath_query is expressions.jsonpath_query
    assert {"ExpressionError", "jsonpath_query"} <= set(arazzo_engine.__all__)


def test_expression_error_is_in_the_error_tree() -> None:
    assert issubclass(expressions.ExpressionError, ArazzoError)
    assert issubclass(expressions.ExpressionError, ValueError)


def test_context_fields_default_to_empty() -> None:
    context = expressions.EvaluationContext()
    names = [f.name for f in dataclasses.fields(context)]
    assert names == [
        "inputs", "outputs", "steps", "workflows", "source_descriptions", "components", "url",
        "method", "status_code", "request", "response", "message", "self_uri",
    ]
    assert context.inputs == {} and context.response is None
    message = expressions.Message()
    assert [f.name for f in dataclasses.fields(message)] == [
        "headers", "body", "raw_body", "content_type", "query", "path",
    ]


def test_runtime_expression_is_frozen() -> None:
    expression = expressions.parse_expression("$inputs.a")
    assert dataclasses.is_dataclass(expression)
    try:
        expression.root = "url"  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        pass
    else:  # pragma: no cover
        raise AssertionError("RuntimeExpression is mutable")

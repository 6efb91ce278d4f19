"""Refused text over cases/errors.yaml: every error names the offending column."""

from __future__ import annotations

from typing import Any

import pytest

from arazzo_engine.errors import ArazzoError
from arazzo_engine.expressions import (
    ExpressionError,
    compile_criterion,
    compile_value,
    parse_expression,
)

from ._cases import load_cases

CASES = load_cases("errors")


def _raise(case: dict[str, Any]) -> None:
    kind = case["kind"]
    if kind == "expression":
        parse_expression(case["text"])
    elif kind == "value":
        compile_value(case["text"])
    elif kind == "condition":
        compile_criterion({"condition": case["text"]})
    else:
        compile_criterion(case["criterion"])


def _id(case: dict[str, Any]) -> str:
    return case.get("id") or f"{case['kind']}: {case.get('text', case.get('criterion'))}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_error(case: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError) as raised:
        _raise(case)
    error = raised.value
    assert error.column == case["column"], str(error)
    if "message" in case:
        assert case["message"] in error.message
    assert f"column {case['column']}" in str(error)
    assert "\n" not in str(error)


def test_error_is_an_arazzo_error_and_a_value_error() -> None:
    with pytest.raises(ExpressionError) as raised:
        parse_expression("$inputs.")
    assert isinstance(raised.value, ArazzoError)
    assert isinstance(raised.value, ValueError)
    assert raised.value.text == "$inputs."


def test_caret_points_under_the_column() -> None:
    with pytest.raises(ExpressionError) as raised:
        compile_criterion({"condition": "$statusCode = 200"})
    assert raised.value.caret() == "$statusCode = 200\n            ^"


def test_caret_shows_the_line_of_a_multiline_text() -> None:
    with pytest.raises(ExpressionError) as raised:
        compile_value("first line\nsecond {$inputs.} line")
    assert raised.value.caret() == "second {$inputs.} line\n                ^"


def test_caret_at_the_end_of_the_text() -> None:
    with pytest.raises(ExpressionError) as raised:
        parse_expression("$inputs")
    assert raised.value.caret() == "$inputs\n       ^"


def test_long_text_is_quoted_around_the_column() -> None:
    text = "$statusCode == 200 && " * 20 + "$inputs = 1"
    with pytest.raises(ExpressionError) as raised:
        compile_criterion({"condition": text})
    assert len(str(raised.value)) < 300
    assert "$inputs = 1" in str(raised.value)

"""Whole-string runtime expressions: parsing and evaluation, driven by cases/expressions.yaml."""

from __future__ import annotations

from typing import Any

import pytest

from arazzo_engine.errors import MissingValueError
from arazzo_engine.expressions import RuntimeExpression, parse_expression

from ._cases import case_id, load_cases, make_context

CASES = load_cases("expressions")


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_expression(case: dict[str, Any]) -> None:
    expression = parse_expression(case["text"])
    assert isinstance(expression, RuntimeExpression)
    assert expression.text == case["text"]
    assert expression.column == 1
    if "root" in case:
        assert expression.root == case["root"]
    if "segments" in case:
        assert expression.segments == tuple(case["segments"])
    if "pointer" in case:
        assert expression.pointer == case["pointer"]
    context = make_context(case.get("with"))
    if case.get("missing"):
        with pytest.raises(MissingValueError) as raised:
            expression.evaluate(context)
        assert case["text"] in str(raised.value)
    else:
        assert expression.evaluate(context) == case["value"]
        assert type(expression.evaluate(context)) is type(case["value"])

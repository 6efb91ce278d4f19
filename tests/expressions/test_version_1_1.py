"""Arazzo 1.1 expressions over cases/version-1.1.yaml, and how 1.0 documents differ."""

from __future__ import annotations

from typing import Any

import pytest

from arazzo_engine.errors import MissingValueError
from arazzo_engine.expressions import (
    ExpressionError,
    compile_criterion,
    compile_value,
    parse_expression,
)

from ._cases import case_id, load_cases, make_context

CASES = load_cases("version-1.1")
CHANGED = [c for c in CASES if "in_1_0" in c]


def _outcome(case: dict[str, Any], version: str) -> Any:
    """What the case gives in a document of ``version``: a value, a verdict, or a marker."""
    context = make_context(case.get("with"))
    kind = case["kind"]
    try:
        if kind in ("expression", "error"):
            compiled = parse_expression(case["text"], version=version)  # type: ignore[arg-type]
            return ("parsed", compiled, compiled.evaluate(context))
        if kind == "value":
            return ("value", compile_value(case["value_of"],
                                           version=version).evaluate(context))  # type: ignore[arg-type]
        criterion = case["criterion"] if kind == "criterion" else {"condition": case["condition"]}
        return ("verdict", compile_criterion(criterion,
                                             version=version).evaluate(context))  # type: ignore[arg-type]
    except MissingValueError as error:
        return ("missing", error)
    except ExpressionError as error:
        return ("error", error)


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_version_1_1(case: dict[str, Any]) -> None:
    outcome = _outcome(case, "1.1")
    kind = case["kind"]
    if kind == "error":
        assert outcome[0] == "error", outcome
        assert outcome[1].column == case["column"], outcome[1]
        assert case["message"] in outcome[1].message
        return
    if case.get("missing"):
        assert outcome[0] == "missing", outcome
        return
    if kind == "expression":
        assert outcome[0] == "parsed", outcome
        expression, value = outcome[1], outcome[2]
        for field in ("root", "pointer"):
            if field in case:
                assert getattr(expression, field) == case[field]
        if "segments" in case:
            assert expression.segments == tuple(case["segments"])
        assert value == case["value"]
    elif kind == "value":
        assert outcome == ("value", case["value"])
    else:
        assert outcome[0] == "verdict", outcome
        assert outcome[1].passed is case["passed"], outcome[1].detail
        if "detail" in case:
            assert case["detail"] in outcome[1].detail


@pytest.mark.parametrize("case", CHANGED, ids=[case_id(c) for c in CHANGED])
def test_a_1_0_document_keeps_its_reading(case: dict[str, Any]) -> None:
    outcome = _outcome(case, "1.0")
    expected = case["in_1_0"]
    if expected == "error":
        assert outcome[0] == "error", outcome
    elif expected == "missing":
        assert outcome[0] == "missing", outcome
    elif expected == "parsed":
        assert outcome[0] == "parsed", outcome
    elif case["kind"] in ("condition", "criterion"):
        assert outcome[0] == "verdict" and outcome[1].passed is expected, outcome
    else:
        assert outcome == ("value", expected)

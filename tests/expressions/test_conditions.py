"""Simple conditions over cases/conditions.yaml (arazzo-notes 4: precedence, coercion, null)."""

from __future__ import annotations

from typing import Any

import pytest

from arazzo_engine.expressions import compile_criterion

from ._cases import case_id, load_cases, make_context

CASES = load_cases("conditions")


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_condition(case: dict[str, Any]) -> None:
    untyped = {"condition": case["condition"]}
    for criterion in (untyped, {**untyped, "type": "simple"}):
        result = compile_criterion(criterion).evaluate(make_context(case.get("with")))
        assert result.passed is case["passed"], result.detail
        if "detail" in case:
            assert case["detail"] in result.detail


def test_references_in_document_order_with_columns() -> None:
    condition = "$statusCode == 200 && $inputs.a < $steps.s.outputs.b"
    criterion = compile_criterion({"condition": condition})
    assert [(r.text, r.column) for r in criterion.references()] == [
        ("$statusCode", 1),
        ("$inputs.a", 23),
        ("$steps.s.outputs.b", 35),
    ]

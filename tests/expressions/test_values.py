"""compile_value over cases/values.yaml: types kept, templates, literal braces, bare expressions."""

from __future__ import annotations

from typing import Any

import pytest

from arazzo_engine.errors import MissingValueError
from arazzo_engine.expressions import compile_value

from ._cases import case_id, load_cases, make_context

CASES = load_cases("values")


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_value(case: dict[str, Any]) -> None:
    compiled = compile_value(case["value"])
    result = compiled.evaluate(make_context(case.get("with")))
    assert result == case["result"]
    assert type(result) is type(case["result"])
    if "bare" in case:
        assert compiled.uses_bare_embedding is case["bare"]
    if compiled.uses_bare_embedding:  # the validator's fix reads the same, with braces only
        braced = compile_value(compiled.braced())
        assert not braced.uses_bare_embedding
        assert braced.evaluate(make_context(case.get("with"))) == result
    else:
        assert compiled.braced() == case["value"]
    if "literal" in case:
        assert compiled.is_literal is case["literal"]
    if "references" in case:
        assert [r.text for r in compiled.references()] == case["references"]
    if "warns" in case:
        assert any(case["warns"] in warning for warning in compiled.warnings)
    elif not case.get("bare"):
        assert compiled.warnings == ()


def test_reference_columns_point_into_the_string() -> None:
    template = compile_value("Bearer {$inputs.token} for {$inputs.accountId}")
    assert [r.column for r in template.references()] == [9, 29]
    bare = compile_value("Bearer $inputs.token")
    assert [r.column for r in bare.references()] == [8]


def test_missing_value_raises_with_the_expression() -> None:
    compiled = compile_value({"a": ["x {$inputs.absent} y"]})
    with pytest.raises(MissingValueError, match=r"\$inputs\.absent"):
        compiled.evaluate(make_context())


def test_evaluation_returns_fresh_containers() -> None:
    compiled = compile_value({"a": [1]})
    first = compiled.evaluate(make_context())
    first["a"].append(2)
    assert compiled.evaluate(make_context()) == {"a": [1]}


def test_braced_wraps_each_bare_expression_and_nothing_else() -> None:
    assert compile_value("Bearer $inputs.token").braced() == "Bearer {$inputs.token}"
    assert compile_value({"h": ["x $inputs.a, $5 and $inputs.b."]}).braced() == {
        "h": ["x {$inputs.a}, $5 and {$inputs.b}."]}
    assert compile_value("{$inputs.a} and $inputs.b").braced() == "{$inputs.a} and $inputs.b"

"""Criteria of every type over cases/criteria.yaml; references and warnings of criteria."""

from __future__ import annotations

from typing import Any

import pytest

from arazzo_engine.expressions import Compiler, CriterionResult, compile_criterion

from ._cases import load_cases, make_context

CASES = load_cases("criteria")
_JSONPATH = {"context": "$response.body", "condition": "$.a", "type": "jsonpath"}


def _id(case: dict[str, Any]) -> str:
    criterion = case["criterion"]
    kind = criterion.get("type", "simple")
    kind = kind if isinstance(kind, str) else f"{kind['type']}/{kind['version']}"
    return case.get("id") or f"{kind}: {criterion['condition']}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_criterion(case: dict[str, Any]) -> None:
    compiled = compile_criterion(case["criterion"])
    result = compiled.evaluate(make_context(case.get("with")))
    assert isinstance(result, CriterionResult)
    assert result.passed is case["passed"], result.detail
    if "detail" in case:
        assert case["detail"] in result.detail
    if "warns" in case:
        assert any(case["warns"] in warning for warning in compiled.warnings), compiled.warnings


def test_criterion_references_include_the_context() -> None:
    compiled = compile_criterion(_JSONPATH)
    assert [r.text for r in compiled.references()] == ["$response.body"]


def test_type_and_version_are_reported() -> None:
    assert compile_criterion({"condition": "true"}).type == "simple"
    jsonpath = compile_criterion(_JSONPATH)
    assert (jsonpath.type, jsonpath.version) == ("jsonpath", "rfc9535")
    xpath = compile_criterion({"context": "$response.body", "condition": "/a", "type": "xpath"})
    assert (xpath.type, xpath.version) == ("xpath", "xpath-31")


def test_a_compiler_caches_per_instance() -> None:
    compiler = Compiler()
    criterion = {"condition": "$statusCode == 200"}
    assert compiler.criterion(criterion) is compiler.criterion(dict(criterion))
    assert Compiler().criterion(criterion) is not compiler.criterion(criterion)
    assert compiler.value("$inputs.a") is compiler.value("$inputs.a")
    assert compiler.value(1) is not compiler.value(True)
    assert compiler.expression("$url") is compiler.expression("$url")

"""The comparison form on singular queries, compiled to direct lookups, answers exactly as the
general RFC 9535 evaluator does: same verdict, same detail, on any data."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from _shared import shared_params
from hypothesis import given, settings
from hypothesis import strategies as st

from arazzo_engine.expressions import EvaluationContext, Message, _rfc9535, compile_criterion
from arazzo_engine.expressions._singular import SingularComparison, compile_singular_comparison

NAMES = ("a", "b", "status", "data")
scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3),
                    st.sampled_from([0.0, 1.0, 2.5, -1.5]), st.sampled_from(["", "a", "b", "10"]))
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(NAMES), inner, max_size=3)),
    max_leaves=12)

segments = st.one_of(st.sampled_from([f".{n}" for n in NAMES]),
                     st.sampled_from(["['a']", '["b"]', "[0]", "[1]", "[-1]", "[-2]"]))
queries = st.lists(segments, min_size=1, max_size=3).map(lambda s: "$" + "".join(s))
literals = st.sampled_from(["0", "1", "-1", "2", "2.5", "-1.5", "10", "true", "false", "null",
                            "''", "'a'", '"b"', "'10'", "0.0", "1.0e0"])
operators = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])


@st.composite
def comparisons(draw: Any) -> str:
    left = draw(queries)
    right = draw(st.one_of(literals, queries))
    if draw(st.booleans()):
        left, right = right, left
    space = draw(st.sampled_from(["", " ", "  "]))
    return f"{left}{space}{draw(operators)}{space}{right}"


conditions = st.lists(st.tuples(comparisons(), st.sampled_from([" && ", " || ", "&&"])),
                      min_size=1, max_size=3).map(
    lambda parts: "".join(c + joiner for c, joiner in parts[:-1]) + parts[-1][0])


def _paths(value: Any, prefix: str = "$") -> list[str]:
    """Every singular query that finds something in ``value``."""
    found = [prefix] if prefix != "$" else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, f"{prefix}.{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, f"{prefix}[{index}]")
    return found


def _agree(condition: str, document: Any) -> None:
    fast = compile_singular_comparison(condition)
    assert fast is not None, condition
    general = _rfc9535.comparison(condition)
    assert general is not None, condition
    assert fast.test(document) == general.test(document), (condition, document)


@settings(max_examples=400, deadline=None)
@given(conditions, documents)
def test_fast_and_general_paths_agree(condition: str, document: Any) -> None:
    _agree(condition, document)


@settings(max_examples=400, deadline=None)
@given(documents, st.data())
def test_they_agree_on_the_values_that_are_there(document: Any, data: Any) -> None:
    """Queries drawn from the document's own paths, so comparisons meet real values."""
    paths = _paths(document)
    if not paths:
        return
    left = data.draw(st.sampled_from(paths))
    right = data.draw(st.one_of(literals, st.sampled_from(paths)))
    _agree(f"{left} {data.draw(operators)} {right}", document)


@pytest.mark.parametrize("condition", [
    "$.data.status == 10",
    "$.data.status == 20 || $.data.status == 30",
    "$.data.status < 10",
    "$['a'][0] != 'x' && $.b == true",
    "$.a == '$.b'",  # a query inside a string is explained, as the general path does
    "$.x[-1] >= 2.5",
    "$.a==null",
    "$.a == 1", "$.a != 0", "$.a < 2", "$.a >= 0", "$.a == 1.0",  # true and false are not 1 and 0
])
@pytest.mark.parametrize("document", [
    {"data": {"status": 10}}, {"data": {"status": 3}}, {"data": {"status": True}},
    {"data": {"status": 10.0}}, {"a": ["x"], "b": True}, {}, {"x": [1, 3]}, {"a": None},
    {"a": True}, {"a": False}, {"a": 1}, {"a": [1]},
    [1, 2], "text", None,
])
def test_documented_cases_agree(condition: str, document: Any) -> None:
    fast = compile_singular_comparison(condition)
    assert isinstance(fast, SingularComparison)
    general = _rfc9535.comparison(condition)
    assert general is not None
    assert fast.test(document) == general.test(document)


@pytest.mark.parametrize("condition", [
    "@.a == 1",  # relative query
    "$.a",  # an existence test, not a comparison
    "$ == 1",  # the root itself
    "count($.a) == 1",  # a function
    "!($.a == 1)", "($.a == 1)",  # negation and parentheses
    "$.a == 'it\\'s'",  # an escape in a string
    "$ .a == 1",  # blank space inside a query
    "$.a == 01", "$[01] == 1", "$[-0] == 1", "$.a == 1e5", "$.a == -01",  # unusual spellings
    "1 == 1",  # two literals
    "$.é == 1",  # a non-ASCII member name shorthand
    "$.a == 'tab\there'",  # a control character in a string
    "$.a == 1 &&", "$.a == 1 $.b == 2", "$.a = 1", "$.a == 1 || || $.b == 1",
    "$[?@.a == 1]",  # a query
    "$.a == '$[01]'",  # a detail the general path words otherwise
])
def test_anything_else_is_left_to_the_general_path(condition: str) -> None:
    assert compile_singular_comparison(condition) is None


def test_a_criterion_uses_the_fast_path_with_the_same_warning_and_detail() -> None:
    criterion = {"context": "$response.body", "condition": "$.data.status == 10",
                 "type": "jsonpath"}
    compiled = compile_criterion(criterion)
    assert isinstance(compiled._test, SingularComparison)
    assert compiled.warnings == (
        "'$.data.status == 10' is a comparison, not an RFC 9535 query; it is evaluated as an "
        "RFC 9535 logical expression with $ bound to the context",)
    context = EvaluationContext(response=Message(headers={}, body={"data": {"status": 3}},
                                                 content_type="application/json"))
    result = compiled.evaluate(context)
    assert (result.passed, result.detail) == (
        False, "$.data.status == 10 is false ($.data.status is 3)")
    goessner = compile_criterion(dict(criterion, type={
        "type": "jsonpath", "version": "draft-goessner-dispatch-jsonpath-00"}))
    assert isinstance(goessner._test, SingularComparison)


# The JSONPath compliance test suite: every filter that is a comparison of ``@`` singular
# queries is also evaluated by the fast path, one child at a time (``@`` read as ``$`` of the
# child: a filter on ``@`` alone sees nothing else).
PARTS = ("conformance", "jsonpath-cts")
_FILTER = re.compile(r"^\$\[\?(?P<expression>.*)\]$")


def _filter_cases(folder: Path) -> list[dict[str, Any]]:
    found = []
    for case in json.loads((folder / "cts.json").read_text(encoding="utf-8"))["tests"]:
        match = _FILTER.match(case["selector"])
        if case.get("invalid_selector") or not match or "$" in match["expression"]:
            continue
        expression = match["expression"].replace("@", "$")
        if compile_singular_comparison(expression) is not None and "result" in case:
            found.append(dict(case, fast=expression))
    return found


@pytest.mark.parametrize("case", shared_params(PARTS, _filter_cases, ids=lambda c: c["name"]))
def test_compliance_suite_filters_through_the_fast_path(case: dict[str, Any]) -> None:
    fast = compile_singular_comparison(case["fast"])
    assert fast is not None
    document = case["document"]
    children = list(document.values()) if isinstance(document, dict) else list(document)
    assert [child for child in children if fast.test(child)[0]] == case["result"]


def test_the_compliance_suite_has_enough_such_filters() -> None:
    from _shared import shared

    folder = shared(*PARTS)
    if folder.exists():
        assert len(_filter_cases(folder)) >= 30

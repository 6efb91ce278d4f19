"""The RFC 9535 JSONPath Compliance Test Suite, run through ``arazzo_engine.jsonpath_query``.

The suite is fetched data, kept beside the clone in ../shared/conformance/jsonpath-cts/cts.json
(skipped, with the reason, when that is missing). Every valid case must give its
nodelist (for ``results``, any one of them); every invalid selector must be refused. A JSONPath
criterion must pass exactly when the query's nodelist is not empty.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _shared import needs_shared, shared, shared_params

from arazzo_engine import ExpressionError, jsonpath_query
from arazzo_engine.expressions import EvaluationContext, compile_criterion

PARTS = ("conformance", "jsonpath-cts")


def _tests(folder: Path) -> list[dict[str, Any]]:
    return json.loads((folder / "cts.json").read_text(encoding="utf-8"))["tests"]


def _cases(invalid: bool) -> list[Any]:
    return shared_params(PARTS, lambda folder: [t for t in _tests(folder)
                                                if bool(t.get("invalid_selector")) is invalid],
                         ids=lambda t: t["name"])


VALID = _cases(invalid=False)
INVALID = _cases(invalid=True)


@needs_shared(*PARTS)
def test_the_whole_suite_is_here() -> None:
    tests = _tests(shared(*PARTS))
    assert len(tests) == 703
    assert len(VALID) + len(INVALID) == len(tests)


@pytest.mark.parametrize("case", VALID)
def test_valid_selector(case: dict[str, Any]) -> None:
    nodes = jsonpath_query(case["selector"], case["document"])
    if "result" in case:
        assert nodes == case["result"]
    else:
        assert nodes in case["results"]


@pytest.mark.parametrize("case", INVALID)
def test_invalid_selector(case: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError) as raised:
        jsonpath_query(case["selector"], None)
    assert 1 <= raised.value.column <= len(case["selector"]) + 1


@pytest.mark.parametrize("case", VALID)
def test_criterion_passes_exactly_when_nodelist_is_not_empty(case: dict[str, Any]) -> None:
    criterion = compile_criterion(
        {"context": "$inputs.document", "condition": case["selector"], "type": "jsonpath"}
    )
    context = EvaluationContext(inputs={"document": case["document"]})
    expected = bool(case["result"] if "result" in case else case["results"][0])
    if case["document"] is None:
        expected = False  # a null context fails the criterion before any query runs
    assert criterion.evaluate(context).passed is expected

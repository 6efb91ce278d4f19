"""A hostile regex cannot hang a run: every evaluation has a time limit, in-process, and a
pattern too big to compile is refused. The criterion fails saying so."""

from __future__ import annotations

import time

import pytest

from arazzo_engine.expressions import Compiler, EvaluationContext, ExpressionError
from arazzo_engine.expressions._regex import (
    MAX_EXPANSION,
    compile_regex_test,
    expanded_size,
)


def _criterion(condition: str, timeout: float = 0.3, kind: object = "regex",
               context: str = "$inputs.text"):
    compiler = Compiler(regex_timeout=timeout)
    return compiler.criterion({"context": context, "condition": condition, "type": kind})


def _timed(criterion, inputs):
    started = time.monotonic()
    result = criterion.evaluate(EvaluationContext(inputs=inputs))
    return result, time.monotonic() - started


@pytest.mark.parametrize(("pattern", "text"), [
    ("(a+)+$", "a" * 5_000 + "!"),
    ("(a+)+b", "a" * 5_000),
    ("(a|aa)+$", "a" * 5_000 + "!"),
])
def test_catastrophic_backtracking_is_stopped_in_process(pattern: str, text: str) -> None:
    result, elapsed = _timed(_criterion(pattern), {"text": text})
    assert result.passed is False
    assert result.detail == (f"regex {pattern!r} gave up: stopped after 0.3 s "
                             "(the regex time limit)")
    assert elapsed < 10  # the probe's search ran past 60 s


@pytest.mark.parametrize("query", ["$[?search(@.s, '(a+)+b')]", "$[?match(@.s, '(a|aa)+')]"])
def test_jsonpath_search_and_match_have_the_same_limit(query: str) -> None:
    criterion = _criterion(query, kind={"type": "jsonpath", "version": "rfc9535"},
                           context="$inputs.doc")
    result, elapsed = _timed(criterion, {"doc": [{"s": "a" * 5_000 + "!"}]})
    assert result.passed is False
    assert "gave up: stopped after 0.3 s (the regex time limit)" in result.detail
    assert elapsed < 10


def test_one_budget_covers_a_whole_filter() -> None:
    """A thousand hostile nodes share one limit; they do not get one each."""
    criterion = _criterion("$[?search(@.s, '(a+)+b')]", timeout=0.5,
                           kind={"type": "jsonpath", "version": "rfc9535"},
                           context="$inputs.doc")
    result, elapsed = _timed(criterion, {"doc": [{"s": "a" * 3_000}] * 1_000})
    assert "gave up" in result.detail
    assert elapsed < 15


def test_goessner_regex_operator_is_bounded_too() -> None:
    criterion = _criterion("$[?(@.s =~ '(a+)+b')]",
                           kind={"type": "jsonpath",
                                 "version": "draft-goessner-dispatch-jsonpath-00"},
                           context="$inputs.doc")
    result, elapsed = _timed(criterion, {"doc": [{"s": "a" * 5_000}]})
    assert result.passed is False and "gave up" in result.detail
    assert elapsed < 10


@pytest.mark.parametrize(("pattern", "text", "expected"), [
    ("^([a-z]+-?)+$", "abc-def-ghi", True),  # a repeat in a repeat: ordinary, and fast
    ("^([a-z]+-?)+$", "abc-def-gh!", False),
    (r"(\w+)\1", "abab", True),
    (r"^\p{Lu}", "Élan", True),
    ("(a+)+$", "a" * 5_000, True),
])
def test_ordinary_patterns_answer(pattern: str, text: str, expected: bool) -> None:
    result = _criterion(pattern, timeout=5).evaluate(EvaluationContext(inputs={"text": text}))
    assert result.passed is expected, result.detail


def test_many_concurrent_evaluations_all_answer() -> None:
    """The old subprocess worker failed at random under load; in-process never does."""
    from concurrent.futures import ThreadPoolExecutor

    criterion = _criterion("^([a-z]+-?)+$", timeout=5)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(
            lambda _: criterion.evaluate(EvaluationContext(inputs={"text": "abcdefghijk"})),
            range(500)))
    assert all(r.passed for r in results)


@pytest.mark.parametrize(("pattern", "size"), [
    ("abc", 3), ("a{100}", 100), ("(?:ab){3}c", 7), ("(?:(?:a{10}){10}){10}", 1000),
    ("a{2,}", 2), ("a{,5}", 1), ("[a{9}]{4}", 4), (r"\{9}", 3), ("x{1,1000}", 1),
    ("(?P<n>ab)(?i:c)(?=d)", 4),
    ("(?:(?:a{100}){100}){100}b", MAX_EXPANSION + 1),
])
def test_expanded_size(pattern: str, size: int) -> None:
    found = expanded_size(pattern)
    assert found == size or (size > MAX_EXPANSION and found > MAX_EXPANSION)


@pytest.mark.parametrize("pattern", ["(?:(?:a{100}){100}){100}b",
                                     "(?:(?:a{1000}){1000}){1000}b", "a{200000}"])
def test_patterns_that_would_expand_enormously_are_refused(pattern: str) -> None:
    with pytest.raises(ExpressionError, match="too complex: its counted repeats expand"):
        compile_regex_test(pattern)
    result = _criterion("$[?match(@.s, 'x{2000000}')]",
                        kind={"type": "jsonpath", "version": "rfc9535"},
                        context="$inputs.doc").evaluate(
        EvaluationContext(inputs={"doc": [{"s": "x"}]}))
    assert result.passed is False  # RFC 9535: an unusable pattern does not match


def test_python_regex_warnings_become_criterion_warnings() -> None:
    criterion = Compiler().criterion({"context": "$url", "condition": "[[a]", "type": "regex"})
    assert any("Possible nested set" in warning for warning in criterion.warnings)

"""A hostile regex cannot hang a run: it is stopped, and the criterion fails saying so."""

from __future__ import annotations

import pytest

from arazzo_engine.expressions import Compiler, EvaluationContext
from arazzo_engine.expressions._regex import compile_regex_test

HOSTILE = "(a+)+$"
INPUT = "a" * 5_000 + "!"


def _criterion(pattern: str, timeout: float = 0.5):
    compiler = Compiler(regex_timeout=timeout)
    return compiler.criterion({"context": "$inputs.text", "condition": pattern, "type": "regex"})


def test_catastrophic_backtracking_is_stopped() -> None:
    result = _criterion(HOSTILE).evaluate(EvaluationContext(inputs={"text": INPUT}))
    assert result.passed is False
    assert "gave up" in result.detail
    assert "stopped after 0.5 s" in result.detail


def test_a_risky_pattern_still_matches_when_it_can() -> None:
    context = EvaluationContext(inputs={"text": "a" * 5_000})
    assert _criterion(HOSTILE, timeout=30).evaluate(context).passed


def test_a_risky_pattern_on_a_short_input_gives_its_answer() -> None:
    result = _criterion(r"(\w+)\1").evaluate(EvaluationContext(inputs={"text": "abab"}))
    assert result.passed


@pytest.mark.parametrize(
    ("pattern", "risky"),
    [
        ("^200$", False),
        (r"^2\d{2}$", False),
        ("^application/json", False),
        ("a*b", False),
        ("(a+)+$", True),
        ("(a*)*", True),
        ("(a|aa)+$", True),
        ("(a+){9}", True),
        (r"(?:\d{3}-){2}\d{4}", False),
        ("^(GET|HEAD)$", False),
        ("(?:x+y*)+", True),
        (r"(\w)\1", True),
        ("(?=(a+)+)", True),
        ("[(a+)+]", False),
    ],
)
def test_which_patterns_leave_the_process(pattern: str, risky: bool) -> None:
    test, _ = compile_regex_test(pattern)
    assert test.risky is risky


def test_long_inputs_leave_the_process_even_for_tame_patterns() -> None:
    test, _ = compile_regex_test(".*x.*y")
    assert test.repeats == 2
    assert test.search("x" * 1_000 + "y")  # 1000 ** 3 steps is over budget: a worker answers


def test_python_regex_warnings_become_criterion_warnings() -> None:
    criterion = Compiler().criterion({"context": "$url", "condition": "[[a]", "type": "regex"})
    assert any("Possible nested set" in warning for warning in criterion.warnings)

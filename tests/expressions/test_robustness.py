"""Hostile and arbitrary input: only ExpressionError ever escapes; nothing hangs or recurses."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arazzo_engine.errors import MissingValueError
from arazzo_engine.expressions import (
    Compiler,
    EvaluationContext,
    ExpressionError,
    Message,
    _grammar,
    compile_criterion,
    compile_value,
    jsonpath_query,
    parse_expression,
)

# Text drawn mostly from the characters the grammars care about, so the parser's corners are
# reached, plus any Unicode at all.
_WORDS = [
    "$inputs.", "$response.body", "$statusCode", "$steps.a.outputs.", "==", "&&", "||",
    "header.", "#/", "~0", "~1", "'it''s'", "true", "null", "{$", "$url", "body",
]
_SYNTAX = st.sampled_from([*"$#/~{}[]().!=<>&|'\" \t\n0123456789-_", *_WORDS])
_TEXT = st.one_of(st.text(max_size=60), st.lists(_SYNTAX, max_size=25).map("".join))
_FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FAST
@given(_TEXT)
def test_parse_expression_only_raises_expression_error(text: str) -> None:
    try:
        expression = parse_expression(text)
    except ExpressionError as error:
        assert 1 <= error.column <= len(text) + 1
    else:
        assert expression.text == text


@_FAST
@given(_TEXT)
def test_compile_value_only_raises_expression_error(text: str) -> None:
    try:
        compiled = compile_value(text)
    except ExpressionError as error:
        assert 1 <= error.column <= len(text) + 1
        return
    try:
        compiled.evaluate(EvaluationContext())
    except ExpressionError:  # pragma: no cover - evaluation never parses
        pytest.fail("evaluation raised a parse error")
    except MissingValueError:
        pass  # the empty context has nothing to give


@_FAST
@given(_TEXT)
def test_conditions_only_raise_expression_error_and_never_crash_evaluation(text: str) -> None:
    try:
        criterion = compile_criterion({"condition": text})
    except ExpressionError as error:
        assert 1 <= error.column <= len(text) + 1
        return
    context = EvaluationContext(
        inputs={"a": 1}, status_code=200, response=Message(body={"x": [1]}, raw_body="{}")
    )
    result = criterion.evaluate(context)
    assert isinstance(result.passed, bool)
    assert isinstance(result.detail, str)


@_FAST
@given(_TEXT, st.sampled_from(["regex", "jsonpath", "xpath"]))
def test_typed_conditions_only_raise_expression_error(text: str, kind: str) -> None:
    criterion = {"context": "$response.body", "condition": text, "type": kind}
    try:
        compiled = compile_criterion(criterion)
    except ExpressionError as error:
        assert 1 <= error.column <= len(text) + 1
        return
    body = "<a><b>1</b></a>" if kind == "xpath" else {"a": [1, "x", None]}
    result = compiled.evaluate(EvaluationContext(response=Message(body=body, raw_body="x")))
    assert isinstance(result.passed, bool)


@pytest.mark.parametrize(
    "condition",
    [
        "(" * 10_000,
        "(" * 10_000 + "true" + ")" * 10_000,
        "!" * 10_000 + "true",
        "(!" * 5_000 + "true" + ")" * 5_000,
    ],
    ids=["open parentheses", "balanced parentheses", "negations", "mixed"],
)
def test_deep_nesting_is_an_expression_error_not_a_recursion_error(condition: str) -> None:
    with pytest.raises(ExpressionError):
        Compiler().criterion({"condition": condition})


def test_long_accessor_chains_are_flat_not_deep() -> None:
    criterion = Compiler().criterion({"condition": "($inputs.a)" + ".b" * 10_000 + " == 1"})
    result = criterion.evaluate(EvaluationContext(inputs={"a": {}}))
    assert not result.passed
    assert "has no member 'b'" in result.detail


def test_long_flat_conditions_are_fine() -> None:
    condition = " || ".join(["$statusCode == 404"] * 2000 + ["$statusCode == 200"])
    criterion = Compiler().criterion({"condition": condition})
    assert criterion.evaluate(EvaluationContext(status_code=200)).passed


def test_deeply_nested_jsonpath_is_an_expression_error() -> None:
    with pytest.raises(ExpressionError):
        compile_criterion(
            {"context": "$inputs.a", "condition": "$[?" + "(" * 5000 + "@", "type": "jsonpath"}
        )


def test_evaluation_never_parses_again(monkeypatch: pytest.MonkeyPatch) -> None:
    compiler = Compiler()
    value = compiler.value({"h": "Bearer {$inputs.t}", "n": "$inputs.n", "b": "x $inputs.t"})
    simple = compiler.criterion({"condition": "$statusCode == 200 && ($inputs.n).x == 1"})
    typed = [
        compiler.criterion({"context": "$inputs.n", "condition": "$.x", "type": "jsonpath"}),
        compiler.criterion({"context": "$inputs.n", "condition": "$.x == 1", "type": "jsonpath"}),
        compiler.criterion({"context": "$inputs.t", "condition": "^to", "type": "regex"}),
        compiler.criterion({"context": "$inputs.xml", "condition": "/a/b", "type": "xpath"}),
    ]

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed during evaluation")

    for name in ("runtime_parser", "condition_parser"):
        monkeypatch.setattr(_grammar, name, refuse)
    monkeypatch.setattr("jsonpath_rfc9535.JSONPathEnvironment.compile", refuse)
    monkeypatch.setattr("re.compile", refuse)
    monkeypatch.setattr("elementpath.Selector.__init__", refuse)

    context = EvaluationContext(
        inputs={"t": "tok", "n": {"x": 1}, "xml": "<a><b/></a>"}, status_code=200
    )
    assert value.evaluate(context) == {"h": "Bearer tok", "n": {"x": 1}, "b": "x tok"}
    assert simple.evaluate(context).passed
    assert [c.evaluate(context).passed for c in typed] == [True, True, True, True]


def test_overlong_jsonpath_queries_are_refused_before_they_reach_the_library() -> None:
    # 100,000 segments once crashed the interpreter itself while evaluating.
    from arazzo_engine.expressions._jsonpath import MAX_QUERY_LENGTH

    huge = "$" + ".a" * 100_000
    with pytest.raises(ExpressionError, match=f"longer than {MAX_QUERY_LENGTH}"):
        jsonpath_query(huge, {"a": 1})
    with pytest.raises(ExpressionError, match="longer than"):
        compile_criterion({"context": "$response.body", "condition": huge, "type": "jsonpath"})


def test_a_deep_but_allowed_query_fails_cleanly_when_evaluated() -> None:
    deep = "$" + ".a" * 2_000
    with pytest.raises(ExpressionError, match="nests too deeply"):
        jsonpath_query(deep, {"a": 1})
    verdict = compile_criterion(
        {"context": "$response.body", "condition": deep, "type": "jsonpath"}
    ).evaluate(EvaluationContext(response=Message(headers={}, body={"a": 1})))
    assert not verdict.passed and "recursion" in verdict.detail


def test_a_long_chain_of_names_is_navigated_in_linear_work() -> None:
    # Longest-key-first matching once tried every prefix of the chain at every step: 50,000
    # names took minutes. Candidates now stop at the mapping's longest key.
    chain = parse_expression("$inputs" + ".a" * 50_000)
    inputs = {"a": {"a": {"b": 1}}, "a.a.a": 7}
    with pytest.raises(MissingValueError, match="is a number, which has no member 'a'"):
        chain.evaluate(EvaluationContext(inputs=inputs))

"""JSONPath for criteria: RFC 9535 queries, the comparison form, and the Goessner draft.

Which evaluator a condition gets is decided here, at compile time, once per condition:
- the comparison form on singular queries (``$.data.status == 10``, the common case) compiles
  to direct lookups (``_singular``), with the general path's semantics and details;
- any other RFC 9535 query or logical expression goes through ``jsonpath-rfc9535``
  (``_rfc9535``), imported only then;
- the Goessner draft goes through jsonpath-ng, imported only then.
So a document whose JSONPath criteria are all simple comparisons never loads either library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from arazzo_engine.expressions._errors import ExpressionError
from arazzo_engine.expressions._regex import bounded, compile_bounded

GOESSNER = "draft-goessner-dispatch-jsonpath-00"
#: Longer queries are refused: the library evaluates each segment in a nested generator, and a
#: chain of tens of thousands crashes the interpreter itself (not even a RecursionError).
MAX_QUERY_LENGTH = 4096


@dataclass(frozen=True)
class JSONPathTest:
    """A compiled JSONPath condition; ``test`` says whether it holds, and why."""

    condition: str

    def test(self, value: Any) -> tuple[bool, str]:
        raise NotImplementedError


def refuse_long(query: str) -> None:
    if len(query) > MAX_QUERY_LENGTH:
        raise ExpressionError(f"the JSONPath query is longer than {MAX_QUERY_LENGTH} "
                              "characters", query[:80] + "...", 1)


def comparison_warning(condition: str) -> str:
    return (f"{condition!r} is a comparison, not an RFC 9535 query; it is evaluated as an RFC "
            "9535 logical expression with $ bound to the context")


def compile_query(query: str) -> Any:
    """Compile an RFC 9535 query (a ``jsonpath_rfc9535.JSONPathQuery``).

    Raises:
        ExpressionError: the query is not RFC 9535; the column is the offending character.
    """
    from arazzo_engine.expressions import _rfc9535

    return _rfc9535.compile_query(query)


def jsonpath_query(query: str, document: Any) -> list[Any]:
    """The values of the RFC 9535 nodelist ``query`` selects from ``document``.

    Raises:
        ExpressionError: the query is not valid RFC 9535.
    """
    compiled = compile_query(query)
    try:
        values: list[Any] = compiled.find(document).values()
    except RecursionError:
        raise ExpressionError("the JSONPath query nests too deeply to evaluate", query,
                              1) from None
    return values


def compile_jsonpath_test(condition: str) -> tuple[JSONPathTest, list[str]]:
    """An RFC 9535 test for a criterion condition, and warnings about its form.

    A condition that is a query is a query. One that is not, but is a logical expression, is
    the comparison form (with a warning, since RFC 9535 alone does not allow it).
    """
    from arazzo_engine.expressions._singular import compile_singular_comparison

    refuse_long(condition)
    fast = compile_singular_comparison(condition)  # a comparison is never also a query
    if fast is not None:
        return fast, [comparison_warning(condition)]
    from arazzo_engine.expressions import _rfc9535

    return _rfc9535.compile_jsonpath_test(condition)


@dataclass(frozen=True)
class GoessnerTest(JSONPathTest):
    """The 2007 Goessner JSONPath (``draft-goessner-dispatch-jsonpath-00``) via jsonpath-ng."""

    query: Any = None

    def test(self, value: Any) -> tuple[bool, str]:
        matches = self.query.find(value)
        if not matches:
            return False, f"{self.condition} selects nothing"
        return True, f"{self.condition} selects {len(matches)} node(s)"


def compile_goessner_test(condition: str) -> tuple[JSONPathTest, list[str]]:
    """A Goessner-draft test; a comparison falls back to the RFC 9535 comparison form."""
    # Imported here: building jsonpath-ng's parser costs time most runs never need.
    from jsonpath_ng.ext import filter as goessner_filter
    from jsonpath_ng.ext import parse

    # jsonpath-ng's ``=~`` calls ``re.search`` without a limit: it goes through ours.
    goessner_filter.OPERATOR_MAP["=~"] = _goessner_search

    refuse_long(condition)
    try:
        return GoessnerTest(condition, parse(condition)), []
    except Exception as error:  # jsonpath-ng raises bare Exception subclasses of several kinds
        comparison = _comparison(condition)
        if comparison is not None:
            return comparison, [
                f"{condition!r} is a comparison, not a JSONPath query; it is evaluated as an "
                "RFC 9535 logical expression with $ bound to the context"
            ]
        raise ExpressionError(
            f"invalid JSONPath ({GOESSNER}): {error}", condition, _goessner_column(error)
        ) from None


def _comparison(condition: str) -> JSONPathTest | None:
    """The comparison form: direct lookups when it is on singular queries, else the library."""
    from arazzo_engine.expressions._singular import compile_singular_comparison

    fast = compile_singular_comparison(condition)
    if fast is not None:
        return fast
    from arazzo_engine.expressions import _rfc9535

    return _rfc9535.comparison(condition)


def _goessner_search(value: Any, pattern: Any) -> bool:
    if not isinstance(value, str) or not isinstance(pattern, str):
        return False
    try:
        compiled = compile_bounded(pattern)
    except ExpressionError:
        return False
    return bounded(compiled.search, value) is not None


def _goessner_column(error: Exception) -> int:
    match = re.search(r"at \d+:(\d+)", str(error))  # "Parse error at 1:14 near token =="
    return int(match.group(1)) + 1 if match else 1

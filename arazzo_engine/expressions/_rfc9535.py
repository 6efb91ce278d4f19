"""RFC 9535 through ``jsonpath-rfc9535`` (which passes the whole compliance test suite).

Imported only when a query or a comparison needs the general evaluator (``_jsonpath`` decides):
the comparison form on singular queries, the common case, never loads the library
(``_singular``). The comparison form (``$.data.status == 10``, arazzo-notes 1) is not a query; it
reads as an RFC 9535 *logical expression* with ``$`` bound to the context, and is evaluated
exactly as the body of a filter ``[?...]`` would be, so every RFC rule holds (a comparison with
an empty nodelist, ``null`` against a missing member, ``count()`` and the other functions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import jsonpath_rfc9535
from iregexp_check import check as is_iregexp
from jsonpath_rfc9535.filter_expressions import FilterContext, FilterExpression
from jsonpath_rfc9535.function_extensions import ExpressionType, FilterFunction
from jsonpath_rfc9535.selectors import FilterSelector

from arazzo_engine.expressions._errors import ExpressionError
from arazzo_engine.expressions._jsonpath import JSONPathTest, comparison_warning, refuse_long
from arazzo_engine.expressions._navigation import show
from arazzo_engine.expressions._regex import bounded, compile_bounded

# Singular queries in a comparison (``$.data.status``, ``$['a'][0]``): their values explain a
# false comparison in the criterion's detail.
_ENVIRONMENT = jsonpath_rfc9535.JSONPathEnvironment()


class _IRegexpFunction(FilterFunction):
    """RFC 9535 ``match()``/``search()`` with the regex time limit (the library's own have
    none). The pattern must be an I-Regexp (RFC 9485), where ``.`` is any character but a line
    break; anything else (not a string, not I-Regexp, too complex) is a non-match, as RFC 9535
    says for an invalid pattern."""

    arg_types = [ExpressionType.VALUE, ExpressionType.VALUE]
    return_type = ExpressionType.LOGICAL
    whole = False

    def __init__(self) -> None:
        self._compiled: dict[str, Any] = {}

    def __call__(self, value: object, pattern: object) -> bool:
        if not isinstance(value, str) or not isinstance(pattern, str):
            return False
        compiled = self._compiled.get(pattern)
        if compiled is None:
            if len(self._compiled) > 1024:
                self._compiled.clear()
            compiled = self._compiled[pattern] = _iregexp(pattern)
        if compiled is False:
            return False
        call = compiled.fullmatch if self.whole else compiled.search
        return bounded(call, value) is not None


class _Match(_IRegexpFunction):
    whole = True


def _iregexp(pattern: str) -> Any:
    if not is_iregexp(pattern):
        return False
    try:
        return compile_bounded(_dot_is_not_a_line_break(pattern))
    except ExpressionError:
        return False


def _dot_is_not_a_line_break(pattern: str) -> str:
    out, in_class, index = [], False, 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index:index + 2])
            index += 2
            continue
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        out.append("[^\\n\\r]" if char == "." and not in_class else char)
        index += 1
    return "".join(out)


_ENVIRONMENT.function_extensions["search"] = _IRegexpFunction()
_ENVIRONMENT.function_extensions["match"] = _Match()

_SINGULAR_QUERY = re.compile(r"\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[(?:-?[0-9]+|'[^']*'|\"[^\"]*\")\])+")


def compile_query(query: str) -> jsonpath_rfc9535.JSONPathQuery:
    """Compile an RFC 9535 query.

    Raises:
        ExpressionError: the query is not RFC 9535; the column is the offending character.
    """
    if not isinstance(query, str):
        raise ExpressionError("a JSONPath query must be a string", str(query), 1)
    refuse_long(query)
    try:
        return _ENVIRONMENT.compile(query)
    except jsonpath_rfc9535.JSONPathError as error:
        raise _error(error, query, "invalid JSONPath query") from None
    except RecursionError:
        raise ExpressionError("JSONPath query nests too deeply", query, 1) from None


def _error(error: jsonpath_rfc9535.JSONPathError, query: str, what: str) -> ExpressionError:
    token = error.token
    column = token.index + 1 if token is not None else 1
    message = error.args[0] if error.args else str(error)
    return ExpressionError(f"{what}: {message}", query, column)


@dataclass(frozen=True)
class QueryTest(JSONPathTest):
    """RFC 9535 query: holds when the nodelist is not empty."""

    query: Any = None
    #: ``$[?...]``: the filter tests the context's children, never the context itself.
    filters_children: bool = False

    def test(self, value: Any) -> tuple[bool, str]:
        nodes = self.query.find(value)
        if not nodes:
            return False, f"{self.condition} selects nothing"
        count = "1 node" if len(nodes) == 1 else f"{len(nodes)} nodes"
        return True, f"{self.condition} selects {count}"


@dataclass(frozen=True)
class ComparisonTest(JSONPathTest):
    """RFC 9535 logical expression with ``$`` (and ``@``) bound to the context."""

    expression: FilterExpression | None = None
    explained_by: tuple[tuple[str, Any], ...] = ()

    def test(self, value: Any) -> tuple[bool, str]:
        assert self.expression is not None
        context = FilterContext(env=_ENVIRONMENT, current=value, root=value)
        held = bool(self.expression.evaluate(context))
        verdict = "holds" if held else "is false"
        return held, f"{self.condition} {verdict}{self._values(value)}"

    def _values(self, value: Any) -> str:
        shown = []
        for text, query in self.explained_by:
            found = query.find(value).values()
            shown.append(f"{text} is {show(found[0]) if found else 'absent'}")
        return f" ({', '.join(shown)})" if shown else ""


def compile_jsonpath_test(condition: str) -> tuple[JSONPathTest, list[str]]:
    """An RFC 9535 test for a criterion condition, and warnings about its form.

    A condition that is a query is a query. One that is not, but is a logical expression, is
    the comparison form (with a warning, since RFC 9535 alone does not allow it).
    """
    try:
        query = compile_query(condition)
    except ExpressionError as query_error:
        found = comparison(condition)
        if found is None:
            raise query_error from None
        return found, [comparison_warning(condition)]
    warnings = []
    filters_children = _is_root_filter(query)
    if filters_children:
        warnings.append(
            f"{condition!r} filters the children of the context (RFC 9535); against an object "
            "it never tests the object itself: to test the object, write a comparison such as "
            "'count($.items) > 0'"
        )
    return QueryTest(condition, query, filters_children), warnings


def comparison(condition: str) -> ComparisonTest | None:
    try:
        wrapped = _ENVIRONMENT.compile(f"$[?{condition}]")
    except (jsonpath_rfc9535.JSONPathError, RecursionError):
        return None
    # The condition must be the whole filter: "a] , [?b" would otherwise sneak in a selector.
    segments = wrapped.segments
    if len(segments) != 1 or len(segments[0].selectors) != 1:
        return None
    selector = segments[0].selectors[0]
    if not isinstance(selector, FilterSelector):  # pragma: no cover - "$[?" makes a filter
        return None
    explained = []
    for text in dict.fromkeys(_SINGULAR_QUERY.findall(condition)):
        try:
            explained.append((text, _ENVIRONMENT.compile(text)))
        except jsonpath_rfc9535.JSONPathError:
            continue
    return ComparisonTest(condition, selector.expression, tuple(explained))


def _is_root_filter(query: jsonpath_rfc9535.JSONPathQuery) -> bool:
    segments = query.segments
    return (
        len(segments) == 1
        and len(segments[0].selectors) == 1
        and isinstance(segments[0].selectors[0], FilterSelector)
        and str(query).startswith("$[")
    )

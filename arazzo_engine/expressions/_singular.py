"""The JSONPath comparison form on singular queries, compiled to direct lookups.

Nearly every JSONPath criterion in the wild is the comparison form on singular queries:
``$.data.status == 10``, ``$.data.status == 20 || $.data.status == 30``. Through the general
RFC 9535 evaluator each evaluation builds a filter context, node lists and nodes; here the
condition is parsed once into paths (member names and array indexes) and literals, and an
evaluation is a few dictionary and list lookups. Nothing else is accepted: a condition with
anything more (functions, ``@``, parentheses, ``!``, escapes in strings, blank space inside a
query, literals of unusual spelling) returns None from ``compile_singular_comparison`` and
goes through the general evaluator, which also reports the errors.

The semantics are exactly the general path's (``jsonpath-rfc9535``'s filter comparisons): a
missing member or index is Nothing, equal only to Nothing; ``true`` equals only ``true`` (never
``1``); ``<`` compares two strings or two numbers, anything else is false; ``&&`` binds tighter
than ``||``. The tests compare both paths on the same data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from arazzo_engine.expressions._jsonpath import JSONPathTest
from arazzo_engine.expressions._navigation import show

__all__ = ["SingularComparison", "compile_singular_comparison"]

Path = tuple[str | int, ...]
_MISSING = object()

# A singular query, in the spelling accepted here: ASCII member names, canonical indexes, and
# quoted names without escapes or control characters.
_STRING = r"'[^'\\\x00-\x1f]*'" + "|" + r'"[^"\\\x00-\x1f]*"'
_QUERY = r"\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[(?:0|-?[1-9][0-9]*|" + _STRING + r")\])*"
_STRICT_QUERY = re.compile(_QUERY + r"\Z")
# One token at a time, blank space (RFC 9535: space, tab, LF, CR) between tokens.
_TOKEN = re.compile(r"""
    [ \t\n\r]*
    (?:
        (?P<query>""" + _QUERY + r""")
      | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:[eE][-+]?[0-9]+)?)?)(?![0-9.eE])
      | (?P<string>""" + _STRING + r""")
      | (?P<word>true|false|null)(?![A-Za-z0-9_])
      | (?P<op>==|!=|<=|>=|<|>)
      | (?P<logic>&&|\|\|)
    )
    """, re.VERBOSE)
_SEGMENT = re.compile(r"""\.([A-Za-z_][A-Za-z0-9_]*)|\[(?:(-?[0-9]+)|'([^']*)'|"([^"]*)")\]""")
_BLANK = re.compile(r"[ \t\n\r]*\Z")
#: The singular queries a detail explains: the same pattern the general path uses.
_EXPLAINED = re.compile(r"\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[(?:-?[0-9]+|'[^']*'|\"[^\"]*\")\])+")


def _path(text: str) -> Path:
    segments: list[str | int] = []
    for match in _SEGMENT.finditer(text, 1):
        name, index, single, double = match.groups()
        if index is not None:
            segments.append(int(index))
        else:
            segments.append(name if name is not None else single if single is not None
                            else double)
    return tuple(segments)


def _lookup(value: Any, path: Path) -> Any:
    for segment in path:
        if isinstance(segment, str):
            if not isinstance(value, dict) or segment not in value:
                return _MISSING
            value = value[segment]
        else:
            if not isinstance(value, list):
                return _MISSING
            index = segment + len(value) if segment < 0 else segment
            if not 0 <= index < len(value):
                return _MISSING
            value = value[index]
    return value


def _equal(left: Any, right: Any) -> bool:
    if left is _MISSING or right is _MISSING:
        return left is right
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    return bool(left == right)


def _less(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left < right
    if isinstance(left, bool) or isinstance(right, bool):
        return False
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left < right
    return False


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": _equal,
    "!=": lambda a, b: not _equal(a, b),
    "<": _less,
    ">": lambda a, b: _less(b, a),
    "<=": lambda a, b: _less(a, b) or _equal(a, b),
    ">=": lambda a, b: _less(b, a) or _equal(a, b),
}


@dataclass(frozen=True)
class _Side:
    """A singular query (``path``) or a literal (``value``)."""

    path: Path | None = None
    value: Any = None

    def resolve(self, document: Any) -> Any:
        return self.value if self.path is None else _lookup(document, self.path)


@dataclass(frozen=True)
class _Comparison:
    left: _Side
    compare: Callable[[Any, Any], bool]
    right: _Side

    def holds(self, document: Any) -> bool:
        return self.compare(self.left.resolve(document), self.right.resolve(document))


@dataclass(frozen=True)
class SingularComparison(JSONPathTest):
    """A comparison-form condition: ``||`` of ``&&`` of comparisons, each with at least one
    singular query. ``test`` answers as the general path's ``ComparisonTest`` does."""

    disjuncts: tuple[tuple[_Comparison, ...], ...]
    explained: tuple[tuple[str, Path], ...]

    def test(self, value: Any) -> tuple[bool, str]:
        held = False
        for conjuncts in self.disjuncts:  # any(all(...)), without two generators a poll
            for comparison in conjuncts:
                if not comparison.holds(value):
                    break
            else:
                held = True
                break
        verdict = "holds" if held else "is false"
        return held, f"{self.condition} {verdict}{self._values(value)}"

    def _values(self, value: Any) -> str:
        shown = []
        for text, path in self.explained:
            found = _lookup(value, path)
            shown.append(f"{text} is {'absent' if found is _MISSING else show(found)}")
        return f" ({', '.join(shown)})" if shown else ""


def _tokens(condition: str) -> list[tuple[str, str]] | None:
    tokens, position = [], 0
    while not _BLANK.match(condition, position):
        match = _TOKEN.match(condition, position)
        if match is None or match.lastgroup is None:
            return None
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        position = match.end()
    return tokens


def _side(kind: str, text: str) -> _Side | None:
    if kind == "query":
        return _Side(path=_path(text)) if text != "$" else None
    if kind == "number":
        is_float = "." in text or "e" in text or "E" in text
        return _Side(value=float(text) if is_float else int(text))
    if kind == "string":
        return _Side(value=text[1:-1])
    if kind == "word":
        return _Side(value={"true": True, "false": False, "null": None}[text])
    return None


def compile_singular_comparison(condition: str) -> SingularComparison | None:
    """The condition compiled to direct lookups, or None when it is anything but comparisons
    of singular queries and literals joined by ``&&`` and ``||``."""
    tokens = _tokens(condition)
    if not tokens or len(tokens) % 4 != 3:
        return None
    disjuncts: list[tuple[_Comparison, ...]] = []
    conjuncts: list[_Comparison] = []
    for start in range(0, len(tokens), 4):
        (left_kind, left), (op_kind, op), (right_kind, right) = tokens[start:start + 3]
        sides = _side(left_kind, left), _side(right_kind, right)
        if op_kind != "op" or sides[0] is None or sides[1] is None:
            return None
        if sides[0].path is None and sides[1].path is None:
            return None  # two literals: left to the general path
        conjuncts.append(_Comparison(sides[0], _OPERATORS[op], sides[1]))
        if start + 3 < len(tokens):
            kind, logic = tokens[start + 3]
            if kind != "logic":
                return None
            if logic == "||":
                disjuncts.append(tuple(conjuncts))
                conjuncts = []
    disjuncts.append(tuple(conjuncts))
    texts = list(dict.fromkeys(_EXPLAINED.findall(condition)))
    if not all(_STRICT_QUERY.match(text) for text in texts):
        return None  # a detail the general path would word differently: let it answer
    explained = tuple((text, _path(text)) for text in texts)
    return SingularComparison(condition, tuple(disjuncts), explained)

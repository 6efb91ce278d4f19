"""How simple conditions compare values (arazzo-notes 4).

Strings compare case-insensitively (the one rule Arazzo states). A string that is a JSON number
is coerced when compared with a number. ``null`` equals only ``null``. Booleans equal only
booleans (``true`` is not ``1``). Arrays and objects are equal when their items are. Ordering is
defined for two numbers or two strings; anything else cannot be ordered, which fails the
criterion with a diagnostic rather than silently being false.

Arazzo 1.1 ("Condition Evaluation") adds two rules, applied to 1.1 documents only: comparing
``null`` with any other value is false (so ``null < 1`` is false, not an error), and numeric
strings are coerced to numbers for the numeric operators (``'9' < '10'`` is true).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from arazzo_engine.expressions._navigation import describe_type

_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")

_ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class IncomparableError(Exception):
    """Two values an ordering operator cannot order; the message says why."""


def compare(operator_text: str, left: Any, right: Any, version: str = "1.0") -> bool:
    """Apply a comparison operator of the condition language to two JSON values."""
    if operator_text == "==":
        return equal(left, right)
    if operator_text == "!=":
        return not equal(left, right)
    if version != "1.0":
        if left is None or right is None:
            return False
        left, right = _numeric_strings(left, right)
    return _ORDERINGS[operator_text](*_orderable(left, right))


def _numeric_strings(left: Any, right: Any) -> tuple[Any, Any]:
    """Two numeric strings become numbers (Arazzo 1.1: "Numeric strings SHOULD be coerced to
    numbers when compared with numeric operators")."""
    if isinstance(left, str) and isinstance(right, str):
        as_numbers = _number_or_text(left), _number_or_text(right)
        if all(_is_number(v) for v in as_numbers):
            return as_numbers
    return left, right


def equal(left: Any, right: Any) -> bool:
    """Loose equality of two JSON values, as ``==`` in a condition."""
    left, right = _coerced(left, right)
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if _is_number(left) and _is_number(right):
        return left == right
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return len(left) == len(right) and all(map(equal, left, right))
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(equal(left[k], right[k]) for k in left)
    return False


def _orderable(left: Any, right: Any) -> tuple[Any, Any]:
    left, right = _coerced(left, right)
    if _is_number(left) and _is_number(right):
        return left, right
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold(), right.casefold()
    raise IncomparableError(f"cannot order {describe_type(left)} and {describe_type(right)}")


def _coerced(left: Any, right: Any) -> tuple[Any, Any]:
    """Turn a numeric string into a number when the other side is a number."""
    if _is_number(left) and isinstance(right, str):
        return left, _number_or_text(right)
    if isinstance(left, str) and _is_number(right):
        return _number_or_text(left), right
    return left, right


def _number_or_text(text: str) -> Any:
    stripped = text.strip()
    if not _JSON_NUMBER.fullmatch(stripped):
        return text
    return parse_number(stripped)


def parse_number(text: str) -> int | float:
    """A JSON number as ``int`` when it is integral in form, else ``float``."""
    if any(mark in text for mark in ".eE"):
        return float(text)
    try:
        return int(text)
    except ValueError:  # more digits than Python converts to int
        return float(text)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)

"""Walking into evaluated values: dot/bracket accessors, JSON pointers, and text rendering.

Missing members raise ``MissingValueError`` naming what was absent; the callers add which
expression asked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from arazzo_engine.errors import MissingValueError

_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")
#: ``render``'s JSON, without building an encoder for every value.
_RENDER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str).encode
#: What the fast walks answer when they leave a value to the full walk.
_NOT_FAST = object()


@dataclass(frozen=True)
class Accessor:
    """One step after a root: ``.name`` (``dotted``) or ``[0]`` / ``['key']`` (bracketed)."""

    key: str | int
    dotted: bool = True

    def __str__(self) -> str:
        if self.dotted:
            return f".{self.key}"
        if isinstance(self.key, int):
            return f"[{self.key}]"
        return "['" + self.key.replace("'", "''") + "']"


def _not_run(where: str, position: int) -> str:
    """``$steps`` holds the steps that ran in this workflow: a step missing from it has not
    run (a goto skipped it, or it comes later), which is what a reader needs to hear."""
    return " (no step of that id has run in this workflow yet)" \
        if where == "$steps" and position == 0 else ""


def navigate(value: Any, accessors: Sequence[Accessor], start: str) -> Any:
    """Follow ``accessors`` into ``value``; ``start`` names ``value`` in error messages.

    Consecutive dotted names match the longest key that exists, so ``$outputs.a.b`` finds an
    output literally named ``a.b`` (output names may contain dots) before navigating ``a`` → ``b``.
    """
    found = _navigate_fast(value, accessors)
    if found is not _NOT_FAST:
        return found
    where = start
    position = 0
    while position < len(accessors):
        accessor = accessors[position]
        if type(value) is dict or isinstance(value, Mapping):  # no ABC check for JSON
            if accessor.dotted:
                end, key = _longest_member(value, accessors, position)
                if key is None:
                    raise MissingValueError(f"{where} has no member {str(accessor.key)!r}"
                                            + _not_run(where, position))
                value = value[key]
                where += "".join(str(a) for a in accessors[position:end])
                position = end
                continue
            key = str(accessor.key)
            if key not in value:
                raise MissingValueError(f"{where} has no member {key!r}"
                                        + _not_run(where, position))
            value = value[key]
        elif isinstance(value, (list, tuple)):
            value = _item(value, accessor, where)
        else:
            raise MissingValueError(
                f"{where} is {describe_type(value)}, which has no member {str(accessor.key)!r}"
            )
        where += str(accessor)
        position += 1
    return value


#: Dotted names in a row that ``_navigate_fast`` tries as one key at most (longer runs, a
#: hostile chain among them, take the bounded walk of ``_longest_member``).
_FAST_RUN = 4


def _navigate_fast(value: Any, accessors: Sequence[Accessor]) -> Any:
    """``navigate`` through plain dicts and lists, without the texts only an error needs;
    ``_NOT_FAST`` whenever anything else comes up (the full walk then answers)."""
    position, count = 0, len(accessors)
    while position < count:
        accessor = accessors[position]
        kind = type(value)
        if kind is dict:
            if accessor.dotted:
                run = position + 1
                while run < count and accessors[run].dotted:
                    run += 1
                if run - position > _FAST_RUN:
                    return _NOT_FAST
                for end in range(run, position, -1):  # the longest name that is a key
                    key = str(accessor.key) if end == position + 1 else \
                        ".".join(str(a.key) for a in accessors[position:end])
                    if key in value:
                        value = value[key]
                        position = end
                        break
                else:
                    return _NOT_FAST
                continue
            key = str(accessor.key)
            if key not in value:
                return _NOT_FAST
            value = value[key]
        elif kind is list and type(accessor.key) is int \
                and -len(value) <= accessor.key < len(value):
            value = value[accessor.key]
        else:
            return _NOT_FAST
        position += 1
    return value


def _longest_member(mapping: Mapping[Any, Any], accessors: Sequence[Accessor],
                    position: int) -> tuple[int, str | None]:
    """The longest run of dotted names from ``position`` that is a key of ``mapping``.

    A candidate is only built when some key has its length, and never grows past the longest
    key, so a hostile chain of thousands of names costs what the keys allow, not its square.
    """
    lengths = {len(k) for k in mapping if type(k) is str or isinstance(k, str)}
    longest = max(lengths, default=0)
    found: tuple[int, str | None] = (position, None)
    parts: list[str] = []
    length = -1  # the dots between parts: one fewer than the parts
    end = position
    while end < len(accessors) and accessors[end].dotted:
        part = str(accessors[end].key)
        length += len(part) + 1
        if length > longest:
            break
        parts.append(part)
        end += 1
        if length in lengths:
            key = ".".join(parts)
            if key in mapping:
                found = (end, key)
    return found


def _item(array: Sequence[Any], accessor: Accessor, where: str) -> Any:
    key = accessor.key
    if isinstance(key, str):
        if not _ARRAY_INDEX.fullmatch(key):
            raise MissingValueError(f"{where} is an array, which has no member {key!r}")
        key = int(key)
    # A negative index counts from the end, as in JSONPath.
    if not -len(array) <= key < len(array):
        raise MissingValueError(f"{where} has no item {key} (it has {len(array)})")
    return array[key]


def resolve_pointer(value: Any, pointer: str, start: str) -> Any:
    """Resolve an RFC 6901 JSON pointer (still escaped, without the ``#``).

    Text that is JSON (a body kept as a string) is parsed first, so a pointer still reaches in.
    """
    if pointer == "":
        return value
    found = _pointer_fast(value, pointer)
    if found is not _NOT_FAST:
        return found
    where = start
    for raw_token in pointer[1:].split("/"):
        token = raw_token.replace("~1", "/").replace("~0", "~")
        if isinstance(value, (str, bytes)):
            value = _parse_json_text(value, where)
        if type(value) is dict or isinstance(value, Mapping):
            if token not in value:
                raise MissingValueError(f"{where} has no member {token!r}")
            value = value[token]
        elif isinstance(value, (list, tuple)):
            if not _ARRAY_INDEX.fullmatch(token) or int(token) >= len(value):
                raise MissingValueError(f"{where} has no item {token!r} (it has {len(value)})")
            value = value[int(token)]
        else:
            raise MissingValueError(
                f"{where} is {describe_type(value)}, which has no member {token!r}"
            )
        where += ("#" if where == start else "") + "/" + raw_token
    return value


def _pointer_fast(value: Any, pointer: str) -> Any:
    """``resolve_pointer`` through plain dicts and lists with escape-free tokens, without the
    texts only an error needs; ``_NOT_FAST`` whenever anything else comes up (the full walk
    then answers, with its messages)."""
    if "~" in pointer:
        return _NOT_FAST
    for token in pointer[1:].split("/"):
        kind = type(value)
        if kind is dict:
            if token not in value:
                return _NOT_FAST
            value = value[token]
        elif kind is list and _ARRAY_INDEX.fullmatch(token) and int(token) < len(value):
            value = value[int(token)]
        else:
            return _NOT_FAST
    return value


def _parse_json_text(text: str | bytes, where: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise MissingValueError(f"{where} is text that is not JSON") from None


def render(value: Any) -> str:
    """The text of a value embedded in a string: strings as they are, everything else as JSON.

    JSON for the rest (``null``, ``true``, ``10``, ``{"a":1}``) keeps a JSON-text payload valid.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    return _RENDER(value)


def describe_type(value: Any) -> str:
    """A JSON type name with an article, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (str, bytes)):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "an array"
    return f"a {type(value).__name__}"


def show(value: Any, limit: int = 80) -> str:
    """A short JSON-ish rendering of a value for a diagnostic."""
    text = "'" + value.replace("'", "''") + "'" if isinstance(value, str) else render(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."

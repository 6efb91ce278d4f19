"""The fast walks of ``navigate`` and ``resolve_pointer`` answer exactly as the full ones do.

Both try plain dicts and lists first, without building the texts only an error needs, and hand
anything else to the full walk. Every case here is answered both ways: the same value, or the
same error message.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from arazzo_engine.errors import MissingValueError
from arazzo_engine.expressions import _navigation
from arazzo_engine.expressions._navigation import Accessor, navigate, resolve_pointer

DATA: dict[str, Any] = {
    "a": {"b": {"c": 1}, "b.c": 2, "x": [10, 20, {"y": None}]},
    "a.b": {"c": 3},
    "a.b.c.d.e": 4,
    "list": [[1, 2], {"k~/": "escaped"}],
    "text": '{"inner": {"n": 5}}',
    "n": 0,
    "": {"": "empty"},
}

NAMES = ["a", "b", "c", "b.c", "x", "0", "1", "2", "y", "d", "e", "list", "text", "n", ""]
KEYS: list[str | int] = [*NAMES, 0, 1, -1, 2, 3, -4]


@contextlib.contextmanager
def _without(fast_path: str) -> Iterator[None]:
    """The module's fast path ``fast_path`` declines every value while the block runs, so the
    full walk answers."""
    original = getattr(_navigation, fast_path)
    setattr(_navigation, fast_path, lambda *_: _navigation._NOT_FAST)
    try:
        yield
    finally:
        setattr(_navigation, fast_path, original)


def _full(value: Any, accessors: tuple[Accessor, ...]) -> Any:
    """``navigate`` without its fast walk."""
    with _without("_navigate_fast"):
        return navigate(value, accessors, "$x")


def _answer(call: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "value", call(*args)
    except MissingValueError as error:
        return "error", str(error)


def _accessor_chains() -> list[tuple[Accessor, ...]]:
    single = [Accessor(k, dotted=isinstance(k, str) and d) for k in KEYS for d in (True, False)]
    chains: list[tuple[Accessor, ...]] = [(a,) for a in single]
    dotted = [Accessor(k) for k in NAMES[:10]]
    chains += [tuple(c) for n in (2, 3) for c in itertools.product(dotted, repeat=n)]
    chains += [(Accessor("a"), Accessor("x"), Accessor(i, dotted=False)) for i in (-3, 1, 2, 5)]
    chains += [tuple(Accessor(p) for p in ["a", "b", "c", "d", "e"])]
    chains += [tuple(Accessor(p) for p in "abcdefgh")]
    return chains


@pytest.mark.parametrize("accessors", _accessor_chains(), ids=lambda c: "".join(map(str, c)))
def test_navigate_answers_as_the_full_walk(accessors: tuple[Accessor, ...]) -> None:
    assert _answer(navigate, DATA, accessors, "$x") == _answer(_full, DATA, accessors)


POINTERS = ["", "/a", "/a/b/c", "/a/b.c", "/a/x/0", "/a/x/2/y", "/a/x/3", "/a/x/01", "/a/x/-1",
            "/list/1/k~0~1", "/list/0/1", "/text/inner/n", "/n/m", "/missing", "/", "//",
            "/a/x/2/y/z", "/a.b/c"]


def _pointer_full(value: Any, pointer: str) -> Any:
    """``resolve_pointer`` without its fast walk."""
    with _without("_pointer_fast"):
        return resolve_pointer(value, pointer, "$x")


@pytest.mark.parametrize("pointer", POINTERS)
def test_resolve_pointer_answers_as_the_full_walk(pointer: str) -> None:
    assert _answer(resolve_pointer, DATA, pointer, "$x") == _answer(_pointer_full, DATA, pointer)

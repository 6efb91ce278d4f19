"""Regular expressions that cannot hang a run: every evaluation has a time limit.

Every regex the engine evaluates (a ``regex`` criterion, JSONPath ``search()``/``match()``, the
Goessner draft's ``=~``) goes through the ``regex`` package, whose matcher takes a ``timeout``
and stops itself in-process: no worker processes, no guessing which patterns are risky. A
criterion sets one budget (``regex_budget``) for all the regex work of one evaluation, so a
filter over a thousand nodes cannot take a thousand timeouts; past it the criterion fails and
says so.

The dialect of a ``regex`` criterion is Python's ``re`` syntax with search semantics (anchor
with ``^...$`` to match the whole value), as the ``regex`` package reads it in its
re-compatible mode (it also knows ``\\p{...}`` classes). Compiling is bounded too: ``regex``
expands counted repeats, so ``(?:(?:a{1000}){1000}){1000}`` would build a billion-node program;
a pattern whose counted repeats expand past ``MAX_EXPANSION`` is refused as too complex.
"""

from __future__ import annotations

import contextlib
import re
import time
import warnings
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from arazzo_engine.expressions._errors import ExpressionError

__all__ = ["DEFAULT_TIMEOUT", "MAX_EXPANSION", "RegexAborted", "RegexTest", "bounded",
           "compile_bounded", "compile_regex_test", "regex_budget"]

DEFAULT_TIMEOUT = 1.0
#: Pattern size after counted repeats are expanded (``a{100}`` counts 100) beyond which a
#: pattern is refused: compiling one that size takes about a tenth of a second.
MAX_EXPANSION = 100_000

#: (deadline on the monotonic clock, the limit in seconds) of the evaluation under way.
_BUDGET: ContextVar[tuple[float, float] | None] = ContextVar("regex_budget", default=None)


class RegexAborted(Exception):
    """The regex work of one evaluation ran out of time."""


@contextlib.contextmanager
def regex_budget(seconds: float) -> Iterator[None]:
    """All regex work inside shares ``seconds``; an enclosing budget that ends sooner wins."""
    outer = _BUDGET.get()
    deadline = time.monotonic() + seconds
    if outer is not None and outer[0] <= deadline:
        yield
        return
    token = _BUDGET.set((deadline, seconds))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def bounded(call: Callable[..., Any], text: str) -> Any:
    """``call(text, timeout=...)`` within the current budget (``DEFAULT_TIMEOUT`` if none).

    Raises:
        RegexAborted: the budget is used up.
    """
    budget = _BUDGET.get()
    if budget is None:
        deadline, limit = time.monotonic() + DEFAULT_TIMEOUT, DEFAULT_TIMEOUT
    else:
        deadline, limit = budget
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise RegexAborted(f"stopped after {limit:g} s (the regex time limit)")
    try:
        return call(text, timeout=remaining)
    except TimeoutError:
        raise RegexAborted(f"stopped after {limit:g} s (the regex time limit)") from None


@dataclass(frozen=True)
class RegexTest:
    """A compiled regex condition."""

    condition: str
    pattern: Any  # regex.Pattern: the package ships no type information
    timeout: float = DEFAULT_TIMEOUT

    def search(self, text: str) -> bool:
        """Whether the pattern matches anywhere in ``text``, bounded in time.

        Raises:
            RegexAborted: the search was stopped after ``timeout`` seconds.
        """
        with regex_budget(self.timeout):
            return bounded(self.pattern.search, text) is not None


def compile_bounded(pattern: str, flags: int = 0) -> Any:
    """``regex.compile`` for a pattern whose size, once expanded, stays under the limit.

    Raises:
        ExpressionError: the pattern is invalid or too complex.
    """
    import regex  # on first use: most documents have no regular expression at all

    size = expanded_size(pattern)
    if size > MAX_EXPANSION:
        raise ExpressionError(
            f"regular expression is too complex: its counted repeats expand to more than "
            f"{MAX_EXPANSION:,} elements", pattern, 1)
    try:
        return regex.compile(pattern, flags)
    except regex.error as error:
        # the stubs do not know regex.error's msg and pos, which it has (like re.error)
        message = f"invalid regular expression: {getattr(error, 'msg', error)}"
        position = getattr(error, "pos", None) or 0
        raise ExpressionError(message, pattern, position + 1) from None
    except (RecursionError, OverflowError, MemoryError):
        raise ExpressionError("regular expression is too complex", pattern, 1) from None


def compile_regex_test(
    condition: str, timeout: float = DEFAULT_TIMEOUT
) -> tuple[RegexTest, list[str]]:
    """Compile a regex condition; also return what Python's ``re`` warns about the pattern
    (a possible nested set, say: portability advice, since other engines read it otherwise).

    Raises:
        ExpressionError: the pattern is not a valid regular expression, or too complex.
    """
    stdlib_error: re.error | None = None
    if expanded_size(condition) <= MAX_EXPANSION:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                re.compile(condition)
            except re.error as error:
                stdlib_error = error
            except (RecursionError, OverflowError):
                pass
    try:
        pattern = compile_bounded(condition)
    except ExpressionError:
        if stdlib_error is not None:  # re words it better and points at the right column
            raise ExpressionError(f"invalid regular expression: {stdlib_error.msg}", condition,
                                  (stdlib_error.pos or 0) + 1) from None
        raise
    notes = [f"regex {condition!r}: {warning.message}" for warning in caught]
    return RegexTest(condition, pattern, timeout), notes


def expanded_size(pattern: str) -> int:
    """The pattern's element count once counted repeats are written out, summed over
    alternatives: the size of the program ``regex`` compiles (an estimate from above)."""
    frames: list[list[int]] = [[0, 0]]  # per open group: [size so far, size of the last item]
    index, length = 0, len(pattern)
    while index < length:
        char = pattern[index]
        frame = frames[-1]
        if char == "\\":
            index = _skip_escape(pattern, index)
            frame[0] += 1
            frame[1] = 1
            continue
        if char == "[":
            index = _skip_class(pattern, index)
            frame[0] += 1
            frame[1] = 1
            continue
        if char == "(":
            frames.append([0, 0])
            index += 1
            if pattern.startswith("?#", index):  # a comment
                end = pattern.find(")", index)
                frames.pop()
                index = length if end < 0 else end + 1
            elif pattern.startswith("?", index):
                index = _skip_group_prefix(pattern, index)
            continue
        if char == ")" and len(frames) > 1:
            size = frames.pop()[0]
            frames[-1][0] += size
            frames[-1][1] = size
            index += 1
            continue
        if char == "{":
            found = _COUNT.match(pattern, index)
            if found:
                low = int(found.group(1) or 0)
                factor = max(low, 1)
                frame[0] += frame[1] * (factor - 1)
                frame[1] *= factor
                if frame[0] > MAX_EXPANSION:
                    return frame[0]
                index = found.end()
                continue
        if char in "*+?|":
            index += 1
            continue
        frame[0] += 1
        frame[1] = 1
        index += 1
    while len(frames) > 1:  # unbalanced: regex.compile reports it
        size = frames.pop()[0]
        frames[-1][0] += size
    return frames[0][0]


_COUNT = re.compile(r"\{(\d*)(?:,(\d*))?\}")


_GROUP_PREFIX = re.compile(r"\?(?:P?<[^>]*>|P=[^)]*|<[=!]|[:=!>|]|[a-zA-Z-]*[:)]?)")


def _skip_group_prefix(pattern: str, index: int) -> int:
    """Past ``?:``, ``?P<name>``, ``?<=``, ``?i:`` and the like: syntax, not elements."""
    found = _GROUP_PREFIX.match(pattern, index)
    if found is None:
        return index + 1
    end = found.end()
    return end - 1 if pattern[end - 1:end] == ")" else end


def _skip_escape(pattern: str, index: int) -> int:
    index += 2
    if pattern[index - 1:index] in ("p", "P", "N", "x", "u", "U", "g") and \
            pattern.startswith("{", index):
        end = pattern.find("}", index)
        return len(pattern) if end < 0 else end + 1
    return index


def _skip_class(pattern: str, index: int) -> int:
    index += 1
    if pattern.startswith("^", index):
        index += 1
    if pattern.startswith("]", index):
        index += 1
    while index < len(pattern):
        if pattern[index] == "\\":
            index += 2
            continue
        if pattern[index] == "]":
            return index + 1
        index += 1
    return index

"""Regex criteria that cannot hang a run.

The dialect is Python's ``re`` with search semantics (the pattern may match anywhere; anchor it
with ``^...$`` to match the whole value). A backtracking engine can take exponential time on a
hostile pattern such as ``(a+)+$``; Python's ``re`` holds the interpreter lock while it works,
so a thread cannot stop it. Hence:

- a pattern whose worst case is small for this input (no nested or back-referenced repeats, and
  ``len(text) ** (repeats + 1)`` under a budget) runs here, directly;
- anything else runs in a separate Python process that is killed after ``timeout`` seconds, and
  a timeout fails the criterion with a diagnostic.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

# typeshed describes the parser only as ``sre_parse``, which Python 3.11+ deprecates for
# ``re._parser``: the type checker reads the old name, the interpreter imports the new one.
if TYPE_CHECKING or sys.version_info < (3, 11):  # pragma: no cover - Python 3.10
    import sre_parse
else:
    from re import _parser as sre_parse

from arazzo_engine.expressions._errors import ExpressionError

DEFAULT_TIMEOUT = 2.0
_STEP_BUDGET = 10**7

_WORKER = (
    "import json, re, sys\n"
    "job = json.loads(sys.stdin.read())\n"
    "sys.stdout.write('1' if re.search(job['pattern'], job['text']) else '0')\n"
)


class RegexAborted(Exception):
    """The search was stopped (timeout) or its worker failed."""


@dataclass(frozen=True)
class RegexTest:
    """A compiled regex condition and what its shape costs in the worst case."""

    condition: str
    pattern: re.Pattern[str]
    repeats: int
    risky: bool
    timeout: float = DEFAULT_TIMEOUT

    def search(self, text: str) -> bool:
        """Whether the pattern matches anywhere in ``text``, bounded in time.

        Raises:
            RegexAborted: the search was stopped after ``timeout`` seconds.
        """
        if not self.risky and len(text) ** (self.repeats + 1) <= _STEP_BUDGET:
            return self.pattern.search(text) is not None
        return _search_in_worker(self.condition, text, self.timeout)


def compile_regex_test(
    condition: str, timeout: float = DEFAULT_TIMEOUT
) -> tuple[RegexTest, list[str]]:
    """Compile a regex condition; also return what Python warned about the pattern.

    Raises:
        ExpressionError: the pattern is not a valid Python regular expression.
    """
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pattern = re.compile(condition)
            repeats, risky = _shape(sre_parse.parse(condition))
    except re.error as error:
        message = f"invalid regular expression: {error.msg}"
        raise ExpressionError(message, condition, (error.pos or 0) + 1) from None
    except (RecursionError, OverflowError):
        raise ExpressionError("regular expression is too complex", condition, 1) from None
    notes = [f"regex {condition!r}: {warning.message}" for warning in caught]
    return RegexTest(condition, pattern, repeats, risky, timeout), notes


def _shape(
    parsed: sre_parse.SubPattern, inside_repeat: bool = False, depth: int = 0
) -> tuple[int, bool]:
    """Count variable repeats; what can backtrack exponentially is risky.

    Risky: a variable repeat or an alternation inside a repeat (``(a+)+``, ``(a|aa)+``,
    ``(a+){9}``), and back-references.
    """
    repeats, risky = 0, depth > 50
    for opcode, argument in parsed.data:
        name = str(opcode)
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            # typeshed's union of opcode arguments lacks a repeat's (min, max, body)
            low, high, body = cast("tuple[int, int, sre_parse.SubPattern]", argument)
            variable = low != high
            if variable and inside_repeat:
                risky = True
            inner, inner_risky = _shape(body, inside_repeat or high > 1, depth + 1)
            repeats += inner + (1 if variable else 0)
            risky = risky or inner_risky
        elif name in ("GROUPREF", "GROUPREF_EXISTS") or (name == "BRANCH" and inside_repeat):
            risky = True
        else:
            for child in _children(argument):
                inner, inner_risky = _shape(child, inside_repeat, depth + 1)
                repeats += inner
                risky = risky or inner_risky
    return repeats, risky


def _children(argument: object) -> list[sre_parse.SubPattern]:
    """Sub-patterns inside a branch, group or lookaround argument."""
    found: list[sre_parse.SubPattern] = []
    items = argument if isinstance(argument, (tuple, list)) else (argument,)
    for item in items:
        if isinstance(item, sre_parse.SubPattern):
            found.append(item)
        elif isinstance(item, (tuple, list)):
            found.extend(_children(item))
    return found


def _search_in_worker(pattern: str, text: str, timeout: float) -> bool:
    job = json.dumps({"pattern": pattern, "text": text})
    try:
        completed = subprocess.run(
            [sys.executable, "-I", "-S", "-c", _WORKER],
            input=job,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RegexAborted(f"stopped after {timeout:g} s") from None
    if completed.returncode != 0 or completed.stdout not in ("0", "1"):
        raise RegexAborted(f"the regex worker failed: {completed.stderr.strip()[-200:]}")
    return completed.stdout == "1"

"""The nodes of a parsed simple condition, and how each one evaluates.

A node either yields a value (literals, references, navigation) or a truth with a reason
(comparisons, ``!``, ``&&``, ``||``). The reasons become ``CriterionResult.detail``. A value that
cannot be had (missing, or of a type an operator cannot use) raises ``ConditionFailure``, which
fails the whole criterion: Arazzo 1.1 says an evaluation error makes a condition fail.

A node built for an Arazzo 1.1 document (``version``) reads a missing value as ``null`` (an
``Absent``, shown as missing in details) and takes ``null`` in a boolean position as false: the
1.1 text compares with ``$response.body#/0 == null`` exactly where the array may be empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from arazzo_engine.errors import MissingValueError
from arazzo_engine.expressions._compare import IncomparableError, compare
from arazzo_engine.expressions._context import EvaluationContext
from arazzo_engine.expressions._navigation import Accessor, navigate, show
from arazzo_engine.expressions._runtime import RuntimeExpression


@dataclass(frozen=True)
class Absent:
    """A value that is not there, read as ``null`` by Arazzo 1.1 conditions; ``reason`` says
    which part was missing."""

    reason: str


def _plain(value: Any) -> Any:
    return None if isinstance(value, Absent) else value


def _shown(value: Any) -> str:
    return "missing" if isinstance(value, Absent) else show(value)


class ConditionFailure(Exception):
    """A condition could not be evaluated; ``detail`` says why."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Node:
    """Common behaviour: a node is a value whose truth must be a boolean."""

    text: str
    #: The Arazzo feature set the condition was written for.
    version: str = "1.0"

    def value(self, context: EvaluationContext) -> Any:
        raise NotImplementedError

    def truth(self, context: EvaluationContext) -> tuple[bool, str]:
        """Whether the node holds, and a sentence saying why."""
        value = self.value(context)
        if self.version != "1.0" and _plain(value) is None:
            return False, f"{self.text} is {_shown(value)}, which fails"
        if not isinstance(value, bool):
            raise ConditionFailure(f"{self.text} is {_shown(value)}, not a boolean")
        return value, f"{self.text} is {show(value)}"

    def references(self) -> Iterator[RuntimeExpression]:
        return iter(())

    def describe(self, value: Any) -> str:
        """How the other side of a comparison is shown: literals plainly, others with value."""
        return f"{self.text} ({_shown(value)})"


@dataclass(frozen=True)
class Literal(Node):
    literal: Any = None

    def value(self, context: EvaluationContext) -> Any:
        return self.literal

    def describe(self, value: Any) -> str:
        return self.text


@dataclass(frozen=True)
class Reference(Node):
    expression: RuntimeExpression | None = None

    def value(self, context: EvaluationContext) -> Any:
        assert self.expression is not None
        try:
            return self.expression.evaluate(context)
        except MissingValueError as error:
            if self.version != "1.0":
                return Absent(str(error))
            raise ConditionFailure(str(error)) from None

    def references(self) -> Iterator[RuntimeExpression]:
        assert self.expression is not None
        yield self.expression


@dataclass(frozen=True)
class Navigate(Node):
    operand: Node | None = None
    accessors: tuple[Accessor, ...] = ()

    def value(self, context: EvaluationContext) -> Any:
        assert self.operand is not None
        base = self.operand.value(context)
        if isinstance(base, Absent):
            return base
        try:
            return navigate(base, self.accessors, self.operand.text)
        except MissingValueError as error:
            if self.version != "1.0":
                return Absent(f"{self.text} is missing: {error}")
            raise ConditionFailure(f"{self.text} is missing: {error}") from None

    def references(self) -> Iterator[RuntimeExpression]:
        assert self.operand is not None
        return self.operand.references()


@dataclass(frozen=True)
class Not(Node):
    operand: Node | None = None

    def value(self, context: EvaluationContext) -> Any:
        return self.truth(context)[0]

    def truth(self, context: EvaluationContext) -> tuple[bool, str]:
        assert self.operand is not None
        held, reason = self.operand.truth(context)
        return not held, f"not ({reason})"

    def references(self) -> Iterator[RuntimeExpression]:
        assert self.operand is not None
        return self.operand.references()


@dataclass(frozen=True)
class Compare(Node):
    left: Node | None = None
    operator: str = "=="
    right: Node | None = None

    def value(self, context: EvaluationContext) -> Any:
        return self.truth(context)[0]

    def truth(self, context: EvaluationContext) -> tuple[bool, str]:
        assert self.left is not None and self.right is not None
        left = self.left.value(context)
        right = self.right.value(context)
        try:
            held = compare(self.operator, _plain(left), _plain(right), self.version)
        except IncomparableError as error:
            raise ConditionFailure(f"{self.text}: {error}") from None
        other = self.right.describe(right)
        if held:
            return True, f"{self.left.text} is {_shown(left)} ({self.operator} {other})"
        return False, f"{self.left.text} is {_shown(left)}, expected {self.operator} {other}"

    def references(self) -> Iterator[RuntimeExpression]:
        assert self.left is not None and self.right is not None
        yield from self.left.references()
        yield from self.right.references()


@dataclass(frozen=True)
class _Chain(Node):
    """A run of ``&&`` or ``||``: it stops at the first item that decides it, left to right, so
    later items are not evaluated (and not read: a missing value there does no harm)."""

    items: tuple[Node, ...] = ()
    #: The truth value that decides the chain at once: False for ``&&``, True for ``||``.
    decided_by: ClassVar[bool]

    def value(self, context: EvaluationContext) -> Any:
        return self.truth(context)[0]

    def truth(self, context: EvaluationContext) -> tuple[bool, str]:
        reasons = []
        for item in self.items:
            held, reason = item.truth(context)
            if bool(held) == self.decided_by:
                return held, reason
            reasons.append(reason)
        return not self.decided_by, " and ".join(reasons)

    def references(self) -> Iterator[RuntimeExpression]:
        for item in self.items:
            yield from item.references()


@dataclass(frozen=True)
class AllOf(_Chain):
    """``a && b && ...``: false at the first false item."""

    decided_by: ClassVar[bool] = False


@dataclass(frozen=True)
class AnyOf(_Chain):
    """``a || b || ...``: true at the first true item."""

    decided_by: ClassVar[bool] = True


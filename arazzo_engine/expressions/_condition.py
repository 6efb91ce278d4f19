"""The nodes of a parsed simple condition, and how each one evaluates.

A node either yields a value (literals, references, navigation) or a truth with a reason
(comparisons, ``!``, ``&&``, ``||``). The reasons become ``CriterionResult.detail``. A value that
cannot be had (missing, or of a type an operator cannot use) raises ``ConditionFailure``, which
fails the whole criterion: Arazzo 1.1 says an evaluation error makes a condition fail.
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


class ConditionFailure(Exception):
    """A condition could not be evaluated; ``detail`` says why."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Node:
    """Common behaviour: a node is a value whose truth must be a boolean."""

    text: str

    def value(self, context: EvaluationContext) -> Any:
        raise NotImplementedError

    def truth(self, context: EvaluationContext) -> tuple[bool, str]:
        """Whether the node holds, and a sentence saying why."""
        value = self.value(context)
        if not isinstance(value, bool):
            raise ConditionFailure(f"{self.text} is {show(value)}, not a boolean")
        return value, f"{self.text} is {show(value)}"

    def references(self) -> Iterator[RuntimeExpression]:
        return iter(())

    def describe(self, value: Any) -> str:
        """How the other side of a comparison is shown: literals plainly, others with value."""
        return f"{self.text} ({show(value)})"


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
        try:
            return navigate(self.operand.value(context), self.accessors, self.operand.text)
        except MissingValueError as error:
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
            held = compare(self.operator, left, right)
        except IncomparableError as error:
            raise ConditionFailure(f"{self.text}: {error}") from None
        other = self.right.describe(right)
        if held:
            return True, f"{self.left.text} is {show(left)} ({self.operator} {other})"
        return False, f"{self.left.text} is {show(left)}, expected {self.operator} {other}"

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


"""Text to typed nodes: runtime expressions, templates and simple conditions.

Lark builds a parse tree (LALR, no recursion); small builders turn it into the frozen dataclasses
of ``_runtime`` and ``_condition``. Every error becomes an ``ExpressionError`` whose column is
counted in the text the caller handed in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from lark import Token, Tree, v_args
from lark.exceptions import LarkError, UnexpectedInput, VisitError
from lark.visitors import Transformer_NonRecursive

from arazzo_engine.document._versions import SpecVersion
from arazzo_engine.expressions._compare import parse_number
from arazzo_engine.expressions._condition import (
    AllOf,
    AnyOf,
    Compare,
    Literal,
    Navigate,
    Node,
    Not,
    Reference,
)
from arazzo_engine.expressions._errors import ExpressionError
from arazzo_engine.expressions._grammar import condition_parser, runtime_parser, translate
from arazzo_engine.expressions._navigation import Accessor
from arazzo_engine.expressions._runtime import ROOTS_BY_VERSION, RuntimeExpression

MAX_NESTING = 100
"""Deepest nesting of ``!``, groups and operators a condition may have (a guard, not a style)."""

_ROOT_WORD = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?")

Part = str | RuntimeExpression


def parse_expression(text: str, *, version: SpecVersion = "1.0") -> RuntimeExpression:
    """Parse a text that must be exactly one runtime expression, such as ``$inputs.petId``.

    ``version`` is the Arazzo feature set whose grammar applies (``1.0`` or ``1.1``).

    Raises:
        ExpressionError: the text is not one runtime expression; ``column`` points at why.
    """
    return parse_expression_at(text, text, 0, version)


def parse_expression_at(text: str, enclosing: str, offset: int,
                        version: SpecVersion = "1.0") -> RuntimeExpression:
    """Parse ``text``, found ``offset`` characters into ``enclosing`` (for columns)."""
    if not isinstance(text, str):
        raise ExpressionError("a runtime expression must be a string", str(text), 1)
    _check_root(text, enclosing, offset, version)
    parser = runtime_parser(version)
    try:
        tree = parser.parse(text, start="expression")
    except UnexpectedInput as error:
        raise translate(error, parser, text, "runtime expression", whole=True).shifted(
            enclosing, offset
        ) from None
    return _build_expression(tree, text, offset + 1)


def _check_root(text: str, enclosing: str, offset: int, version: SpecVersion) -> None:
    match = _ROOT_WORD.match(text)
    if match is None:
        raise ExpressionError("a runtime expression starts with '$'", enclosing, offset + 1)
    roots = ROOTS_BY_VERSION[version]
    if match.group(1) not in roots:
        found = repr(match.group(0)) if match.group(1) else "'$' alone"
        listed = ", ".join("$" + root for root in roots)
        newer = match.group(1) in ROOTS_BY_VERSION["1.1"] and version == "1.0"
        note = " (it is Arazzo 1.1: write arazzo: 1.1.0)" if newer else ""
        raise ExpressionError(
            f"unknown runtime expression {found}{note}; expected one of {listed}",
            enclosing,
            offset + 1,
        )


def _build_expression(tree: Tree[Token], text: str, column: int) -> RuntimeExpression:
    root_token, *rest = tree.children
    root = str(root_token)[1:]
    accessors: list[Accessor] = []
    pointer: Token | None = None
    if rest:
        (branch,) = rest
        body = _rule(branch)
        # None stands for an absent optional [POINTER]; lark's types leave it out.
        parts: Sequence[Token | Tree[Token] | None]
        if root in ("request", "response", "message"):
            source = str(body.data).removesuffix("_reference")
            accessors.append(Accessor(source))
            if source == "header":
                accessors.append(Accessor(str(body.children[0])))
                parts = []
            else:
                parts = body.children if source in ("body", "payload") \
                    else _rule(body.children[0]).children
        else:
            parts = body.children
        for part in parts:
            if part is None:
                continue
            if isinstance(part, Token):
                if part.type == "POINTER":
                    pointer = part
                else:
                    accessors.append(Accessor(str(part)))
            else:
                accessors.append(_accessor(part, text))
    return RuntimeExpression(
        text=text,
        root=root,
        accessors=tuple(accessors),
        pointer=None if pointer is None else str(pointer)[1:],
        column=column,
    )


def _rule(branch: Token | Tree[Token]) -> Tree[Token]:
    """The grammar puts a rule, never a terminal, where this is called; the check tells mypy."""
    assert isinstance(branch, Tree), f"expected a rule, found terminal {branch!r}"
    return branch


def _accessor(tree: Tree[Token], text: str) -> Accessor:
    (token,) = tree.children
    assert isinstance(token, Token), "the grammar gives every accessor one terminal"
    if tree.data == "member":
        return Accessor(str(token))
    if tree.data == "index":
        return Accessor(int(token), dotted=False)
    return Accessor(_unquote(token, text), dotted=False)


def _unquote(token: Token, text: str) -> str:
    raw = str(token)
    if raw.startswith("'"):
        return raw[1:-1].replace("''", "'")
    try:
        return json.loads(raw)
    except ValueError:
        assert token.start_pos is not None, "lexed tokens carry their position"
        raise ExpressionError("invalid escape in a quoted key", text, token.start_pos + 1) from None


def parse_template(text: str, version: SpecVersion = "1.0") -> tuple[Part, ...]:
    """Split a string with embedded ``{$...}`` expressions into text and expressions."""
    parser = runtime_parser(version)
    try:
        tree = parser.parse(text, start="template")
    except UnexpectedInput as error:
        raise translate(error, parser, text, "embedded expression") from None
    parts: list[Part] = []
    for child in tree.children:
        if isinstance(child, Token):
            parts.append(str(child))
            continue
        (embedded,) = child.children
        expression_tree = _rule(embedded)
        start, end = expression_tree.meta.start_pos, expression_tree.meta.end_pos
        parts.append(_build_expression(expression_tree, text[start:end], start + 1))
    return tuple(parts)


def parse_condition(text: str, *, version: SpecVersion = "1.0") -> Node:
    """Parse a simple condition such as ``$statusCode == 200 && $response.body#/ok == true``.

    Its runtime expressions follow the ``version``'s grammar; so does how it compares
    (``Compare.version``: Arazzo 1.1 defines null and missing operands).

    Raises:
        ExpressionError: the condition does not parse, or nests deeper than ``MAX_NESTING``.
    """
    if not isinstance(text, str):
        raise ExpressionError("a condition must be a string", str(text), 1)
    parser = condition_parser()
    try:
        tree = parser.parse(text)
    except UnexpectedInput as error:
        raise translate(error, parser, text, "condition") from None
    except LarkError as error:  # pragma: no cover - lark raises only UnexpectedInput on text
        raise ExpressionError(f"invalid condition: {error}", text, 1) from None
    try:
        node = _ConditionBuilder(text, version).transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, ExpressionError):
            raise error.orig_exc from None
        raise
    return node[0] if isinstance(node, tuple) else node


class _ConditionBuilder(Transformer_NonRecursive):
    """Builds condition nodes bottom-up; each result is ``(node, depth)`` to bound nesting."""

    def __init__(self, text: str, version: SpecVersion) -> None:
        super().__init__()
        self._text = text
        self._version = version

    def _slice(self, meta: Any) -> str:
        return self._text[meta.start_pos : meta.end_pos]

    def _nested(self, meta: Any, node: Node, depth: int) -> tuple[Node, int]:
        if depth > MAX_NESTING:
            raise ExpressionError(
                f"condition nests deeper than {MAX_NESTING} levels", self._text, meta.start_pos + 1
            )
        return node, depth

    def _leaf(self, token: Any) -> tuple[Node, int]:
        if isinstance(token, tuple):
            return token
        if token.type == "RUNTIME_EXPRESSION":
            expression = parse_expression_at(str(token), self._text, token.start_pos,
                                             self._version)
            return Reference(str(token), self._version, expression=expression), 0
        return _literal(token), 0

    @v_args(meta=True, inline=True)
    def reference(self, meta: Any, token: Token) -> tuple[Node, int]:
        return self._leaf(token)

    @v_args(meta=True, inline=True)
    def string(self, meta: Any, token: Token) -> tuple[Node, int]:
        return _literal(token), 0

    number = string
    true = string
    false = string
    null = string

    @v_args(meta=True, inline=True)
    def group(self, meta: Any, inner: Any) -> tuple[Node, int]:
        node, depth = self._leaf(inner)
        return self._nested(meta, node, depth + 1)

    @v_args(meta=True, inline=True)
    def negate(self, meta: Any, operand: Any) -> tuple[Node, int]:
        node, depth = self._leaf(operand)
        return self._nested(meta, Not(self._slice(meta), self._version, operand=node), depth + 1)

    @v_args(meta=True, inline=True)
    def compare(self, meta: Any, left: Any, operator: Token, right: Any) -> tuple[Node, int]:
        (left_node, left_depth), (right_node, right_depth) = self._leaf(left), self._leaf(right)
        node = Compare(self._slice(meta), self._version, left=left_node, operator=str(operator),
                       right=right_node)
        return self._nested(meta, node, max(left_depth, right_depth) + 1)

    @v_args(meta=True, inline=True)
    def all_of(self, meta: Any, left: Any, right: Any) -> tuple[Node, int]:
        return self._join(meta, AllOf, left, right)

    @v_args(meta=True, inline=True)
    def any_of(self, meta: Any, left: Any, right: Any) -> tuple[Node, int]:
        return self._join(meta, AnyOf, left, right)

    def _join(
        self, meta: Any, kind: type[AllOf | AnyOf], left: Any, right: Any
    ) -> tuple[Node, int]:
        (left_node, left_depth), (right_node, right_depth) = self._leaf(left), self._leaf(right)
        if isinstance(left_node, kind):
            items = (*left_node.items, right_node)
            depth = max(left_depth, right_depth + 1)
        else:
            items = (left_node, right_node)
            depth = max(left_depth, right_depth) + 1
        return self._nested(meta, kind(self._slice(meta), self._version, items=items), depth)

    @v_args(meta=True, inline=True)
    def navigate(self, meta: Any, operand: Any, *accessors: Tree) -> tuple[Node, int]:
        node, depth = self._leaf(operand)
        built = tuple(_accessor(accessor, self._text) for accessor in accessors)
        return self._nested(meta, Navigate(self._slice(meta), self._version, operand=node,
                                                    accessors=built), depth + 1)


def _literal(token: Token) -> Literal:
    raw = str(token)
    if token.type == "STRING":
        return Literal(raw, literal=raw[1:-1].replace("''", "'"))
    if token.type == "NUMBER":
        return Literal(raw, literal=parse_number(raw))
    return Literal(raw, literal={"TRUE": True, "FALSE": False, "NULL": None}[token.type])

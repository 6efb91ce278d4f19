"""Parameter values, payloads and outputs compiled once: literals, expressions and templates.

A string is
- one runtime expression when the whole string is one (``$inputs.count`` keeps its type);
- a template when it embeds ``{$...}`` expressions (the result is a string);
- a *bare* template when it has no braces but contains runtime expressions that start with a
  known root (``Bearer $inputs.token``, arazzo-notes 13): substituted, and flagged with
  ``uses_bare_embedding`` so the validator can warn;
- otherwise literal text (``Price in $USD``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from arazzo_engine.expressions._context import EvaluationContext
from arazzo_engine.expressions._errors import ExpressionError
from arazzo_engine.expressions._navigation import render
from arazzo_engine.expressions._parse import Part, parse_expression, parse_template
from arazzo_engine.expressions._runtime import ROOTS, RuntimeExpression

_KNOWN_ROOT = (
    r"\$(?:(?:url|method|statusCode)(?![A-Za-z0-9_])"
    r"|(?:request|response|inputs|outputs|steps|workflows|sourceDescriptions|components)"
    r"(?![A-Za-z0-9_]))"
)
_STARTS_WITH_ROOT = re.compile(_KNOWN_ROOT)
_EMBEDDED = re.compile(r"\{" + _KNOWN_ROOT)
# A bare expression: a known root not glued to a word before it, then the characters a
# sloppy author plausibly means as part of it (no spaces, quotes, braces or parentheses).
_BARE = re.compile(r"(?<![\w$\\])" + _KNOWN_ROOT + r"[A-Za-z0-9_\-.#/~\[\]]*")
_LOOKS_EMBEDDED = re.compile(r"\{\$[A-Za-z_][A-Za-z0-9_]*")
_TRAILING = ".#/~["


@dataclass(frozen=True)
class _Part:
    """A compiled piece of a value; subclasses say how it evaluates."""

    def evaluate(self, context: EvaluationContext) -> Any:
        raise NotImplementedError

    def references(self) -> Iterator[RuntimeExpression]:
        return iter(())


@dataclass(frozen=True)
class _Constant(_Part):
    value: Any = None

    def evaluate(self, context: EvaluationContext) -> Any:
        return self.value


@dataclass(frozen=True)
class _Whole(_Part):
    expression: RuntimeExpression | None = None

    def evaluate(self, context: EvaluationContext) -> Any:
        assert self.expression is not None
        return self.expression.evaluate(context)

    def references(self) -> Iterator[RuntimeExpression]:
        assert self.expression is not None
        yield self.expression


@dataclass(frozen=True)
class _Template(_Part):
    parts: tuple[Part, ...] = ()

    def evaluate(self, context: EvaluationContext) -> Any:
        return "".join(
            part if isinstance(part, str) else render(part.evaluate(context))
            for part in self.parts
        )

    def references(self) -> Iterator[RuntimeExpression]:
        for part in self.parts:
            if isinstance(part, RuntimeExpression):
                yield part


@dataclass(frozen=True)
class _Object(_Part):
    items: tuple[tuple[Any, _Part], ...] = ()

    def evaluate(self, context: EvaluationContext) -> Any:
        return {key: part.evaluate(context) for key, part in self.items}

    def references(self) -> Iterator[RuntimeExpression]:
        for _, part in self.items:
            yield from part.references()


@dataclass(frozen=True)
class _Array(_Part):
    items: tuple[_Part, ...] = ()

    def evaluate(self, context: EvaluationContext) -> Any:
        return [part.evaluate(context) for part in self.items]

    def references(self) -> Iterator[RuntimeExpression]:
        for part in self.items:
            yield from part.references()


@dataclass(frozen=True)
class CompiledValue:
    """A value ready to evaluate many times without parsing again.

    ``warnings`` name doubtful strings (a bare expression; ``{$input.x}``, which looks embedded
    but names no root) for the validator to report.
    """

    source: Any
    _part: _Part
    uses_bare_embedding: bool = False
    warnings: tuple[str, ...] = ()
    _references: tuple[RuntimeExpression, ...] = field(default=(), repr=False)

    @property
    def is_literal(self) -> bool:
        """True when the value holds no runtime expression at all."""
        return not self._references

    def evaluate(self, context: EvaluationContext) -> Any:
        """The value for this context (a fresh copy for objects and arrays).

        Raises:
            MissingValueError: an expression in the value names something that does not exist.
        """
        return self._part.evaluate(context)

    def references(self) -> list[RuntimeExpression]:
        """Every runtime expression in the value, in document order."""
        return list(self._references)

    def braced(self) -> Any:
        """The value as every Arazzo tool reads it: each bare expression of a string wrapped in
        braces (``Bearer $inputs.token`` -> ``Bearer {$inputs.token}``); other strings, and
        values without bare expressions, as written."""
        return _braced(self.source) if self.uses_bare_embedding else self.source


def compile_value(value: Any) -> CompiledValue:
    """Compile a parameter value, request payload or output value.

    Raises:
        ExpressionError: a string meant as an expression does not parse (the column is counted
            in that string).
    """
    warnings: list[str] = []
    bare: list[bool] = []
    part = _compile(value, warnings, bare)
    return CompiledValue(
        source=value,
        _part=part,
        uses_bare_embedding=any(bare),
        warnings=tuple(warnings),
        _references=tuple(part.references()),
    )


def _compile(value: Any, warnings: list[str], bare: list[bool]) -> _Part:
    if isinstance(value, str):
        return _compile_string(value, warnings, bare)
    if isinstance(value, Mapping):
        return _Object(tuple((key, _compile(item, warnings, bare)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return _Array(tuple(_compile(item, warnings, bare) for item in value))
    return _Constant(value)


def _compile_string(text: str, warnings: list[str], bare: list[bool]) -> _Part:
    embeds = _EMBEDDED.search(text) is not None
    if _STARTS_WITH_ROOT.match(text) and not embeds and not any(ch.isspace() for ch in text):
        # Meant as one expression: a parse error is the author's typo, so report it.
        return _Whole(parse_expression(text))
    if embeds:
        return _Template(parse_template(text))
    for match in _LOOKS_EMBEDDED.finditer(text):
        if not difflib.get_close_matches(match.group(0)[2:], ROOTS, n=1, cutoff=0.75):
            continue  # "{$ref}" in a schema is meant as text; "{$input.x}" is a typo
        warnings.append(
            f"{match.group(0)!r} in {text!r} looks like an embedded expression, but "
            f"{match.group(0)[1:]!r} is not a runtime expression root; it is kept as text"
        )
    parts = _bare_parts(text)
    if parts is None:
        return _Constant(text)
    bare.append(True)
    names = ", ".join(part.text for part in parts if isinstance(part, RuntimeExpression))
    warnings.append(
        f"{text!r} uses {names} without braces; it is substituted, but Arazzo embeds an "
        "expression in text only as {$...}"
    )
    return _Template(parts)


def _braced(value: Any) -> Any:
    if isinstance(value, str):
        if _EMBEDDED.search(value) is not None or _STARTS_WITH_ROOT.match(value):
            return value
        parts = _bare_parts(value)
        if parts is None:
            return value
        return "".join(p if isinstance(p, str) else "{" + p.text + "}" for p in parts)
    if isinstance(value, Mapping):
        return {key: _braced(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_braced(item) for item in value]
    return value


def _bare_parts(text: str) -> tuple[Part, ...] | None:
    """Split text at bare runtime expressions, or None when it has none that parses."""
    parts: list[Part] = []
    position = 0
    for match in _BARE.finditer(text):
        expression = _longest_expression(match.group(0), text, match.start())
        if expression is None:
            continue
        if match.start() > position:
            parts.append(text[position : match.start()])
        parts.append(expression)
        position = match.start() + len(expression.text)
    if not parts:
        return None
    if position < len(text):
        parts.append(text[position:])
    return tuple(parts)


def _longest_expression(candidate: str, text: str, offset: int) -> RuntimeExpression | None:
    """The candidate, less trailing punctuation (``$inputs.id.`` ends a sentence), if it parses."""
    while candidate:
        try:
            expression = parse_expression(candidate)
        except ExpressionError:
            if candidate[-1] not in _TRAILING and not candidate.endswith("]"):
                return None
            candidate = candidate[:-1]
            continue
        return RuntimeExpression(
            text=expression.text,
            root=expression.root,
            accessors=expression.accessors,
            pointer=expression.pointer,
            column=offset + 1,
        )
    return None

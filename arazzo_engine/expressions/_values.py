"""Parameter values, payloads and outputs compiled once: literals, expressions and templates.

A string is
- one runtime expression when the whole string is one (``$inputs.count`` keeps its type);
- a template when it embeds ``{$...}`` expressions (the result is a string);
- a *bare* template when it has no braces but contains runtime expressions that start with a
  known root (``Bearer $inputs.token``, arazzo-notes 13): substituted, and flagged with
  ``uses_bare_embedding`` so the validator can warn;
- otherwise literal text (``Price in $USD``).

In an Arazzo 1.1 document, a mapping with ``context`` and ``selector`` is a Selector Object
(``_selectors``), evaluated to what it selects, wherever values may hold one (parameter values,
payloads and their members, replacement values, outputs).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from arazzo_engine.document._versions import SpecVersion
from arazzo_engine.expressions._context import EvaluationContext
from arazzo_engine.expressions._errors import ExpressionError
from arazzo_engine.expressions._navigation import render
from arazzo_engine.expressions._parse import Part, parse_expression, parse_template
from arazzo_engine.expressions._runtime import ROOTS_BY_VERSION, RuntimeExpression
from arazzo_engine.expressions._selectors import CompiledSelector, compile_selector, is_selector

#: Roots that stand alone (``$url``); the others are followed by a dot.
_ALONE = ("url", "method", "statusCode", "self")


def _known_root(version: SpecVersion) -> str:
    roots = ROOTS_BY_VERSION[version]
    alone = "|".join(r for r in roots if r in _ALONE)
    dotted = "|".join(r for r in roots if r not in _ALONE)
    return rf"\$(?:(?:{alone})(?![A-Za-z0-9_])|(?:{dotted})(?![A-Za-z0-9_]))"


@dataclass(frozen=True)
class _Patterns:
    """The regular expressions that spot runtime expressions in a string, for one version."""

    starts_with_root: re.Pattern[str]
    embedded: re.Pattern[str]
    #: A bare expression: a known root not glued to a word before it, then the characters a
    #: sloppy author plausibly means as part of it (no spaces, quotes, braces, parentheses).
    bare: re.Pattern[str]


_PATTERNS = {
    version: _Patterns(
        re.compile(_known_root(version)),
        re.compile(r"\{" + _known_root(version)),
        re.compile(r"(?<![\w$\\])" + _known_root(version) + r"[A-Za-z0-9_\-.#/~\[\]]*"),
    )
    for version in ROOTS_BY_VERSION
}
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
class _Selector(_Part):
    selector: CompiledSelector | None = None

    def evaluate(self, context: EvaluationContext) -> Any:
        assert self.selector is not None
        return self.selector.evaluate(context)

    def references(self) -> Iterator[RuntimeExpression]:
        assert self.selector is not None
        return self.selector.references()


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
    #: The Arazzo feature set the value was compiled for.
    version: SpecVersion = "1.0"

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
        return _braced(self.source, self.version) if self.uses_bare_embedding else self.source


def compile_value(value: Any, *, version: SpecVersion = "1.0") -> CompiledValue:
    """Compile a parameter value, request payload or output value.

    ``version`` is the document's Arazzo feature set: its grammar, and in 1.1 Selector Objects.

    Raises:
        ExpressionError: a string meant as an expression does not parse (the column is counted
            in that string); in 1.1 a Selector Object is wrong (``SelectorError``).
    """
    warnings: list[str] = []
    bare: list[bool] = []
    part = _Compilation(version, warnings, bare).compile(value)
    return CompiledValue(
        source=value,
        _part=part,
        uses_bare_embedding=any(bare),
        warnings=tuple(warnings),
        _references=tuple(part.references()),
        version=version,
    )


class _Compilation:
    """One value's compilation: the feature set, and the warnings and bare uses it finds."""

    def __init__(self, version: SpecVersion, warnings: list[str], bare: list[bool]) -> None:
        self.version = version
        self.patterns = _PATTERNS[version]
        self.warnings = warnings
        self.bare = bare

    def compile(self, value: Any) -> _Part:
        if isinstance(value, str):
            return self._string(value)
        if isinstance(value, Mapping):
            if self.version != "1.0" and is_selector(value):
                return _Selector(compile_selector(value, version=self.version))
            return _Object(tuple((key, self.compile(item)) for key, item in value.items()))
        if isinstance(value, (list, tuple)):
            return _Array(tuple(self.compile(item) for item in value))
        return _Constant(value)

    def _string(self, text: str) -> _Part:
        embeds = self.patterns.embedded.search(text) is not None
        if self.patterns.starts_with_root.match(text) and not embeds \
                and not any(ch.isspace() for ch in text):
            # Meant as one expression: a parse error is the author's typo, so report it.
            return _Whole(parse_expression(text, version=self.version))
        if embeds:
            return _Template(parse_template(text, self.version))
        roots = ROOTS_BY_VERSION[self.version]
        for match in _LOOKS_EMBEDDED.finditer(text):
            import difflib  # only for a text that looks like a misspelt root

            if not difflib.get_close_matches(match.group(0)[2:], roots, n=1, cutoff=0.75):
                continue  # "{$ref}" in a schema is meant as text; "{$input.x}" is a typo
            self.warnings.append(
                f"{match.group(0)!r} in {text!r} looks like an embedded expression, but "
                f"{match.group(0)[1:]!r} is not a runtime expression root; it is kept as text"
            )
        parts = self._bare_parts(text)
        if parts is None:
            return _Constant(text)
        self.bare.append(True)
        names = ", ".join(part.text for part in parts if isinstance(part, RuntimeExpression))
        self.warnings.append(
            f"{text!r} uses {names} without braces; it is substituted, but Arazzo embeds an "
            "expression in text only as {$...}"
        )
        return _Template(parts)

    def _bare_parts(self, text: str) -> tuple[Part, ...] | None:
        """Split text at bare runtime expressions, or None when it has none that parses."""
        parts: list[Part] = []
        position = 0
        for match in self.patterns.bare.finditer(text):
            expression = _longest_expression(match.group(0), match.start(), self.version)
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


def _braced(value: Any, version: SpecVersion) -> Any:
    if isinstance(value, str):
        patterns = _PATTERNS[version]
        if patterns.embedded.search(value) is not None or patterns.starts_with_root.match(value):
            return value
        parts = _Compilation(version, [], [])._bare_parts(value)
        if parts is None:
            return value
        return "".join(p if isinstance(p, str) else "{" + p.text + "}" for p in parts)
    if isinstance(value, Mapping):
        if version != "1.0" and is_selector(value):
            return value
        return {key: _braced(item, version) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_braced(item, version) for item in value]
    return value


def _longest_expression(candidate: str, offset: int,
                        version: SpecVersion) -> RuntimeExpression | None:
    """The candidate, less trailing punctuation (``$inputs.id.`` ends a sentence), if it parses."""
    while candidate:
        try:
            expression = parse_expression(candidate, version=version)
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

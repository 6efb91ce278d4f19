"""Arazzo 1.1 Selector Objects: a runtime expression for the context, a query applied to it.

``{context: $response.body, selector: $.user.email, type: jsonpath}`` reads the context, then
selects from it with JSONPath (RFC 9535 by default, or the Goessner draft), JSON Pointer
(RFC 6901) or XPath (3.1 by default, or 3.0, 2.0, 1.0). What the selection gives
(docs/semantics.md, "Selector Objects"):

- JSON Pointer: the value it points at.
- JSONPath RFC 9535: for a *singular* query (names and indexes only, ``$.a.b[0]``) the value of
  the one node; for any other query the list of the nodes' values, however many there are.
  The type follows the query, not the data.
- JSONPath Goessner draft: one match gives its value, several a list (the draft has no notion
  of a singular query).
- XPath: each item atomized (an element gives its string value, an attribute its value, a number
  stays a number); one item gives that item, several a list.

Nothing selected is a missing value (``MissingValueError``), like any expression that names
nothing: an output becomes unresolved, a request cannot be built.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from arazzo_engine.document._versions import SpecVersion
from arazzo_engine.errors import MissingValueError
from arazzo_engine.expressions._errors import ExpressionError
from arazzo_engine.expressions._jsonpath import GOESSNER, compile_query
from arazzo_engine.expressions._navigation import describe_type, resolve_pointer
from arazzo_engine.expressions._parse import parse_expression
from arazzo_engine.expressions._runtime import RuntimeExpression
from arazzo_engine.expressions._xpath import DEFAULT_VERSION as XPATH_DEFAULT
from arazzo_engine.expressions._xpath import VERSIONS as XPATH_VERSIONS
from arazzo_engine.expressions._xpath import _parser as xpath_parser

__all__ = [
    "SELECTOR_FIELDS",
    "CompiledSelector",
    "SelectorError",
    "compile_selector",
    "expression_type",
    "is_selector",
]

#: The versions each expression type allows, the default first (Expression Type Object).
VERSIONS: dict[str, tuple[str, ...]] = {
    "jsonpath": ("rfc9535", GOESSNER),
    "xpath": (XPATH_DEFAULT, *sorted((v for v in XPATH_VERSIONS if v != XPATH_DEFAULT),
                                     reverse=True)),
    "jsonpointer": ("rfc6901",),
}
SELECTOR_FIELDS = ("context", "selector", "type")


class SelectorError(ExpressionError):
    """A Selector Object that cannot be compiled; ``field`` names the member at fault."""

    def __init__(self, message: str, text: str, column: int, field: str) -> None:
        super().__init__(message, text, column)
        self.field = field


def is_selector(node: Any) -> bool:
    """A mapping with both ``context`` and ``selector`` is a Selector Object (Arazzo 1.1).

    That is how a value, payload member or replacement value is told from a literal object: a
    literal that needs both names can be written as JSON text.
    """
    return isinstance(node, Mapping) and "context" in node and "selector" in node


def expression_type(declared: Any, *, allowed: tuple[str, ...] = tuple(VERSIONS),
                    what: str = "selector") -> tuple[str, str]:
    """(type, version) of a ``type`` given as a name or an Expression Type Object.

    Raises:
        ExpressionError: the type or version is not one Arazzo 1.1 defines (or ``allowed``).
    """
    version: str | None = None
    if isinstance(declared, str):
        kind: Any = declared
    elif isinstance(declared, Mapping):
        kind, version = declared.get("type"), declared.get("version")
        if not isinstance(version, str):
            raise ExpressionError("an Expression Type Object needs a `version`", repr(declared), 1)
    else:
        raise ExpressionError(f"a {what} `type` must be a name or an Expression Type Object",
                              repr(declared), 1)
    if kind not in allowed:
        raise ExpressionError(f"unknown {what} type {kind!r}; expected one of "
                              f"{', '.join(allowed)}", str(kind), 1)
    versions = VERSIONS[str(kind)]
    if version is None:
        return str(kind), versions[0]
    if version not in versions:
        raise ExpressionError(f"unknown {kind} version {version!r}; expected one of "
                              f"{', '.join(versions)}", version, 1)
    return str(kind), version


Select = Callable[[Any], Any]


@dataclass(frozen=True)
class CompiledSelector:
    """A Selector Object ready to evaluate many times without parsing again."""

    context: RuntimeExpression
    selector: str
    type: str
    version: str
    _select: Select = field(repr=False, compare=False)

    def evaluate(self, context: Any) -> Any:
        """The selection from this run's context value.

        Raises:
            MissingValueError: the context is missing or not structured data, or the selector
                selects nothing.
        """
        value = self.context.evaluate(context)
        try:
            return self._select(value)
        except MissingValueError as error:
            missing = MissingValueError(f"selector {self.selector!r} ({self.type}) on "
                                        f"{self.context.text}: {error}")
            missing.expression = self.context.text
            raise missing from None

    def select(self, value: Any) -> Any:
        """Apply only the selector to a value already in hand."""
        return self._select(value)

    def references(self) -> Iterator[RuntimeExpression]:
        yield self.context


def compile_selector(node: Mapping[str, Any], *,
                     version: SpecVersion = "1.1") -> CompiledSelector:
    """Compile a Selector Object.

    Raises:
        SelectorError: a member is missing or wrong; ``field`` says which.
    """
    missing = [name for name in SELECTOR_FIELDS if name not in node]
    if missing:
        listed = " and ".join(f"`{name}`" for name in missing)
        raise SelectorError(f"a Selector Object needs {listed}", "", 1, missing[0])
    for name in node:
        if name not in SELECTOR_FIELDS and not str(name).startswith("x-"):
            raise SelectorError(f"unknown field `{name}` in a Selector Object", str(name), 1,
                                str(name))
    context_text, selector = node["context"], node["selector"]
    if not isinstance(context_text, str):
        raise SelectorError("a Selector Object's `context` must be a runtime expression",
                            repr(context_text), 1, "context")
    if not isinstance(selector, str):
        raise SelectorError("a Selector Object's `selector` must be a string", repr(selector),
                            1, "selector")
    try:
        context = parse_expression(context_text, version=version)
    except ExpressionError as error:
        raise SelectorError(error.message, error.text, error.column, "context") from None
    try:
        kind, kind_version = expression_type(node["type"])
    except ExpressionError as error:
        raise SelectorError(error.message, error.text, error.column, "type") from None
    try:
        select = selector_function(selector, kind, kind_version)
    except ExpressionError as error:
        raise SelectorError(error.message, error.text, error.column, "selector") from None
    return CompiledSelector(context, selector, kind, kind_version, select)


def selector_function(selector: str, kind: str, version: str) -> Select:
    """The function applying ``selector`` of ``kind``/``version`` to a value.

    Raises:
        ExpressionError: the selector does not parse.
    """
    if kind == "jsonpointer":
        return _pointer(selector)
    if kind == "xpath":
        return _xpath(selector, version)
    if version == GOESSNER:
        return _goessner(selector)
    return _rfc9535(selector)


def _structured(value: Any) -> Any:
    """JSON selectors apply to parsed data; a body kept as JSON text is parsed first."""
    if isinstance(value, (str, bytes)):
        try:
            return json.loads(value)
        except ValueError:
            raise MissingValueError("the context is text, not JSON") from None
    return value


def _pointer(selector: str) -> Select:
    if selector and not selector.startswith("/"):
        hint = " (write it without '#': /a/b)" if selector.startswith("#") else ""
        raise ExpressionError(f"a JSON Pointer is empty or starts with '/'{hint}", selector, 1)
    for position, character in enumerate(selector):
        if character == "~" and selector[position + 1:position + 2] not in ("0", "1"):
            raise ExpressionError("in a JSON Pointer '~' is written '~0' and '/' '~1'",
                                  selector, position + 1)

    def select(value: Any) -> Any:
        return resolve_pointer(_structured(value), selector, "the context")

    return select


def _rfc9535(selector: str) -> Select:
    query = compile_query(selector)
    singular = query.singular_query()

    def select(value: Any) -> Any:
        nodes = query.find(_structured(value))
        if singular:
            if not nodes:
                raise MissingValueError("it selects nothing")
            return nodes[0].value
        return nodes.values()

    return select


def _goessner(selector: str) -> Select:
    from jsonpath_ng.ext import parse

    try:
        query = parse(selector)
    except Exception as error:  # jsonpath-ng raises bare Exception subclasses
        raise ExpressionError(f"invalid JSONPath ({GOESSNER}): {error}", selector, 1) from None

    def select(value: Any) -> Any:
        found = [match.value for match in query.find(_structured(value))]
        if not found:
            raise MissingValueError("it selects nothing")
        return found[0] if len(found) == 1 else found

    return select


def _xpath(selector: str, version: str) -> Select:
    import xml.etree.ElementTree as ElementTree  # XPath selectors only: on first use

    import elementpath  # on first use, as for XPath criteria

    try:
        compiled = elementpath.Selector(selector, parser=xpath_parser(version))
    except (elementpath.ElementPathError, SyntaxError, ValueError, TypeError) as error:
        raise ExpressionError(f"invalid XPath ({version}): {error}", selector, 1) from None
    except RecursionError:
        raise ExpressionError("XPath expression nests too deeply", selector, 1) from None

    def select(value: Any) -> Any:
        if not isinstance(value, (str, bytes)):
            raise MissingValueError(f"the context is {describe_type(value)}, not XML text")
        try:
            document = ElementTree.ElementTree(ElementTree.fromstring(value))
        except ElementTree.ParseError as error:
            raise MissingValueError(f"the context is not XML: {error}") from None
        try:
            result = compiled.select(document)
        except elementpath.ElementPathError as error:
            raise MissingValueError(f"the XPath failed: {error}") from None
        items = [_atomized(item) for item in (result if isinstance(result, list) else [result])]
        if not items:
            raise MissingValueError("it selects nothing")
        return items[0] if len(items) == 1 else items

    return select


def _atomized(item: Any) -> Any:
    import xml.etree.ElementTree as ElementTree  # loaded by _xpath already

    if isinstance(item, ElementTree.Element):
        return "".join(item.itertext())
    if isinstance(item, Decimal):
        return int(item) if item == item.to_integral_value() else float(item)
    return item

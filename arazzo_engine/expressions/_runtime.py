"""A parsed runtime expression, and how it reads its value from an ``EvaluationContext``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from arazzo_engine.document._versions import SpecVersion
from arazzo_engine.errors import MissingValueError
from arazzo_engine.expressions._context import EvaluationContext, Message
from arazzo_engine.expressions._navigation import Accessor, navigate, resolve_pointer

ROOTS = (
    "url", "method", "statusCode", "request", "response", "inputs", "outputs", "steps",
    "workflows", "sourceDescriptions", "components",
)
#: The roots of each feature set: 1.1 adds ``$message`` (an AsyncAPI message) and ``$self``.
ROOTS_BY_VERSION: dict[SpecVersion, tuple[str, ...]] = {
    "1.0": ROOTS,
    "1.1": (*ROOTS[:5], "message", *ROOTS[5:], "self"),
}
#: Roots that read the current request, response or message (the rest name workflow data).
EXCHANGE_ROOTS = ("request", "response", "message")

_NAMED_ROOTS = {
    "inputs": "inputs",
    "outputs": "outputs",
    "steps": "steps",
    "workflows": "workflows",
    "sourceDescriptions": "source_descriptions",
    "components": "components",
}


@dataclass(frozen=True)
class RuntimeExpression:
    """One runtime expression, such as ``$steps.login.outputs.token`` or ``$response.body#/id``.

    ``segments`` are the names after the root as strings (``("header", "Content-Type")``,
    ``("login", "outputs", "token")``); ``accessors`` keeps the same steps with their form
    (dotted name or bracketed index/key). ``pointer`` is the JSON pointer after ``#``, still
    escaped. ``column`` is where the expression starts in the text it was found in (1-based).
    """

    text: str
    root: str
    accessors: tuple[Accessor, ...] = ()
    pointer: str | None = None
    column: int = 1
    segments: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(str(a.key) for a in self.accessors))

    def evaluate(self, context: EvaluationContext) -> Any:
        """The value this expression names, with its type kept.

        Raises:
            MissingValueError: the value does not exist (yet); the message says which part.
        """
        try:
            value = self._base_value(context)
            if self.pointer is not None:
                value = resolve_pointer(value, self.pointer, self._text_before_pointer())
        except MissingValueError as error:
            missing = MissingValueError(f"{self.text} is missing: {error}")
            missing.expression = self.text
            raise missing from None
        return value

    def _text_before_pointer(self) -> str:
        return self.text if self.pointer is None else self.text[: -len(self.pointer) - 1]

    def _base_value(self, context: EvaluationContext) -> Any:
        if self.root == "url":
            return _present(context.url, "there is no request URL yet")
        if self.root == "method":
            return _present(context.method, "there is no request method yet")
        if self.root == "statusCode":
            return _present(context.status_code, "there is no response yet")
        if self.root == "self":
            return _present(context.self_uri, "the document has no $self")
        if self.root in EXCHANGE_ROOTS:
            message = getattr(context, self.root)
            if message is None:
                if self.root == "message":
                    raise MissingValueError("there is no message: only an AsyncAPI step "
                                            "receives one")
                raise MissingValueError(f"there is no {self.root} yet")
            return _message_value(message, self.root, self.accessors)
        data = getattr(context, _NAMED_ROOTS[self.root])
        return navigate(data, self.accessors, "$" + self.root)


def _present(value: Any, reason: str) -> Any:
    if value is None:
        raise MissingValueError(reason)
    return value


def _message_value(message: Message, root: str, accessors: tuple[Accessor, ...]) -> Any:
    source, rest = str(accessors[0].key), accessors[1:]
    start = f"${root}.{source}"
    if source == "header":
        return _header(message.headers, str(rest[0].key))
    if source in ("body", "payload"):  # 1.1 names a message's body its payload
        if message.body is None and not message.raw_body:
            raise MissingValueError(f"the {root} has no {source}")
        return navigate(message.body, rest, start)
    parameters = message.query if source == "query" else message.path
    return navigate(parameters, rest, start)


def _header(headers: Mapping[str, Any], name: str) -> str:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            if isinstance(value, (list, tuple)):
                return ", ".join(str(item) for item in value)
            return value
    raise MissingValueError(f"there is no {name!r} header")

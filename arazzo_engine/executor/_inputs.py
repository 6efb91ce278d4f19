"""Workflow inputs: defaults from the inputs JSON Schema, then validation against it.

The schema also reads inputs given as text (``--input token=12345`` is the string ``"12345"``
when ``token`` is a string) and names inputs it does not declare, with a did-you-mean: a typo
in an input name must not run the workflow without the value the user meant to give.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, UnknownType, best_match
from referencing import Registry
from referencing.exceptions import NoSuchResource, Unresolvable, Unretrievable
from referencing.jsonschema import DRAFT202012

from arazzo_engine._suggest import closest
from arazzo_engine.document import MAX_DEPTH as MAX_VALUE_DEPTH
from arazzo_engine.document import resolve_pointer
from arazzo_engine.document._anchors import anchor_pointers, with_anchors_as_pointers
from arazzo_engine.errors import ExecutionError, InputError
from arazzo_engine.executor._plain_schema import Check, plain_check

__all__ = ["InputsSchema", "forwarded_inputs"]

_DOCUMENT_URI = "urn:arazzo-engine:document"
_MAX_DEPTH = 32


class InputsSchema:
    """A workflow's inputs schema, checked against the metaschema once and then reused.

    Checking a schema costs far more than validating a handful of inputs with it, and a
    polling run starts the same workflows again and again.
    """

    def __init__(self, workflow: Mapping[str, Any], document: Any, pointer: str) -> None:
        self.workflow_id = workflow.get("workflowId")
        # A $ref may name a schema by its $anchor; a JSON Schema library cannot find anchors
        # in a document that is not itself a schema, so they become pointers first.
        resolved = with_anchors_as_pointers(document)
        if resolved is not document:
            document, workflow = resolved, resolve_pointer(resolved, pointer)
        self.document = document
        schema = workflow.get("inputs")
        self.schema = schema if isinstance(schema, Mapping) else None
        self._validator: Draft202012Validator | None = None
        self._plain: Check | None = None
        self._declared: tuple[frozenset[str] | None] | None = None
        self._patterns: list[str] | None = None
        if self.schema is None:
            return
        try:
            Draft202012Validator.check_schema(self.schema)
            Draft202012Validator.check_schema(_resolve(self.schema, document))
        except SchemaError as exc:
            raise ExecutionError(f"workflow {self.workflow_id!r}: the inputs schema is not a "
                                 f"valid JSON Schema: {exc.message}") from None
        except _UNUSABLE_SCHEMA as exc:
            raise self._unusable(exc) from None
        registry = Registry().with_resource(_DOCUMENT_URI, DRAFT202012.create_resource(document))
        self._validator = Draft202012Validator(
            {"$ref": f"{_DOCUMENT_URI}#{pointer}/inputs"}, registry=registry
        )
        self._plain = plain_check(self.schema)

    def with_defaults(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The inputs with schema defaults filled in, not validated (a dry run's placeholders
        would not pass)."""
        values = dict(inputs)
        if self.schema is None:
            return values
        return dict(_with_defaults(self.schema, values, self.document, 0))

    def prepare(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The inputs with schema defaults filled in; raises ``InputError`` naming a bad one."""
        values = dict(inputs)
        if self.schema is None or self._validator is None:
            return values
        values = _with_defaults(self.schema, values, self.document, 0)
        if self._plain is not None and self._plain(values):
            return values
        try:
            error = best_match(self._validator.iter_errors(values))
        # A schema the metaschema accepts can still break validation: a $ref to nothing or
        # outside the document, an invalid regex, a $ref loop.
        except _UNUSABLE_SCHEMA as exc:
            raise self._unusable(exc) from None
        if error is not None:
            raise InputError(f"workflow {self.workflow_id!r}: {_describe(error)}")
        return values

    # inputs given by name -------------------------------------------------------------

    def declared(self) -> frozenset[str] | None:
        """The input names the schema declares; None when it explicitly allows any other
        (``additionalProperties`` or ``unevaluatedProperties`` present and not false), or
        when the workflow has no inputs schema at all (nothing to hold a name against)."""
        if self._declared is None:
            self._declared = (self._find_declared(),)
        return self._declared[0]

    def _find_declared(self) -> frozenset[str] | None:
        if self.schema is None:
            return None
        names: set[str] = set()
        for part in _schema_parts(self.schema, self.document):
            for keyword in ("additionalProperties", "unevaluatedProperties"):
                if keyword in part and part[keyword] is not False:
                    return None
            properties = part.get("properties")
            if isinstance(properties, Mapping):
                names.update(str(name) for name in properties)
        return frozenset(names)

    def undeclared(self, names: Iterator[str] | list[str]) -> list[str]:
        """One message per name the schema does not declare (nothing when it allows any)."""
        declared = self.declared()
        if declared is None:
            return []
        if self._patterns is None:
            self._patterns = [p for part in _schema_parts(self.schema, self.document)
                              for p in (part.get("patternProperties") or {})
                              if isinstance(part.get("patternProperties"), Mapping)]
        patterns = self._patterns
        messages = []
        for name in names:
            if name in declared or any(_matches(p, name) for p in patterns):
                continue
            close = closest(name, declared)
            hint = f"; did you mean {close!r}?" if close else ""
            listed = ", ".join(sorted(declared)) or "none"
            messages.append(f"workflow {self.workflow_id!r} declares no input {name!r}{hint} "
                            f"(its inputs: {listed})")
        return messages

    def check_declared(self, inputs: Mapping[str, Any]) -> None:
        """Raises ``InputError`` for inputs the schema does not declare."""
        problems = self.undeclared(list(inputs))
        if problems:
            raise InputError("; ".join(problems))

    def value_from_text(self, name: str, text: str) -> Any:
        """An input typed as text: JSON when it parses and fits the schema, else the text
        itself when that fits (``12345`` for a string input), else the JSON (so validation
        names the problem). Raises ``InputError`` for JSON nested too deep to be data."""
        try:
            parsed = json.loads(text)
        except RecursionError:
            raise InputError(f"input {name!r}: the JSON value nests too deeply (more than "
                             f"{MAX_VALUE_DEPTH} levels)") from None
        except ValueError:
            return text
        if _depth(parsed) > MAX_VALUE_DEPTH:
            raise InputError(f"input {name!r}: the JSON value nests deeper than "
                             f"{MAX_VALUE_DEPTH} levels")
        if not isinstance(parsed, str) and not self._fits(name, parsed) \
                and self._fits(name, text):
            return text
        return parsed

    def _fits(self, name: str, value: Any) -> bool:
        if self._validator is None:
            return True
        try:
            return not any(list(error.absolute_path)[:1] == [name]
                           for error in self._validator.iter_errors({name: value}))
        except _UNUSABLE_SCHEMA:
            return True  # prepare() reports an unusable schema

    def _unusable(self, exc: BaseException) -> ExecutionError:
        return ExecutionError(f"workflow {self.workflow_id!r}: the inputs schema cannot be "
                              f"used: {_one_line(exc)}")


_UNUSABLE_SCHEMA = (Unresolvable, NoSuchResource, Unretrievable, UnknownType, re.error,
                    RecursionError, TypeError, ValueError, AttributeError, LookupError)


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "its references loop"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _describe(error: Any) -> str:
    path = list(error.absolute_path)
    if error.validator == "required" and not path:
        missing = [n for n in error.validator_value if n not in (error.instance or {})]
        if missing:
            return f"input {missing[0]!r} is required"
    if path:
        name = ".".join(str(p) for p in path)
        return f"input {name!r}: {error.message}"
    return f"inputs: {error.message}"


def _schema_parts(schema: Any, document: Any, depth: int = 0) -> Iterator[Mapping[str, Any]]:
    """The schema and the parts whose properties also count (allOf, anyOf, oneOf)."""
    schema = _resolve(schema, document)
    if depth > _MAX_DEPTH or not isinstance(schema, Mapping):
        return
    yield schema
    for keyword in ("allOf", "anyOf", "oneOf"):
        parts = schema.get(keyword)
        for part in parts if isinstance(parts, list) else []:
            yield from _schema_parts(part, document, depth + 1)


def _matches(pattern: str, name: str) -> bool:
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return False


def _depth(value: Any) -> int:
    """How deep a parsed JSON value nests, without recursing (it may be very deep)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        current, level = pending.pop()
        if isinstance(current, (dict, list)):
            deepest = max(deepest, level)
            children = current.values() if isinstance(current, dict) else current
            pending.extend((child, level + 1) for child in children)
    return deepest


def _resolve(schema: Any, document: Any) -> Any:
    for _ in range(_MAX_DEPTH):
        ref = schema.get("$ref") if isinstance(schema, Mapping) else None
        if not (isinstance(ref, str) and ref.startswith("#")):
            return schema
        pointer = ref[1:]
        if not pointer.startswith("/") and pointer:  # a plain name: an $anchor
            pointer = anchor_pointers(document).get(pointer, "?")
        try:
            schema = resolve_pointer(document, pointer)
        except (KeyError, ValueError, IndexError):
            return {}
    return {}


def _with_defaults(schema: Any, value: Any, document: Any, depth: int) -> Any:
    schema = _resolve(schema, document)
    if depth > _MAX_DEPTH or not isinstance(schema, Mapping) or not isinstance(value, dict):
        return value
    parts = schema.get("allOf")
    for part in parts if isinstance(parts, list) else []:
        value = _with_defaults(part, value, document, depth + 1)
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        for name, child in properties.items():
            child = _resolve(child, document)
            if name not in value and isinstance(child, Mapping) and "default" in child:
                value[name] = copy.deepcopy(child["default"])
            if name in value:
                value[name] = _with_defaults(child, value[name], document, depth + 1)
    return value


def forwarded_inputs(
    workflow: Mapping[str, Any], inputs: Mapping[str, Any], document: Any
) -> dict[str, Any]:
    """Inputs handed on to a dependency or a ``goto`` target: the ones it declares.

    A target whose schema lists no properties receives them all.
    """
    schema = _resolve(workflow.get("inputs"), document)
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    if not isinstance(properties, Mapping):
        return dict(inputs)
    return {k: v for k, v in inputs.items() if k in properties}

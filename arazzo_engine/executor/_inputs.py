"""Workflow inputs: defaults from the inputs JSON Schema, then validation against it."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, UnknownType, best_match
from referencing import Registry
from referencing.exceptions import NoSuchResource, Unresolvable, Unretrievable
from referencing.jsonschema import DRAFT202012

from arazzo_engine.document import resolve_pointer
from arazzo_engine.errors import ExecutionError, InputError

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
        self.document = document
        schema = workflow.get("inputs")
        self.schema = schema if isinstance(schema, Mapping) else None
        self._validator: Draft202012Validator | None = None
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

    def prepare(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The inputs with schema defaults filled in; raises ``InputError`` naming a bad one."""
        values = dict(inputs)
        if self.schema is None or self._validator is None:
            return values
        values = _with_defaults(self.schema, values, self.document, 0)
        try:
            error = best_match(self._validator.iter_errors(values))
        # A schema the metaschema accepts can still break validation: a $ref to nothing or
        # outside the document, an invalid regex, a $ref loop.
        except _UNUSABLE_SCHEMA as exc:
            raise self._unusable(exc) from None
        if error is not None:
            raise InputError(f"workflow {self.workflow_id!r}: {_describe(error)}")
        return values

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


def _resolve(schema: Any, document: Any) -> Any:
    for _ in range(_MAX_DEPTH):
        ref = schema.get("$ref") if isinstance(schema, Mapping) else None
        if not (isinstance(ref, str) and ref.startswith("#")):
            return schema
        try:
            schema = resolve_pointer(document, ref[1:])
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

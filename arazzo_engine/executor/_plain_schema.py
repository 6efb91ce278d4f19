"""A quick yes for inputs that plainly fit a plain inputs schema.

Most workflows declare their inputs as an object of named, typed properties, some required,
and every run starts by validating its inputs against that schema. ``jsonschema`` does it
through its general machinery (a validator per keyword, a registry lookup for the ``$ref``
into the document): about 60 µs for the reference workflow's four inputs, which a thousand
runs submitted at once pay before the first of them sends anything. For a schema made only
of ``type``, ``properties``, ``required`` and annotations, "these inputs fit" is a few type
checks; this module compiles that check once per schema. It only ever says yes when
``jsonschema`` would: its type tests are as strict or stricter (no ``1.0`` for an integer,
only the built-in JSON types), any other keyword makes the schema not plain, and a no (or
a schema that is not plain) sends the inputs to ``jsonschema``, which words the error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["plain_check"]

#: Keywords that never reject a value (Draft 2020-12 annotations; ``format`` only annotates
#: unless a format checker is asked for, and the inputs validator asks for none).
_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "deprecated",
                          "readOnly", "writeOnly", "$comment", "format"})

#: JSON Schema type name -> a test of the value's exact built-in type.
_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda value: type(value) is str,
    "integer": lambda value: type(value) is int,
    "number": lambda value: type(value) is int or type(value) is float,
    "boolean": lambda value: type(value) is bool,
    "null": lambda value: value is None,
    "object": lambda value: type(value) is dict,
    "array": lambda value: type(value) is list,
}

Check = Callable[[dict[str, Any]], bool]


def plain_check(schema: Mapping[str, Any]) -> Check | None:
    """A check that is True only for inputs the schema accepts; None if it is not plain."""
    if set(schema) - _ANNOTATIONS - {"type", "properties", "required"}:
        return None
    if schema.get("type", "object") != "object":
        return None
    required = schema.get("required", [])
    properties = schema.get("properties", {})
    if not (isinstance(required, list) and all(type(name) is str for name in required)
            and isinstance(properties, Mapping)):
        return None
    tests: dict[str, Callable[[Any], bool] | None] = {}
    for name, child in properties.items():
        if not isinstance(child, Mapping) or set(child) - _ANNOTATIONS - {"type"}:
            return None
        kind = child.get("type")
        if kind is None:
            tests[name] = None  # anything goes
        elif isinstance(kind, str) and kind in _TYPES:
            tests[name] = _TYPES[kind]
        else:
            return None
    needed = tuple(required)

    def check(values: dict[str, Any]) -> bool:
        for name in needed:
            if name not in values:
                return False
        for name, value in values.items():
            test = tests.get(name)
            if test is not None and not test(value):
                return False
        return True

    return check

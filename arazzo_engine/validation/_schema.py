"""Applies our JSON Schema of the document's Arazzo version and turns its errors into findings.

``arazzo: 1.0.x`` documents meet the 1.0 schema, ``1.1.x`` ones the 1.1 schema (both written from
the specification texts, beside this module in ``schemas/``).

The raw jsonschema messages ("... is not valid under any of the given schemas") name neither the
field nor the fix. Each error is rewritten from its keyword, the object's ``title`` and the
schema's own ``x-message``; ``x-rule`` files it under a rule id so that a semantic rule which says
the same thing with a better position can take it over.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from arazzo_engine.document import SpecVersion, feature_set, join_pointer

from ._diagnostic import Finding

_SCHEMAS = Path(__file__).resolve().parent / "schemas"
#: Our JSON Schema of each Arazzo feature set.
SCHEMA_PATHS: dict[SpecVersion, Path] = {
    "1.0": _SCHEMAS / "arazzo-1.0.schema.json",
    "1.1": _SCHEMAS / "arazzo-1.1.schema.json",
}
SCHEMA_PATH = SCHEMA_PATHS["1.0"]

_JSON_TYPES = {
    dict: "an object", list: "an array", str: "a string", bool: "a boolean",
    int: "an integer", float: "a number", type(None): "null",
}


@cache
def arazzo_schema(version: SpecVersion = "1.0") -> dict[str, Any]:
    """Our JSON Schema (Draft 2020-12) of one Arazzo feature set, as shipped in the package."""
    return json.loads(SCHEMA_PATHS[version].read_text(encoding="utf-8"))


@cache
def _validator(version: SpecVersion) -> Draft202012Validator:
    return Draft202012Validator(arazzo_schema(version))


def schema_findings(data: Any) -> Iterator[Finding]:
    """One finding per schema violation, most general first, without duplicates per node.

    The document's ``arazzo`` version picks the schema (``feature_set``).
    """
    errors = sorted(_validator(feature_set(data)).iter_errors(data),
                    key=lambda e: (len(e.path), [str(p) for p in e.path]))
    typed_nodes: set[tuple[Any, ...]] = set()
    for error in errors:
        path = tuple(error.absolute_path)
        if any(path[: len(t)] == t for t in typed_nodes):
            continue  # a node of the wrong type: everything inside it is noise
        if error.validator == "type":
            typed_nodes.add(path)
        yield from _findings(error)


def _findings(error: ValidationError) -> Iterator[Finding]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    rule = schema.get("x-rule", "schema")
    path = list(error.absolute_path)
    pointer = join_pointer("", *path)
    custom = schema.get("x-message")

    if "propertyNames" in error.absolute_schema_path:
        key = str(error.instance)
        named = join_pointer(pointer, key)
        # References to a badly named output are echoes of this finding (see _grouping).
        yield Finding(f"{custom or 'invalid name'}; found `{key}`", named, rule=rule,
                      cause=f"node:{named}", defines=True)
        return
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        title = schema.get("title", "this object")
        for extra in _extra_fields(error.instance, schema):
            hint = "extensions must start with `x-`" if not extra.startswith("x-") else None
            yield Finding(
                f"unknown field `{extra}` in {_article(title)}", join_pointer(pointer, extra),
                hint=hint, rule=rule,
            )
        return
    if error.validator == "required":
        title = schema.get("title", "this object")
        present = error.instance if isinstance(error.instance, dict) else {}
        for field in _as_list(error.validator_value):
            if field not in present:
                yield Finding(
                    f"{_article(title)} needs `{field}`", pointer, rule=rule, anchor=_anchor(path),
                )
        return
    yield Finding(_message(error, custom, path), pointer, rule=rule, anchor=_anchor(path))


def _message(error: ValidationError, custom: str | None, path: list[Any]) -> str:
    name = _name(path)
    keyword = error.validator
    found = _show(error.instance)
    if custom:
        shows_value = keyword in {"pattern", "enum", "type", "const"}
        return f"{custom}; found {found}" if shows_value else custom
    if keyword == "type":
        wanted = " or ".join(_type_word(t) for t in _as_list(error.validator_value))
        if not path:
            actual = _json_type(error.instance)
            return f"an Arazzo description must be {wanted} (a mapping), not {actual}"
        return f"{name} must be {wanted}, not {_json_type(error.instance)}"
    if keyword == "enum":
        choices = ", ".join(str(v) for v in _as_list(error.validator_value))
        return f"{name} must be one of {choices}; found {found}"
    if keyword == "const":
        return f"{name} must be {_show(error.validator_value)}; found {found}"
    if keyword == "pattern":
        return f"{name} must match {error.validator_value}; found {found}"
    if keyword == "minItems":
        if error.validator_value == 1:
            return f"{name} must not be empty"
        return f"{name} needs at least {error.validator_value} items"
    if keyword == "minLength":
        return f"{name} must not be empty"
    if keyword in {"minimum", "exclusiveMinimum"}:
        return f"{name} must not be negative; found {found}"
    if keyword in {"anyOf", "oneOf"} and error.context:
        best = best_match(error.context)
        return _message(best, _custom(best), list(best.absolute_path))
    return f"{name} is not valid here"


def _custom(error: ValidationError) -> str | None:
    return error.schema.get("x-message") if isinstance(error.schema, dict) else None


def _extra_fields(instance: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    known = schema.get("properties", {})
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    return [k for k in instance if k not in known and not any(p.search(k) for p in patterns)]


def _as_list(value: object) -> list[Any]:
    """A keyword's value as a list: ``type`` names one JSON type or several."""
    return value if isinstance(value, list) else [value]


def _anchor(path: list[Any]) -> Literal["key", "value"]:
    """Array items have no key, so their own position is the best place to point."""
    return "value" if path and isinstance(path[-1], int) else "key"


def _name(path: list[Any]) -> str:
    if not path:
        return "the document"
    last = path[-1]
    if isinstance(last, int):
        owner = next((p for p in reversed(path[:-1]) if isinstance(p, str)), "list")
        return f"item {last} of `{owner}`"
    return f"`{last}`"


def _article(title: str) -> str:
    if title.startswith(("this", "the")):
        return title
    return f"an {title}" if title[:1].lower() in "aeiou" else f"a {title}"


def _type_word(name: str) -> str:
    words = {"object": "an object", "array": "an array", "integer": "an integer"}
    return words.get(name, f"a {name}")


def _json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _show(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return _json_type(value)
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."

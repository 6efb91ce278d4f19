"""The quick yes for plain inputs schemas (``executor/_plain_schema``) says yes only where
``jsonschema`` does: each case is judged by both, and where the quick check has an answer it
must be one ``jsonschema`` agrees with."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from arazzo_engine.errors import InputError
from arazzo_engine.executor._inputs import InputsSchema
from arazzo_engine.executor._plain_schema import plain_check

TYPED = {
    "type": "object", "required": ["id", "token"],
    "properties": {
        "id": {"type": "integer", "description": "the job"},
        "token": {"type": "string", "format": "password", "writeOnly": True},
        "ratio": {"type": "number"}, "flag": {"type": "boolean"}, "none": {"type": "null"},
        "extra": {"type": "object"}, "list": {"type": "array"}, "any": {"title": "anything"},
    },
}

#: (inputs, does the quick check say yes)
JUDGED: list[tuple[dict[str, Any], bool]] = [
    ({"id": 1, "token": "t"}, True),
    ({"id": 1, "token": "t", "ratio": 0.5, "flag": False, "none": None, "extra": {},
      "list": [], "any": [1]}, True),
    ({"id": 1, "token": "t", "undeclared": object()}, True),  # no additionalProperties
    ({"id": 1.0, "token": "t"}, False),  # jsonschema says yes: it decides
    ({"id": True, "token": "t"}, False),
    ({"id": "1", "token": "t"}, False),
    ({"token": "t"}, False),
    ({"id": 1, "token": "t", "ratio": True}, False),
    ({"id": 1, "token": "t", "ratio": 2}, True),
    ({"id": 1, "token": "t", "extra": []}, False),
    ({"id": 1, "token": "t", "none": 0}, False),
]


@pytest.mark.parametrize(("inputs", "quick"), JUDGED)
def test_the_quick_check_only_says_yes_where_jsonschema_does(inputs: dict[str, Any],
                                                             quick: bool) -> None:
    check = plain_check(TYPED)
    assert check is not None
    assert check(inputs) is quick
    if quick:
        assert Draft202012Validator(TYPED).is_valid(inputs)


@pytest.mark.parametrize("schema", [
    {"type": "object", "additionalProperties": False},
    {"type": "object", "properties": {"n": {"type": "integer", "minimum": 3}}},
    {"type": "object", "properties": {"n": {"type": ["integer", "null"]}}},
    {"type": "object", "properties": {"n": {"$ref": "#/components/inputs/n"}}},
    {"type": "object", "properties": {"n": True}},
    {"type": "object", "properties": {"n": {"type": "integer"}}, "allOf": [{}]},
    {"$ref": "#/components/inputs/all"},
    {"type": "array"},
    {"type": "object", "required": "n"},
    {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object"},
])
def test_a_schema_with_anything_else_is_not_plain(schema: dict[str, Any]) -> None:
    assert plain_check(schema) is None


def _inputs_schema(schema: dict[str, Any]) -> InputsSchema:
    workflow = {"workflowId": "w", "inputs": schema}
    return InputsSchema(workflow, {"workflows": [workflow]}, "/workflows/0")


def test_inputs_that_do_not_fit_are_still_worded_by_jsonschema() -> None:
    schema = _inputs_schema(TYPED)
    with pytest.raises(InputError, match=r"input 'id': True is not of type 'integer'"):
        schema.prepare({"id": True, "token": "t"})
    with pytest.raises(InputError, match=r"workflow 'w': input 'id' is required"):
        schema.prepare({"token": "t"})
    assert schema.prepare({"id": 1.0, "token": "t"}) == {"id": 1.0, "token": "t"}


def test_defaults_are_filled_in_before_the_quick_check() -> None:
    schema = _inputs_schema({"type": "object", "required": ["cause"],
                             "properties": {"cause": {"type": "string", "default": "cron"}}})
    assert schema.prepare({}) == {"cause": "cron"}

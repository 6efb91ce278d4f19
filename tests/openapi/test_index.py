"""Operations are found by id and pointer with inherited parameters and servers merged."""

from __future__ import annotations

import pytest

from arazzo_engine.openapi import OperationIndex, parse_operation_path, resolve_ref, server_url

DOC = {
    "openapi": "3.1.0",
    "servers": [{"url": "https://{region}.example.com/v1",
                 "variables": {"region": {"default": "eu"}}}],
    "paths": {
        "/pets/{id}": {
            "parameters": [
                {"name": "id", "in": "path", "required": True},
                {"name": "trace", "in": "header"},
            ],
            "get": {
                "operationId": "getPet",
                "parameters": [{"$ref": "#/components/parameters/Trace"}],
                "responses": {"200": {"$ref": "#/components/responses/Pet"}},
            },
            "delete": {"operationId": "deletePet", "servers": [{"url": "https://admin"}]},
        },
        "/broken": {"post": {"operationId": "broken",
                             "requestBody": {"$ref": "#/components/requestBodies/Nope"}}},
    },
    "components": {
        "parameters": {"Trace": {"name": "trace", "in": "header", "required": True}},
        "responses": {"Pet": {"description": "a pet"}},
    },
}


def test_lookup_by_id_and_pointer() -> None:
    index = OperationIndex.build(DOC)
    get = index.by_id("getPet")
    assert get is not None and get.method == "GET" and get.path == "/pets/{id}"
    assert index.by_pointer("/paths/~1pets~1{id}/get") is get
    assert index.by_id("missing") is None


def test_operation_parameters_override_path_parameters() -> None:
    get = OperationIndex.build(DOC).by_id("getPet")
    assert get is not None
    assert [(p["name"], p.get("required")) for p in get.parameters] == [
        ("id", True), ("trace", True)]
    assert get.parameter("TRACE", "header") is not None
    assert get.responses["200"] == {"description": "a pet"}


def test_servers_come_from_the_nearest_level() -> None:
    index = OperationIndex.build(DOC)
    assert server_url(index.by_id("getPet").servers[0]) == "https://eu.example.com/v1"
    assert server_url(index.by_id("getPet").servers[0], {"region": "us"}) == (
        "https://us.example.com/v1")
    assert index.by_id("deletePet").servers == [{"url": "https://admin"}]


def test_broken_refs_are_recorded_not_raised() -> None:
    broken = OperationIndex.build(DOC).by_id("broken")
    assert broken is not None and broken.request_body is None
    assert "points to nothing" in broken.problems[0]


def test_circular_refs_stop() -> None:
    doc = {"a": {"$ref": "#/b"}, "b": {"$ref": "#/a"}}
    with pytest.raises(LookupError, match="circular"):
        resolve_ref(doc, {"$ref": "#/a"})


def test_operation_path_parsing() -> None:
    assert parse_operation_path("{$sourceDescriptions.pets.url}#/paths/~1pets/get") == (
        "pets", "/paths/~1pets/get")
    with pytest.raises(ValueError):
        parse_operation_path("$sourceDescriptions.pets#/paths/~1pets/get")
    assert parse_operation_path("$sourceDescriptions.pets#/paths/~1pets/get", lenient=True) == (
        "pets", "/paths/~1pets/get")

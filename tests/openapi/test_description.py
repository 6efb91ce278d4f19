"""One OpenAPI description: operations by id and pointer, inherited parts merged, ``$ref``s
followed into other files with the positions of the files they are written in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from arazzo_engine.document import LoadedDocument, SourcePolicy, load_file
from arazzo_engine.openapi import (
    DocumentStore,
    OpenAPIDescription,
    parse_operation_path,
    server_url,
)

PETS = {
    "openapi": "3.1.0",
    "info": {"title": "pets", "version": "1"},
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


class CountingPolicy:
    """Local files only, counting reads: a file must be read once however often it is named."""

    def __init__(self) -> None:
        self.reads: list[str] = []
        self.inner = SourcePolicy()

    def locate(self, reference: str, base: LoadedDocument | None) -> str:
        return self.inner.locate(reference, base)

    def read(self, location: str) -> LoadedDocument:
        self.reads.append(Path(location).name)
        return self.inner.read(location)


def write(folder: Path, **files: Any) -> Path:
    first = None
    for name, data in files.items():
        path = folder / name.replace("__", ".")
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
        first = first or path
    assert first is not None
    return first


def describe(path: Path, policy: CountingPolicy | None = None) -> OpenAPIDescription:
    return OpenAPIDescription(load_file(path), DocumentStore(policy or CountingPolicy()))


@pytest.fixture
def pets(tmp_path: Path) -> OpenAPIDescription:
    return describe(write(tmp_path, pets__yaml=PETS))


def test_lookup_by_id_and_pointer(pets: OpenAPIDescription) -> None:
    get = pets.by_id("getPet")
    assert get is not None and get.method == "GET" and get.path == "/pets/{id}"
    assert pets.by_pointer("/paths/~1pets~1{id}/get") is get
    assert pets.by_id("missing") is None
    assert set(pets.operation_ids) == {"getPet", "deletePet", "broken"}


def test_operation_parameters_override_path_parameters(pets: OpenAPIDescription) -> None:
    get = pets.by_id("getPet")
    assert get is not None
    assert [(p["name"], p.get("required")) for p in get.parameters] == [
        ("id", True), ("trace", True)]
    assert get.parameter("TRACE", "header") is not None
    assert get.responses["200"] == {"description": "a pet"}


def test_servers_come_from_the_nearest_level(pets: OpenAPIDescription) -> None:
    get, delete = pets.by_id("getPet"), pets.by_id("deletePet")
    assert get is not None and delete is not None
    assert server_url(get.servers[0]) == "https://eu.example.com/v1"
    assert server_url(get.servers[0], {"region": "us"}) == "https://us.example.com/v1"
    assert delete.servers == [{"url": "https://admin"}] and not delete.document_servers


def test_a_broken_ref_is_recorded_where_it_is_written(pets: OpenAPIDescription) -> None:
    broken = pets.by_id("broken")
    assert broken is not None and broken.request_body is None
    [problem] = broken.problems
    assert "points to nothing" in problem.message and "/components/requestBodies/Nope" in (
        problem.message)
    assert problem.at.pointer == "/paths/~1broken/post/requestBody/$ref"
    line = next(i for i, text in enumerate(problem.at.document.text.splitlines(), 1)
                if "requestBodies/Nope" in text)
    assert problem.at.position().line == line
    assert str(problem).startswith(f"{problem.at.file}:{line}:")


EXTERNAL = {
    "api.yaml": {
        "openapi": "3.0.3", "info": {"title": "split", "version": "1"},
        "paths": {"/pets": {"$ref": "paths/pets.yaml"}},
    },
    "paths/pets.yaml": {
        "get": {
            "operationId": "listPets",
            "parameters": [{"$ref": "../parts.yaml#/parameters/limit"}],
            "responses": {"200": {"$ref": "../parts.yaml#/responses/Pets"}},
        },
        "post": {
            "operationId": "addPet",
            "requestBody": {"$ref": "../parts.yaml#/bodies/Pet"},
            "responses": {"201": {"description": "added"}},
        },
    },
    "parts.yaml": {
        "parameters": {"limit": {"name": "limit", "in": "query",
                                 "schema": {"$ref": "schemas/pet.yaml#/Limit"}}},
        "responses": {"Pets": {"description": "pets", "content": {"application/json": {
            "schema": {"type": "array", "items": {"$ref": "schemas/pet.yaml#/Pet"}}}}}},
        "bodies": {"Pet": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "schemas/pet.yaml#/Pet"}}}}},
    },
    "schemas/pet.yaml": {
        "Limit": {"type": "integer", "minimum": 1},
        "Pet": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/Pet"}}}},
    },
}


def write_tree(folder: Path, files: dict[str, Any]) -> Path:
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    return folder / next(iter(files))


def test_operations_behind_refs_into_other_files_resolve(tmp_path: Path) -> None:
    policy = CountingPolicy()
    description = describe(write_tree(tmp_path, EXTERNAL), policy)
    listing, adding = description.by_id("listPets"), description.by_id("addPet")
    assert listing is not None and adding is not None
    assert listing.pointer == "/paths/~1pets/get"
    assert description.by_pointer("/paths/~1pets/post") is adding
    assert listing.location is not None and listing.location.file.endswith("pets.yaml")
    assert listing.parameter("limit", "query") is not None
    assert listing.parameter_at[0].file.endswith("parts.yaml")
    assert adding.request_body is not None and adding.request_body["required"] is True
    assert listing.response_at["200"].pointer == "/responses/Pets"
    assert description.ref_problems(listing) == [] and description.ref_problems(adding) == []
    # each file read once, though parts.yaml and pet.yaml are named many times
    assert sorted(policy.reads) == ["parts.yaml", "pet.yaml", "pets.yaml"]


def test_a_broken_ref_deep_in_another_file_is_placed_in_that_file(tmp_path: Path) -> None:
    files = {**EXTERNAL, "schemas/pet.yaml": {
        "Limit": {"type": "integer"},
        "Pet": {"type": "object", "properties": {"tag": {"$ref": "#/Tag"}}}}}
    description = describe(write_tree(tmp_path, files))
    listing = description.by_id("listPets")
    assert listing is not None and listing.problems == []  # one level resolved fine
    [problem] = description.ref_problems(listing)
    assert problem.at.file.endswith("pet.yaml")
    assert problem.at.pointer == "/Pet/properties/tag/$ref"
    assert problem.at.position().line == 7  # where `$ref: '#/Tag'` is written


def test_a_missing_file_and_a_circular_chain_are_problems_not_exceptions(
        tmp_path: Path) -> None:
    api = write(tmp_path, api__yaml={
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {
            "/gone": {"$ref": "./nowhere.yaml"},
            "/loop": {"get": {"operationId": "loop", "responses": {
                "200": {"$ref": "#/components/responses/A"}}}},
        },
        "components": {"responses": {"A": {"$ref": "#/components/responses/B"},
                                     "B": {"$ref": "#/components/responses/A"}}},
    })
    description = describe(api)
    [gone] = description.problems
    assert "cannot be followed" in gone.message and "no such file" in gone.message
    assert gone.at.pointer == "/paths/~1gone/$ref"
    loop = description.by_id("loop")
    assert loop is not None
    [circular] = loop.problems
    assert "circular" in circular.message
    assert circular.at.pointer == "/paths/~1loop/get/responses/200/$ref"  # where it starts


def test_a_remote_ref_without_permission_is_skipped_not_broken(tmp_path: Path) -> None:
    api = write(tmp_path, api__yaml={
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {"/p": {"get": {"operationId": "p", "responses": {
            "200": {"$ref": "https://schemas.example.test/r.yaml#/ok"}}}}}})

    operation = describe(api).by_id("p")  # the default policy reads nothing remote
    assert operation is not None
    [problem] = operation.problems
    assert problem.skipped and "not fetched" in problem.message


SWAGGER = {
    "swagger": "2.0",
    "info": {"title": "old pets", "version": "1"},
    "host": "pets.example.test",
    "basePath": "/v2/",
    "schemes": ["https", "http"],
    "consumes": ["application/json"],
    "produces": ["application/json"],
    "paths": {
        "/pets": {
            "get": {
                "operationId": "findPets",
                "parameters": [{"name": "tags", "in": "query", "type": "array",
                                "items": {"type": "string"}, "collectionFormat": "pipes"},
                               {"$ref": "#/parameters/limit"}],
                "responses": {"200": {"description": "pets",
                                      "schema": {"type": "array",
                                                 "items": {"$ref": "#/definitions/Pet"}},
                                      "headers": {"X-Rate": {"type": "integer"}}}},
            },
            "post": {
                "operationId": "addPet",
                "parameters": [{"name": "pet", "in": "body", "required": True,
                                "schema": {"$ref": "#/definitions/Pet"}}],
                "responses": {"201": {"$ref": "#/responses/Created"}},
            },
        },
        "/pets/{id}/photo": {"post": {
            "operationId": "uploadPhoto",
            "consumes": ["multipart/form-data"],
            "parameters": [{"name": "id", "in": "path", "required": True, "type": "integer"},
                           {"name": "file", "in": "formData", "type": "file",
                            "required": True}],
            "responses": {"200": {"description": "ok"}}}},
    },
    "parameters": {"limit": {"name": "limit", "in": "query", "type": "integer",
                             "minimum": 1}},
    "responses": {"Created": {"description": "created",
                              "schema": {"$ref": "#/definitions/Pet"}}},
    "definitions": {"Pet": {"type": "object", "required": ["name"],
                            "properties": {"name": {"type": "string"},
                                           "tag": {"type": "string", "x-nullable": True}}}},
    "securityDefinitions": {"key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}},
}


def test_swagger_2_operations_read_as_openapi_3(tmp_path: Path) -> None:
    description = describe(write(tmp_path, swagger__yaml=SWAGGER))
    assert description.swagger and description.version == "2.0"
    find, add = description.by_id("findPets"), description.by_id("addPet")
    upload = description.by_id("uploadPhoto")
    assert find is not None and add is not None and upload is not None
    assert [server_url(s) for s in find.servers] == ["https://pets.example.test/v2",
                                                      "http://pets.example.test/v2"]
    tags = find.parameter("tags", "query")
    assert tags == {"name": "tags", "in": "query", "style": "pipeDelimited", "explode": False,
                    "schema": {"type": "array", "items": {"type": "string"}}}
    assert find.parameter("limit", "query")["schema"] == {"type": "integer", "minimum": 1}
    assert find.responses["200"]["content"]["application/json"]["schema"]["items"] == {
        "$ref": "#/definitions/Pet"}  # as written: it resolves in the 2.0 file
    assert find.responses["200"]["headers"]["X-Rate"]["schema"] == {"type": "integer"}
    assert add.request_body is not None and add.request_body["required"] is True
    assert list(add.request_body["content"]) == ["application/json"]
    assert add.parameters == []  # the body parameter is the body, not a parameter
    assert "application/json" in add.responses["201"]["content"]
    form = upload.request_body
    assert form is not None and list(form["content"]) == ["multipart/form-data"]
    assert form["content"]["multipart/form-data"]["schema"]["properties"]["file"] == {
        "type": "string", "format": "binary"}
    assert description.ref_problems(find) == [] and description.ref_problems(add) == []
    assert "x-api-key" in description.security_header_names


def test_swagger_2_without_host_has_a_relative_server(tmp_path: Path) -> None:
    data = {k: v for k, v in SWAGGER.items() if k not in ("host", "schemes")}
    find = describe(write(tmp_path, swagger__yaml=data)).by_id("findPets")
    assert find is not None and find.servers == [{"url": "/v2"}]


def test_the_openapi_core_spec_resolves_through_the_same_store(tmp_path: Path) -> None:
    policy = CountingPolicy()
    description = describe(write_tree(tmp_path, EXTERNAL), policy)
    spec = description.spec()
    schema = spec / "paths" / "/pets" / "post" / "requestBody" / "content" / \
        "application/json" / "schema"
    assert (schema / "required").read_value() == ["name"]  # followed into schemas/pet.yaml
    description.by_id("listPets")
    assert sorted(policy.reads) == ["parts.yaml", "pet.yaml", "pets.yaml"]  # not again


def test_the_openapi_core_spec_of_swagger_2_is_openapi_3(tmp_path: Path) -> None:
    spec = describe(write(tmp_path, swagger__yaml=SWAGGER)).spec()
    assert (spec / "openapi").read_value() == "3.0.3"
    body = spec / "paths" / "/pets" / "post" / "requestBody" / "content" / \
        "application/json" / "schema"
    assert (body / "required").read_value() == ["name"]  # through #/components/schemas/Pet
    tag = spec / "components" / "schemas" / "Pet" / "properties" / "tag"
    assert (tag / "nullable").read_value() is True


def test_operation_path_parsing() -> None:
    assert parse_operation_path("{$sourceDescriptions.pets.url}#/paths/~1pets/get") == (
        "pets", "/paths/~1pets/get")
    with pytest.raises(ValueError):
        parse_operation_path("$sourceDescriptions.pets#/paths/~1pets/get")
    assert parse_operation_path("$sourceDescriptions.pets#/paths/~1pets/get", lenient=True) == (
        "pets", "/paths/~1pets/get")

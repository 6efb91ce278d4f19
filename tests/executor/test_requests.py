"""Requests as sent: targets, parameters (every location and style), and request bodies."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from local_http import LocalServer, Reply, arazzo_doc, openapi_doc


def _echo(seen: Any) -> Reply:
    return Reply(200, {"ok": True})


def _one_step(step: dict[str, Any], **workflow: Any) -> dict[str, Any]:
    return arazzo_doc({"workflowId": "flow", "steps": [{"stepId": "s", **step}], **workflow})


def test_operation_path_target(server: LocalServer, run_doc) -> None:
    server.route("GET", "/pets/7", _echo)
    api = openapi_doc(server.url, {"id": "getPet", "path": "/pets/{id}"})
    step = {"operationPath": "{$sourceDescriptions.api.url}#/paths/~1pets~1{id}/get",
            "parameters": [{"name": "id", "in": "path", "value": 7}]}
    assert run_doc(_one_step(step), api).succeeded
    assert server.requests[0].path == "/pets/7"


def test_qualified_operation_id_picks_the_source(server: LocalServer, run_doc) -> None:
    server.route("GET", "/b/thing", _echo)
    a = openapi_doc(server.url + "/a", {"id": "getThing", "path": "/thing"})
    b = openapi_doc(server.url + "/b", {"id": "getThing", "path": "/thing"})
    doc = _one_step({"operationId": "$sourceDescriptions.second.getThing"})
    doc["sourceDescriptions"] = [{"name": "first", "url": "a.yaml", "type": "openapi"},
                                 {"name": "second", "url": "b.yaml", "type": "openapi"}]
    assert run_doc(doc, files={"a.yaml": a, "b.yaml": b}).succeeded
    assert server.requests[0].path == "/b/thing"


def test_plain_operation_id_and_server_override(server: LocalServer, run_doc) -> None:
    server.route("GET", "/base/thing", _echo)
    api = openapi_doc("https://api.example.invalid/v1", {"id": "getThing", "path": "/thing"})
    result = run_doc(_one_step({"operationId": "getThing"}), api,
                     servers={"api": server.url + "/base"})
    assert result.succeeded
    assert result.steps[0].request.url == f"{server.url}/base/thing"


def test_server_variables_with_defaults_and_overrides(server: LocalServer, run_doc) -> None:
    server.route("GET", "/v2/thing", _echo)
    host = server.url.removeprefix("http://")
    api = openapi_doc("http://{host}/{version}", {"id": "getThing", "path": "/thing"})
    api["servers"][0]["variables"] = {"host": {"default": "nowhere.invalid"},
                                      "version": {"default": "v2"}}
    assert run_doc(_one_step({"operationId": "getThing"}), api,
                   server_variables={"host": host}).succeeded


def test_unknown_operation_id_fails_the_step_with_a_clear_error(server: LocalServer,
                                                                run_doc) -> None:
    api = openapi_doc(server.url, {"id": "getThing", "path": "/thing"})
    result = run_doc(_one_step({"operationId": "nope"}), api)
    assert not result.succeeded
    assert "operationId `nope` does not exist in `api`" in result.error  # as the validator says


def test_path_query_header_and_cookie_parameters(server: LocalServer, run_doc) -> None:
    server.route("GET", "/items/.+", _echo)
    api = openapi_doc(server.url, {"id": "getItem", "path": "/items/{name}", "parameters": [
        {"name": "tags", "in": "query", "style": "pipeDelimited", "explode": False},
        {"name": "filter", "in": "query", "style": "deepObject", "explode": True}]})
    step = {"operationId": "getItem", "parameters": [
        {"name": "name", "in": "path", "value": "a b/c"},
        {"name": "ids", "in": "query", "value": [1, 2]},
        {"name": "tags", "in": "query", "value": ["x", "y"]},
        {"name": "filter", "in": "query", "value": {"color": "red"}},
        {"name": "X-Trace", "in": "header", "value": "$inputs.trace"},
        {"name": "session", "in": "cookie", "value": "abc"},
        {"name": "theme", "in": "cookie", "value": "dark"}]}
    result = run_doc(_one_step(step), api, inputs={"trace": "t-1"})
    assert result.succeeded
    seen = server.requests[0]
    assert seen.path == "/items/a%20b%2Fc"
    assert seen.raw_query == "ids=1&ids=2&tags=x%7Cy&filter%5Bcolor%5D=red"
    assert seen.header("X-Trace") == "t-1"
    assert seen.header("Cookie") == "session=abc; theme=dark"
    assert result.steps[0].request.headers["Cookie"] == "***"


def test_label_and_matrix_path_styles(server: LocalServer, run_doc) -> None:
    server.route("GET", "/m/.*", _echo)
    api = openapi_doc(server.url, {"id": "get", "path": "/m/{a}/{b}", "parameters": [
        {"name": "a", "in": "path", "style": "label", "explode": True},
        {"name": "b", "in": "path", "style": "matrix", "explode": False}]})
    step = {"operationId": "get", "parameters": [
        {"name": "a", "in": "path", "value": [1, 2]},
        {"name": "b", "in": "path", "value": {"x": 1, "y": 2}}]}
    assert run_doc(_one_step(step), api).succeeded
    assert server.requests[0].path == "/m/.1.2/;b=x,1,y,2"


def test_workflow_parameters_apply_and_step_parameters_override(server: LocalServer,
                                                                run_doc) -> None:
    server.route("GET", "/thing", _echo)
    api = openapi_doc(server.url, {"id": "getThing", "path": "/thing"})
    workflow = {"workflowId": "flow", "parameters": [
        {"name": "X-Tenant", "in": "header", "value": "acme"},
        {"name": "page", "in": "query", "value": 1},
        {"name": "lang", "in": "query", "value": "en"}],
        "steps": [
            {"stepId": "first", "operationId": "getThing"},
            {"stepId": "second", "operationId": "getThing", "parameters": [
                {"name": "page", "in": "query", "value": 2},
                {"name": "lang", "in": "header", "value": "fr"}]}]}
    assert run_doc(arazzo_doc(workflow), api).succeeded
    first, second = server.requests
    assert first.header("X-Tenant") == "acme" and first.query == {"page": ["1"], "lang": ["en"]}
    assert second.header("X-Tenant") == "acme" and second.query == {"page": ["2"],
                                                                    "lang": ["en"]}
    assert second.header("lang") == "fr"


def test_reusable_parameters_with_value_override(server: LocalServer, run_doc) -> None:
    server.route("GET", "/thing", _echo)
    api = openapi_doc(server.url, {"id": "getThing", "path": "/thing"})
    doc = _one_step({"operationId": "getThing", "parameters": [
        {"reference": "$components.parameters.pageSize"},
        {"reference": "$components.parameters.page", "value": 3}]}, )
    doc["components"] = {"parameters": {
        "pageSize": {"name": "size", "in": "query", "value": 50},
        "page": {"name": "page", "in": "query", "value": 1}}}
    assert run_doc(doc, api).succeeded
    assert server.requests[0].query == {"size": ["50"], "page": ["3"]}


def _body_api(server: LocalServer, media: str | None = None) -> dict[str, Any]:
    extra = {"requestBody": {"content": {media: {}}}} if media else {}
    server.route("POST", "/things", _echo)
    return openapi_doc(server.url, {"id": "create", "method": "post", "path": "/things",
                                    **extra})


def _post(body: dict[str, Any], **step: Any) -> dict[str, Any]:
    return _one_step({"operationId": "create", "requestBody": body, **step})


def test_json_body_object_with_expressions(server: LocalServer, run_doc) -> None:
    api = _body_api(server)
    body = {"contentType": "application/json",
            "payload": {"name": "$inputs.name", "tags": ["a", "$inputs.tag"], "n": 1}}
    assert run_doc(_post(body), api, inputs={"name": "Rex", "tag": "dog"}).succeeded
    assert server.requests[0].json() == {"name": "Rex", "tags": ["a", "dog"], "n": 1}
    assert server.requests[0].header("Content-Type") == "application/json"


def test_json_body_as_a_whole_expression(server: LocalServer, run_doc) -> None:
    api = _body_api(server)
    body = {"contentType": "application/json", "payload": "$inputs.order"}
    assert run_doc(_post(body), api, inputs={"order": {"id": 5, "items": [1]}}).succeeded
    assert server.requests[0].json() == {"id": 5, "items": [1]}


def test_json_body_as_a_template_string(server: LocalServer, run_doc) -> None:
    api = _body_api(server)
    body = {"contentType": "application/json",
            "payload": '{"petId": "{$inputs.id}", "status": "placed"}'}
    assert run_doc(_post(body), api, inputs={"id": "p-1"}).succeeded
    assert server.requests[0].json() == {"petId": "p-1", "status": "placed"}


def test_json_replacements_by_pointer(server: LocalServer, run_doc) -> None:
    api = _body_api(server)
    body = {"contentType": "application/json", "payload": {"order": {"qty": 1}},
            "replacements": [{"target": "/order/qty", "value": "$inputs.qty"},
                             {"target": "/order/note", "value": "rush"}]}
    assert run_doc(_post(body), api, inputs={"qty": 4}).succeeded
    assert server.requests[0].json() == {"order": {"qty": 4, "note": "rush"}}


def test_form_urlencoded_body_from_an_object(server: LocalServer, run_doc) -> None:
    api = _body_api(server)
    body = {"contentType": "application/x-www-form-urlencoded",
            "payload": {"grant_type": "client_credentials", "scope": "$inputs.scope"}}
    assert run_doc(_post(body), api, inputs={"scope": "read write"}).succeeded
    seen = server.requests[0]
    assert parse_qs(seen.body.decode()) == {"grant_type": ["client_credentials"],
                                           "scope": ["read write"]}
    assert seen.header("Content-Type") == "application/x-www-form-urlencoded"


def test_form_body_as_a_template_string(server: LocalServer, run_doc) -> None:
    api = _body_api(server)
    body = {"contentType": "application/x-www-form-urlencoded",
            "payload": "client_id={$inputs.id}&grant_type=password"}
    assert run_doc(_post(body), api, inputs={"id": "c1"}).succeeded
    assert server.requests[0].body == b"client_id=c1&grant_type=password"


def test_content_type_defaults_from_the_operation(server: LocalServer, run_doc) -> None:
    api = _body_api(server, "application/x-www-form-urlencoded")
    body = {"payload": {"a": "1"}}
    assert run_doc(_post(body), api).succeeded
    seen = server.requests[0]
    assert seen.header("Content-Type") == "application/x-www-form-urlencoded"
    assert seen.body == b"a=1"


def test_multipart_body(server: LocalServer, run_doc) -> None:
    api = _body_api(server)
    body = {"contentType": "multipart/form-data",
            "payload": {"name": "$inputs.name", "meta": {"k": 1}}}
    assert run_doc(_post(body), api, inputs={"name": "report"}).succeeded
    seen = server.requests[0]
    content_type = seen.header("Content-Type")
    assert content_type.startswith("multipart/form-data; boundary=")
    text = seen.body.decode()
    assert 'name="name"\r\n\r\nreport\r\n' in text
    assert 'name="meta"\r\nContent-Type: application/json\r\n\r\n{"k": 1}' in text


def test_text_body(server: LocalServer, run_doc) -> None:
    api = _body_api(server)
    body = {"contentType": "text/plain", "payload": "hello {$inputs.who}"}
    assert run_doc(_post(body), api, inputs={"who": "world"}).succeeded
    assert server.requests[0].body == b"hello world"


def test_xml_template_and_xpath_replacements(server: LocalServer, run_doc) -> None:
    api = _body_api(server)
    body = {"contentType": "application/xml",
            "payload": "<petOrder><petId>{$inputs.id}</petId><quantity>1</quantity>"
                       "<status>draft</status></petOrder>",
            "replacements": [{"target": "/petOrder/quantity", "value": "$inputs.qty"},
                             {"target": "/petOrder/status/@by", "value": "arazzo"}]}
    assert run_doc(_post(body), api, inputs={"id": 9, "qty": 3}).succeeded
    assert server.requests[0].body.decode() == (
        '<petOrder><petId>9</petId><quantity>3</quantity>'
        '<status by="arazzo">draft</status></petOrder>')


def test_request_values_are_readable_in_outputs(server: LocalServer, run_doc) -> None:
    api = _body_api(server)
    body = {"contentType": "application/json", "payload": {"name": "Rex"}}
    step = {"outputs": {"sent": "$request.body#/name", "url": "$url", "method": "$method",
                        "status": "$statusCode"}}
    result = run_doc(_post(body, **step), api)
    assert result.steps[0].outputs == {"sent": "Rex", "url": f"{server.url}/things",
                                       "method": "POST", "status": 200}


def test_secrets_are_masked_in_the_record(server: LocalServer, run_doc) -> None:
    server.route("GET", "/thing", _echo)
    api = openapi_doc(server.url, {"id": "getThing", "path": "/thing"})
    step = {"operationId": "getThing", "parameters": [
        {"name": "api_key", "in": "query", "value": "$inputs.apiKey"},
        {"name": "X-Api-Key", "in": "header", "value": "$inputs.apiKey"},
        {"name": "X-Note", "in": "header", "value": "pw={$inputs.pw}"}]}
    doc = _one_step(step)
    doc["workflows"][0]["inputs"] = {"type": "object", "properties": {
        "apiKey": {"type": "string"}, "pw": {"type": "string", "format": "password"}}}
    result = run_doc(doc, api, inputs={"apiKey": "k-123456", "pw": "hunter2"})
    record = json.dumps(result.to_dict())
    assert "k-123456" not in record and "hunter2" not in record
    assert result.steps[0].request.headers["X-Note"] == "pw=***"
    assert server.requests[0].header("X-Note") == "pw=hunter2"


def test_swagger_2_operations_run_with_their_body_and_server(server: LocalServer,
                                                             run_doc) -> None:
    server.route("POST", "/v1/pets", lambda seen: Reply(201, {"id": 1}))
    host = server.url.removeprefix("http://")
    swagger = {
        "swagger": "2.0", "info": {"title": "old", "version": "1"},
        "host": host, "basePath": "/v1", "schemes": ["http"],
        "paths": {"/pets": {"post": {
            "operationId": "addPet",
            "parameters": [{"name": "pet", "in": "body", "required": True,
                            "schema": {"type": "object"}},
                           {"name": "tags", "in": "query", "type": "array",
                            "items": {"type": "string"}, "collectionFormat": "pipes"}],
            "responses": {"201": {"description": "added"}}}}},
    }
    step = {"operationId": "addPet", "requestBody": {"payload": {"name": "Rex"}},
            "parameters": [{"name": "tags", "in": "query", "value": ["a", "b"]}],
            "successCriteria": [{"condition": "$statusCode == 201"}]}
    result = run_doc(_one_step(step), swagger)
    assert result.succeeded, result.error
    seen = server.requests[0]
    assert seen.json() == {"name": "Rex"}
    assert seen.header("Content-Type") == "application/json"
    assert seen.raw_query == "tags=a%7Cb"  # collectionFormat pipes -> pipeDelimited

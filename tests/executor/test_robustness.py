"""Hostile documents and servers: a run ends with a result or an ``ArazzoError``, never a crash.

Every field the executor reads gets something of the right shape or anything at all (strings
where lists belong, negative retry limits, goto targets that do not exist, inputs schemas that
are not JSON Schema, workflows that call themselves, ``dependsOn`` cycles), and a fake transport
answers with random statuses, headers and bodies (invalid JSON, XML, binary, invalid UTF-8,
garbage ``Retry-After``). The validator would refuse most of these documents; the executor must
still end cleanly, since ``validate=False`` and ``--no-validate`` skip it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from _mostly_right import MostlyRight
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from arazzo_engine.document import load_bundle, load_text
from arazzo_engine.errors import ArazzoError
from arazzo_engine.executor import (
    Finish,
    HttpRequest,
    HttpResponse,
    Machine,
    ManualClock,
    Program,
    RunOptions,
    RunResult,
    RunState,
    SendRequest,
    TransportFailure,
    Wait,
    Waited,
    run_workflow,
)

_SETTINGS = settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                            HealthCheck.function_scoped_fixture])
_OPTIONS = RunOptions(max_steps=12, max_retry_wait=0.5, loop_delay=0.25, timeout=1.0,
                      trust_env=False)

_OPENAPI = {
    "openapi": "3.1.0", "info": {"title": "fuzz", "version": "1"},
    "servers": [{"url": "http://api.invalid/v1"}],
    "paths": {
        "/things/{id}": {"get": {
            "operationId": "getThing",
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "q", "in": "query", "style": "deepObject", "explode": True},
                {"name": "X-H", "in": "header"}, {"name": "c", "in": "cookie"},
                {"name": "m", "in": "path", "style": "matrix"}],
            "responses": {"200": {"description": "ok"}}}},
        "/things": {"post": {
            "operationId": "postThing",
            "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"201": {"description": "made"}}}},
        "/xml": {"post": {
            "operationId": "postXml", "servers": [{"url": "/relative"}],
            "requestBody": {"content": {"application/xml": {}}},
            "responses": {"200": {"description": "ok"}}}},
        "/form": {"put": {
            "operationId": "putForm",
            "servers": [{"url": "http://{host}/x", "variables": {"host": {"default": "h"}}}],
            "requestBody": {"content": {"application/x-www-form-urlencoded": {}}},
            "responses": {"200": {"description": "ok"}}}},
    },
}

_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
_ODD = st.sampled_from([
    "", " ", "x" * 3000, "é\u200b\u202e", "null", "~1", "a/b~c", "#", "{", "}", "0", "-1",
    "1e999", "%zz", "../..", "<a>", "<a><b x='1'>t</b></a>", '{"k": 1}', "[1, 2",
])
_EXPRESSION = st.sampled_from([
    "$statusCode", "$url", "$method", "$response.body", "$response.body#/a/0",
    "$response.body#/", "$response.body.a.b[0]", "$response.header.Retry-After",
    "$response.header.Content-Type", "$request.body", "$request.body#/k",
    "$request.query.q", "$request.path.id", "$inputs.x", "$inputs.token", "$inputs",
    "$inputs.", "$steps.s0.outputs.o", "$steps.s1.outputs", "$workflows.w1.outputs.o",
    "$workflows.w0.inputs.x", "$outputs.o", "$components.parameters.p",
    "$components.inputs.i", "$sourceDescriptions.api.url", "$sourceDescriptions.api",
    "{$inputs.x} and text", "{$", "{$inputs.x", "Bearer $inputs.token",
    '{"k": {$inputs.x}, "n": {$statusCode}}', "<a><b>{$inputs.x}</b></a>", "{{$statusCode}}",
    "$message.body", "$", "$[?@.x",
])
_ANY_STRING = st.one_of(_TEXT, _ODD, _EXPRESSION)
_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-(10**30), 10**30),
                    st.floats(), _ANY_STRING)
_ANYTHING = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(_ANY_STRING, inner, max_size=3)),
    max_leaves=8,
)
_SHAPES = MostlyRight(_ANYTHING, one_in=12)
_mostly = _SHAPES.mostly
_or_anything = _SHAPES.mostly
_list_of = _SHAPES.list_of
_object = _SHAPES.object_of


def _without_target(kept: str) -> Any:
    """A step keeps one of operationId/workflowId, so both kinds of step really run."""
    def strip(step: Any) -> Any:
        if not isinstance(step, dict):
            return step
        gone = {"operationId", "operationPath"} - {kept}
        return {k: v for k, v in step.items() if k not in gone}
    return strip


def _by_path(parts: tuple[Any, Any]) -> Any:
    step, path = parts
    if not isinstance(step, dict):
        return step
    return {**_without_target("operationPath")(step), "operationPath": path}


def _calling(parts: tuple[Any, Any]) -> Any:
    step, workflow_id = parts
    if not isinstance(step, dict):
        return step
    return {**_without_target("")(step), "workflowId": workflow_id}


def _named(workflow_id: str) -> Any:
    def name(workflow: Any) -> Any:
        return {**workflow, "workflowId": workflow_id} if isinstance(workflow, dict) else workflow
    return name


def _joined(parts: tuple[Any, list[Any]]) -> list[Any]:
    return [parts[0], *parts[1]]


_WORKFLOW_ID = _mostly(
    st.sampled_from(["w0", "w1", "w2", "w1", "w2", "$sourceDescriptions.api.w0",
                     "$sourceDescriptions.nope.w0", "$sourceDescriptions.self.w1"]), _TEXT)
_STEP_ID = _mostly(st.sampled_from(["s0", "s1", "s2", "nowhere"]), _TEXT)




_CRITERION = _object({"condition": st.one_of(st.sampled_from([
    "$statusCode == 200", "$statusCode >= 400", "$statusCode == 429", "$response.body#/ok",
    "$response.body#/status == 'done'", "((((", "$.a == 1", "$[?@.a]", "$.status",
    "^2", "^(a+)+$", "(", "/a/b", "//x[", "count(/a) > 0", "$inputs.x == 1 || true",
]), _ANY_STRING)}, {
    "context": st.sampled_from(["$response.body", "$statusCode", "$response.header.X-A",
                                "$inputs.x", "$steps.s0.outputs.o", "$nope"]),
    "type": st.one_of(
        st.sampled_from(["simple", "regex", "jsonpath", "xpath", "bogus"]),
        st.fixed_dictionaries({
            "type": st.sampled_from(["jsonpath", "xpath", "regex"]),
            "version": st.sampled_from(["draft-goessner-dispatch-jsonpath-00", "rfc9535",
                                        "xpath-10", "xpath-30", "xpath-31", "v9"])})),
})
_ACTION = _object({"name": _mostly(st.sampled_from(["a", "b", "r"]), _TEXT),
                   "type": st.sampled_from(["end", "goto", "retry", "bogus"])}, {
    "stepId": _STEP_ID,
    "workflowId": _WORKFLOW_ID,
    "retryAfter": st.one_of(st.floats(), st.integers(-5, 10**400), st.just("1")),
    "retryLimit": st.one_of(st.integers(-3, 3), st.floats(), st.just(True)),
    "criteria": _list_of(_CRITERION, 2),
})
_REUSABLE = _object({"reference": st.one_of(st.sampled_from([
    "$components.parameters.p", "$components.parameters.none", "$components.successActions.a",
    "$components.failureActions.f", "$components.failureActions.none",
    "$components.inputs.i"]), _EXPRESSION)}, {"value": _ANYTHING})
_PARAMETER = _mostly(_object({"name": _mostly(
    st.sampled_from(["id", "id", "q", "m", "X-H", "c", "x", "token", "Content-Type"]), _TEXT),
    "value": st.one_of(_EXPRESSION, _ANYTHING)}, {
    "in": _mostly(st.sampled_from(["path", "path", "query", "header", "cookie", "body"]),
                  _ANYTHING),
}), _REUSABLE, 4)
_REQUEST_BODY = _object({}, {
    "contentType": st.sampled_from([
        "application/json", "application/xml", "text/plain", "multipart/form-data",
        "application/x-www-form-urlencoded", "application/vnd.x+json", "", "*/*", "bogus"]),
    "payload": st.one_of(_EXPRESSION, _ODD, _ANYTHING),
    "replacements": _list_of(_object({"target": st.one_of(st.sampled_from([
        "/k", "/a/0", "/a/-", "", "/", "/~", "/b/x/y", "/0", "//b", "/b/@x", "/a/@x",
        "//*[", "count(/a)"]), _TEXT), "value": _ANYTHING}, {}), 2),
})
_STEP_PATH = st.sampled_from([
    "{$sourceDescriptions.api.url}#/paths/~1things~1{id}/get",
    "{$sourceDescriptions.api.url}#/paths/~1things/post",
    "{$sourceDescriptions.api.url}#/paths/~1things/post",
    "{$sourceDescriptions.api.url}#/paths/~1form/put",
    "{$sourceDescriptions.api.url}#/paths/~1nothing/get", "garbage", "#/paths",
])
_STEP = _object({"stepId": _STEP_ID,
    "operationId": _mostly(st.sampled_from([
        "getThing", "postThing", "postThing", "postXml", "putForm", "putForm",
        "$sourceDescriptions.api.getThing",
        "$sourceDescriptions.nope.getThing", "$sourceDescriptions.self.getThing", "missing",
    ]), _TEXT),
}, {
    "parameters": _list_of(_PARAMETER),
    "requestBody": _REQUEST_BODY,
    "successCriteria": _list_of(_CRITERION, 2),
    "onSuccess": _list_of(st.one_of(_ACTION, _REUSABLE), 2),
    "onFailure": _list_of(st.one_of(_ACTION, _REUSABLE), 2),
    "outputs": _or_anything(st.dictionaries(st.sampled_from(["o", "p", "1"]), _EXPRESSION,
                                            max_size=2)),
})
_STEP = st.one_of(_STEP.map(_without_target("operationId")),
                  _STEP.map(_without_target("operationId")),
                  st.tuples(_STEP, _STEP_PATH).map(_by_path),
                  st.tuples(_STEP, _WORKFLOW_ID).map(_calling))
_INPUTS_SCHEMA = _mostly(st.just(
    {"type": "object", "properties": {"x": {"type": "string", "default": "d"},
                                      "token": {"type": "string", "format": "password"}}}),
    _mostly(st.sampled_from([
    {"type": "object", "required": ["x"]}, {"type": 5}, {"type": "object", "pattern": "("},
    {"type": "object", "properties": {"x": {"pattern": "(", "default": "a"}}},
    {"$ref": "#/nope"}, {"$ref": "#/components/inputs/i"}, {"$ref": "http://remote/s"},
    {"properties": 5}, {"allOf": 5}, {"allOf": [5, {"$ref": 7}]},
    {"properties": {"x": {"minimum": "a"}}}, {"minProperties": "2"}, {"not": {}},
    {"$defs": {"a": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"},
    ]), _ANYTHING), 3)
_WORKFLOW_FIELDS: tuple[dict[str, Any], dict[str, Any]] = (
    {"workflowId": _mostly(st.sampled_from(["w0", "w1", "w2"]), _TEXT),
     "steps": _or_anything(st.lists(_STEP, min_size=1, max_size=3))}, {
    "inputs": _INPUTS_SCHEMA,
    "dependsOn": _mostly(st.just([]), _list_of(_WORKFLOW_ID, 2), 3),
    "parameters": _list_of(_PARAMETER, 2),
    "successActions": _list_of(st.one_of(_ACTION, _REUSABLE), 2),
    "failureActions": _list_of(st.one_of(_ACTION, _REUSABLE), 2),
    "outputs": _or_anything(st.dictionaries(st.sampled_from(["o", "p"]), _EXPRESSION,
                                            max_size=2)),
})
_WORKFLOW = _object(*_WORKFLOW_FIELDS)
#: The workflow a run starts with is always an object, so most runs get past their start.
_FIRST_WORKFLOW = st.fixed_dictionaries(
    {k: _or_anything(v) for k, v in _WORKFLOW_FIELDS[0].items()},
    optional={k: _or_anything(v) for k, v in _WORKFLOW_FIELDS[1].items()})
_COMPONENTS = _object({}, {
    "parameters": _or_anything(st.fixed_dictionaries({"p": _PARAMETER})),
    "successActions": _or_anything(st.fixed_dictionaries({"a": _ACTION})),
    "failureActions": _or_anything(st.fixed_dictionaries({"f": _ACTION})),
    "inputs": _or_anything(st.fixed_dictionaries({"i": _INPUTS_SCHEMA})),
})
_DOCUMENT = st.fixed_dictionaries({
    "arazzo": st.just("1.0.1"),
    "info": st.just({"title": "fuzz", "version": "1"}),
    "sourceDescriptions": st.just([
        {"name": "api", "url": "openapi.yaml", "type": "openapi"},
        {"name": "self", "url": "flow.arazzo.yaml", "type": "arazzo"}]),
    "workflows": _mostly(st.tuples(_FIRST_WORKFLOW.map(_named("w0")),
                                   st.lists(_WORKFLOW, max_size=2)).map(_joined), _ANYTHING),
}, optional={"components": _COMPONENTS})

_HEADER_VALUE = st.one_of(st.sampled_from([
    "0", "1", "2.5", "-1", "1e9", "²", "٣", "9" * 40, "Wed, 21 Oct 2015 07:28:00 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 99 Foo 2015 99:99:99 XYZ", "Thu, 01 Jan 1970", "",
    "application/json", "application/json; charset=latin-1", "text/xml", "application/problem+json",
    "/things/1", "http://elsewhere.invalid/", "é\u202e",
]), _TEXT)
_BODY = st.one_of(
    st.sampled_from([
        b"", b"{}", b'{"ok": true, "status": "done", "a": [1, 2]}', b'{"message": "nope"}',
        b"[1, 2, 3]", b"{not json", b'{"a": NaN, "b": Infinity}', b"null", b"\xff\xfe\xfd",
        b'{"t": "\xc3\x28"}', b"<a><b x='1'>t</b></a>", b"<a><b>", b"\x00\x01binary",
        b'{"a": ' * 5000, b'"' + b"x" * 300_000 + b'"', b"9" * 5000,
    ]),
    st.binary(max_size=64),
    _ANYTHING.map(lambda v: json.dumps(v).encode()),
)
_REPLY = _mostly(
    st.builds(
        lambda status, headers, body: HttpResponse(status, headers, body, received_at=1e9),
        st.one_of(st.sampled_from([200, 201, 204, 302, 400, 404, 429, 500, 503]),
                  st.integers(100, 599)),
        st.lists(st.tuples(st.sampled_from(["Content-Type", "Retry-After", "Location", "X-A",
                                            "content-type", "retry-after"]), _HEADER_VALUE),
                 max_size=4),
        _BODY),
    st.builds(TransportFailure, _TEXT),
)
_INPUTS = st.one_of(st.none(), st.dictionaries(st.sampled_from(["x", "token", "y"]), _ANYTHING,
                                               max_size=3))


class CannedTransport:
    """Answers every request with the next canned reply (the last one repeats)."""

    def __init__(self, replies: list[HttpResponse | TransportFailure]) -> None:
        self.replies = replies or [HttpResponse(200)]
        self.sent: list[HttpRequest] = []

    def send(self, request: HttpRequest) -> HttpResponse | TransportFailure:
        assert isinstance(request.url, str) and isinstance(request.method, str)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in request.headers.items())
        assert request.body is None or isinstance(request.body, bytes)
        self.sent.append(request)
        return self.replies[min(len(self.sent), len(self.replies)) - 1]

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "openapi.yaml").write_text(yaml.safe_dump(_OPENAPI))
    return folder


def _program(home: Path, document: Any) -> Program:
    """The generated document as if it were ``flow.arazzo.yaml`` next to the OpenAPI file."""
    path = home / "flow.arazzo.yaml"
    text = yaml.safe_dump(document, allow_unicode=True)
    path.write_text(text)
    return Program(load_bundle(load_text(text, uri=str(path), path=path)))


def _json(value: Any) -> str:
    return json.dumps(value)


_SELF_CALL = {"arazzo": "1.0.1", "info": {"title": "t", "version": "1"},
              "sourceDescriptions": [{"name": "api", "url": "openapi.yaml"}],
              "workflows": [{"workflowId": "w0", "steps": [{"stepId": "s0", "workflowId": "w0"}]}]}
_DEPENDS_CYCLE = {**_SELF_CALL, "workflows": [
    {"workflowId": "w0", "dependsOn": ["w1"], "steps": [{"stepId": "s0", "operationId": "x"}]},
    {"workflowId": "w1", "dependsOn": ["w0"], "steps": [{"stepId": "s0", "operationId": "x"}]}]}


@_SETTINGS
@given(document=_DOCUMENT, replies=st.lists(_REPLY, max_size=4), inputs=_INPUTS,
       workflow=st.sampled_from(["w0", "w0", "w0", "w1", None]))
@example(document=_SELF_CALL, replies=[], inputs=None, workflow=None)
@example(document=_DEPENDS_CYCLE, replies=[], inputs=None, workflow="w0")
@example(document={**_SELF_CALL, "workflows": [{"workflowId": "w0", "inputs": None, "steps": [
    {"stepId": "s0", "operationId": "postThing"}]}]},
    replies=[HttpResponse(200, [], b'{"a": ' * 5000)], inputs=None, workflow="w0")
@example(document={**_SELF_CALL, "workflows": [None, {
    "workflowId": "w0", "steps": [], "inputs": {"type": "object", "properties": {
        "x": {"type": "string", "default": "d"}}}}]}, replies=[], inputs=None, workflow="w0")
@example(document={**_SELF_CALL, "components": {"inputs": {"i": {"allOf": [5]}}}, "workflows": [
    {"workflowId": "w0", "steps": [], "inputs": {"$ref": "#/components/inputs/i"}}]},
    replies=[], inputs=None, workflow="w0")
@example(document={**_SELF_CALL, "components": {"inputs": {"i": {"$defs": {"a": {
    "properties": [1]}}, "$ref": "#/$defs/a"}}}, "workflows": [
    {"workflowId": "w0", "steps": [], "inputs": {"$ref": "#/components/inputs/i"}}]},
    replies=[], inputs={"x": 1}, workflow="w0")
def test_a_run_ends_with_a_result_or_an_arazzo_error(
        home: Path, document: Any, replies: list[Any], inputs: Any, workflow: Any) -> None:
    transport = CannedTransport(replies)
    try:
        result = run_workflow(_program(home, document), workflow, inputs, _OPTIONS,
                              transport=transport, clock=ManualClock())
    except ArazzoError as exc:
        assert str(exc)
        return
    assert isinstance(result, RunResult)
    assert result.outcome in ("succeeded", "failed")
    assert result.succeeded or result.error
    assert len(result.steps) <= _OPTIONS.max_steps
    text = _json(result.to_dict())
    assert _json(RunResult.from_dict(json.loads(text)).to_dict()) == text


@settings(_SETTINGS, max_examples=60)
@given(document=_DOCUMENT, replies=st.lists(_REPLY, max_size=4), inputs=_INPUTS,
       fresh=st.booleans())
def test_the_run_state_round_trips_through_json_at_every_action(
        home: Path, document: Any, replies: list[Any], inputs: Any, fresh: bool) -> None:
    program = _program(home, document)
    machine = Machine(program, _OPTIONS)
    transport = CannedTransport(replies)
    try:
        state = machine.start("w0", inputs)
    except ArazzoError:
        return
    outcome: Any = None
    for _ in range(4 * _OPTIONS.max_steps + 10):
        try:
            action = machine.decide(state, outcome)
        except ArazzoError:
            return
        text = _json(state.to_dict())
        state = RunState.from_dict(json.loads(text))
        assert _json(state.to_dict()) == text
        if fresh:  # a new machine over the same documents carries on from the saved state
            machine = Machine(program, _OPTIONS)
        if isinstance(action, Finish):
            _json(action.result.to_dict())
            return
        assert isinstance(action, (SendRequest, Wait))
        outcome = transport.send(action.request) if isinstance(action, SendRequest) else Waited()
    pytest.fail("the machine did not finish within its step budget")


def _flow(*workflows: dict[str, Any]) -> dict[str, Any]:
    return {"arazzo": "1.0.1", "info": {"title": "t", "version": "1"},
            "sourceDescriptions": [{"name": "api", "url": "openapi.yaml"}],
            "workflows": list(workflows)}


def _calls(workflow_id: str, target: str) -> dict[str, Any]:
    return {"workflowId": workflow_id, "steps": [{"stepId": "call", "workflowId": target}]}


@pytest.mark.parametrize(("workflows", "error"), [
    ([_calls("w0", "w0")], "workflows nest more than 50 deep: a workflow calls itself (w0 -> w0)"),
    ([_calls("w0", "w1"), _calls("w1", "w2"), _calls("w2", "w1")],
     "workflows nest more than 50 deep: a workflow calls itself (w2 -> w1 -> w2)"),
])
def test_a_workflow_calling_itself_stops_at_the_nesting_limit(
        home: Path, workflows: list[dict[str, Any]], error: str) -> None:
    options = RunOptions(max_steps=1000, trust_env=False)
    result = run_workflow(_program(home, _flow(*workflows)), "w0", None, options,
                          transport=CannedTransport([]), clock=ManualClock())
    assert not result.succeeded
    assert result.error == error
    _json(result.to_dict())


@pytest.mark.parametrize(("workflows", "error"), [
    ([{"workflowId": "w0", "dependsOn": ["w0"], "steps": []}],
     "dependsOn cycle: w0 -> w0 (a workflow cannot run before itself)"),
    ([{"workflowId": "w0", "dependsOn": ["w1"], "steps": []},
      {"workflowId": "w1", "dependsOn": ["w2"], "steps": []},
      {"workflowId": "w2", "dependsOn": ["w0"], "steps": []}],
     "dependsOn cycle: w0 -> w1 -> w2 -> w0 (a workflow cannot run before itself)"),
    ([_calls("w0", "w1"), {"workflowId": "w1", "dependsOn": ["w0"], "steps": []}],
     "dependsOn cycle: w0 -> w1 -> w0 (a workflow cannot run before itself)"),
])
def test_depends_on_cycles_fail_the_run_at_once(
        home: Path, workflows: list[dict[str, Any]], error: str) -> None:
    transport = CannedTransport([])
    result = run_workflow(_program(home, _flow(*workflows)), "w0", None, _OPTIONS,
                          transport=transport, clock=ManualClock())
    assert not result.succeeded and result.error == error
    assert not transport.sent


def test_recursion_that_ends_within_the_limit_runs(home: Path) -> None:
    poll = {"workflowId": "w0", "steps": [
        {"stepId": "look", "operationId": "postThing", "onSuccess": [
            {"name": "done", "type": "end", "criteria": [{"condition": "$response.body#/done"}]}]},
        {"stepId": "again", "workflowId": "w0"}]}
    replies = [HttpResponse(200, [], b'{"done": false}')] * 3 + [
        HttpResponse(200, [], b'{"done": true}')]
    transport = CannedTransport(replies)
    result = run_workflow(_program(home, _flow(poll)), "w0", None, _OPTIONS,
                          transport=transport, clock=ManualClock())
    assert result.succeeded, result.error
    assert len(transport.sent) == 4
    assert [s.depth for s in result.steps if s.step_id == "look"] == [0, 1, 2, 3]

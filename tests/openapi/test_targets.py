"""Validator and executor ask one module which operation a step calls and with which
parameters, so they cannot disagree: each case is checked through both."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from arazzo_engine.document import load_bundle
from arazzo_engine.errors import ExecutionError
from arazzo_engine.executor import Program
from arazzo_engine.openapi import StepTargets, merge_parameters
from arazzo_engine.validation import validate_document


def api(*operations: tuple[str, str, str]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for operation_id, method, path in operations:
        paths.setdefault(path, {})[method] = {"operationId": operation_id,
                                              "responses": {"200": {"description": "ok"}}}
    return {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths}


FILES: dict[str, Any] = {
    "pets.yaml": api(("listPets", "get", "/pets"), ("getPet", "get", "/pets/{id}")),
    "stores.yaml": api(("listPets", "get", "/stores/pets"), ("listStores", "get", "/stores")),
    "split.yaml": {"openapi": "3.0.3", "info": {"title": "s", "version": "1"},
                   "paths": {"/far": {"$ref": "far.yaml#/item"}}},
    "far.yaml": {"item": {"get": {"operationId": "farAway",
                                  "responses": {"200": {"description": "ok"}}}}},
    "old.yaml": {"swagger": "2.0", "info": {"title": "o", "version": "1"},
                 "paths": {"/legacy": {"post": {"operationId": "legacy", "parameters": [
                     {"name": "b", "in": "body", "schema": {"type": "object"}}],
                     "responses": {"200": {"description": "ok"}}}}}},
}
SOURCES = [{"name": n, "url": f"./{n}.yaml", "type": "openapi"}
           for n in ("pets", "stores", "split", "old")]

# (step target, expected operation "METHOD /path", or the problem both must report)
CASES = [
    ({"operationId": "getPet"}, "GET /pets/{id}"),
    ({"operationId": "listPets"}, "ambiguous: sources `pets`, `stores` all define it"),
    ({"operationId": "$sourceDescriptions.stores.listPets"}, "GET /stores/pets"),
    ({"operationId": "$sourceDescriptions.nope.listPets"}, "`nope` is not a declared source"),
    ({"operationId": "$sourceDescriptions.pets.listStores"},
     "operationId `listStores` does not exist in source `pets`"),
    ({"operationId": "farAway"}, "GET /far"),
    ({"operationId": "legacy"}, "POST /legacy"),
    ({"operationPath": "{$sourceDescriptions.pets.url}#/paths/~1pets/get"}, "GET /pets"),
    ({"operationPath": "$sourceDescriptions.split#/paths/~1far/get"}, "GET /far"),
    ({"operationPath": "{$sourceDescriptions.pets.url}#/paths/~1pets"},
     "does not end with an HTTP method"),
    ({"operationPath": "{$sourceDescriptions.pets.url}#/paths/~1cats/get"},
     "is not an operation in source `pets`"),
]


def write_flow(folder: Path, step: dict[str, Any]) -> Path:
    for name, data in FILES.items():
        (folder / name).write_text(yaml.safe_dump(data, sort_keys=False))
    flow = {"arazzo": "1.0.1", "info": {"title": "f", "version": "1"},
            "sourceDescriptions": SOURCES,
            "workflows": [{"workflowId": "w", "steps": [{"stepId": "s", **step}]}]}
    path = folder / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump(flow, sort_keys=False))
    return path


@pytest.mark.parametrize(("step", "expected"), CASES, ids=[str(c[0]) for c in CASES])
def test_validator_and_executor_agree(tmp_path: Path, step: dict[str, Any],
                                      expected: str) -> None:
    path = write_flow(tmp_path, step)
    bundle = load_bundle(path)
    program = Program(bundle)
    step_node = program.steps(program.entry_key, "w")[0]
    resolved = [d for d in validate_document(bundle).diagnostics
                if d.rule == "operation-resolved"]
    if expected.split(" ", 1)[0] in ("GET", "POST"):
        target = program.resolve_operation(program.entry_key, step_node)
        assert target.operation.label == expected
        assert not resolved, resolved
    else:
        with pytest.raises(ExecutionError) as raised:
            program.resolve_operation(program.entry_key, step_node)
        assert expected in str(raised.value)
        assert [d for d in resolved if expected in d.message], resolved


def test_a_bundle_builds_each_description_once(tmp_path: Path) -> None:
    bundle = load_bundle(write_flow(tmp_path, {"operationId": "getPet"}))
    targets = StepTargets(bundle)
    source = bundle.sources_for(bundle.entry)["pets"]
    assert targets.description(source) is targets.description(source)
    program = Program(bundle, targets)
    validate_document(bundle, targets=targets)
    assert program.targets is targets


COMPONENTS = {"parameters": {"auth": {"name": "Authorization", "in": "header",
                                      "value": "Bearer default"}}}


@pytest.mark.parametrize(("workflow", "step", "expected", "problem"), [
    ([{"name": "a", "in": "query", "value": 1}], [{"name": "a", "in": "query", "value": 2}],
     [("a", "query", 2)], None),
    ([{"name": "a", "in": "query", "value": 1}], [{"name": "a", "in": "header", "value": 2}],
     [("a", "query", 1), ("a", "header", 2)], None),
    ([{"reference": "$components.parameters.auth"}],
     [{"reference": "$components.parameters.auth", "value": "Bearer mine"}],
     [("Authorization", "header", "Bearer mine")], None),
    ([], [{"reference": "$components.parameters.nope"}], [], "points to nothing"),
    ([], [{"reference": "$components.successActions.auth"}], [],
     "does not name one of parameters"),
    ([], "not a list", [], "parameters must be a list"),
], ids=["override", "different-in", "reference-with-value", "dangling", "wrong-kind",
        "not-a-list"])
def test_parameters_merge_one_way(workflow: Any, step: Any, expected: list[tuple[Any, ...]],
                                  problem: str | None) -> None:
    merged = merge_parameters(COMPONENTS, {"parameters": workflow}, "/workflows/0",
                              {"parameters": step}, "/workflows/0/steps/0")
    assert [(p.name, p.location, p.node.get("value")) for p in merged.parameters] == expected
    if problem is None:
        assert not merged.problems
        assert [dict(p) for p in merged.require()] == [dict(p.node) for p in merged.parameters]
    else:
        assert problem in merged.problems[0][1]
        with pytest.raises(ExecutionError, match=problem):
            merged.require()

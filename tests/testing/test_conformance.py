"""The checks' semantics, case by case: OpenAPI 3.0 and 3.1 as openapi-core reads them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from arazzo_engine.document import SourcePolicy, load_file
from arazzo_engine.executor import HttpRequest, HttpResponse
from arazzo_engine.openapi import DocumentStore, OpenAPIDescription
from arazzo_engine.testing._conformance import check_exchange

DATA = yaml.safe_load((Path(__file__).parent / "conformance_cases.yaml").read_text())


@pytest.fixture(scope="module")
def descriptions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, OpenAPIDescription]:
    folder = tmp_path_factory.mktemp("descriptions")
    found = {}
    for version, data in DATA["descriptions"].items():
        path = folder / f"api-{version}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        found[version] = OpenAPIDescription(load_file(path), DocumentStore(SourcePolicy()))
    return found


def _exchange(case: dict[str, Any]) -> tuple[HttpRequest, HttpResponse]:
    spec = case["request"]
    headers = dict(spec.get("headers") or {})
    body = None
    if "body" in spec:
        body = json.dumps(spec["body"]).encode()
        headers["Content-Type"] = "application/json"
    request = HttpRequest(spec.get("method", "GET"), "http://127.0.0.1:9" + spec["url"],
                          headers=headers, body=body)
    raw = case.get("body")
    data = b"" if raw is None else (raw.encode() if isinstance(raw, str) else
                                    json.dumps(raw).encode())
    response_headers = [("Content-Type", case.get("content_type", "application/json")),
                        *[(k, v) for k, v in (case.get("headers") or {}).items()]]
    return request, HttpResponse(case["status"], response_headers, data)


@pytest.mark.parametrize("case", DATA["cases"], ids=[c["name"] for c in DATA["cases"]])
def test_exchange_checks(descriptions: dict[str, OpenAPIDescription],
                         case: dict[str, Any]) -> None:
    description = descriptions[case["version"]]
    operation = description.by_id(case["op"])
    assert operation is not None
    findings = check_exchange(description, operation, *_exchange(case))
    failed = sorted(f"{f.check} {f.pointer}" if f.pointer else f.check
                    for f in findings if not f.passed)
    assert failed == sorted(case["fails"]), [f for f in findings if not f.passed]
    for finding in findings:
        if not finding.passed:
            assert finding.message  # every failure says what is wrong


def test_a_failure_names_expected_and_actual(descriptions: dict[str, OpenAPIDescription]) -> None:
    case = next(c for c in DATA["cases"] if c["name"].startswith("a wrong type"))
    description = descriptions["3.0"]
    operation = description.by_id("listPets")
    assert operation is not None
    findings = check_exchange(description, operation, *_exchange(case))
    name = next(f for f in findings if f.pointer == "/0/name")
    assert (name.expected, name.actual) == ('type: "string"', "5")
    kind = next(f for f in findings if f.pointer == "/0/kind")
    assert kind.expected == 'enum: ["cat", "dog"]' and kind.actual == '"cow"'

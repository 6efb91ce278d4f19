"""inputs-schema-consistency follows `$ref`s: cycles and diamonds of references must neither
loop nor multiply the work (a document of 40 diamonds would otherwise take 2**40 visits)."""

from __future__ import annotations

from arazzo_engine.document import load_text
from arazzo_engine.validation import validate_document

LEVELS = 40


def _diamonds() -> str:
    lines = [
        "arazzo: 1.0.1",
        "info: {title: diamonds, version: 1.0.0}",
        "sourceDescriptions: [{name: api, url: https://example.test/openapi.yaml, type: openapi}]",
        "workflows:",
        "  - workflowId: main",
        "    inputs: {$ref: '#/components/inputs/a0', required: [x, missing]}",
        "    steps: [{stepId: only, workflowId: main}]",
        "components:",
        "  inputs:",
    ]
    for level in range(LEVELS):
        target = f"'#/components/inputs/a{level + 1}'"
        lines.append(f"    a{level}: {{allOf: [{{$ref: {target}}}, {{$ref: {target}}}]}}")
    lines.append(f"    a{LEVELS}: {{allOf: [{{$ref: '#/components/inputs/a0'}}], "
                 "properties: {x: {type: string}}}")
    return "\n".join(lines) + "\n"


def test_reference_diamonds_and_cycles_are_followed_once() -> None:
    report = validate_document(load_text(_diamonds(), uri="diamonds.yaml"))
    found = [d for d in report.diagnostics if d.rule == "inputs-schema-consistency"]
    assert [d.message for d in found] == [
        "required input `missing` is not declared under `properties`"]
    assert found[0].line == 6
    assert not [d for d in report.diagnostics if d.rule == "internal"]

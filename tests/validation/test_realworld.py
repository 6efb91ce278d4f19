"""What real documents get wrong, shown by documents of our own (``documents/realworld/``).

Each case is a pattern found in the public corpus (``../shared/realworld-arazzo``), rewritten
from scratch: the notations of other tools, each an error whose hint is the exact Arazzo form,
and workflows looked for in a source declared ``type: openapi`` (remote, never loaded: the
declared type settles it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from arazzo_engine.validation import validate_document

DOCUMENTS = Path(__file__).resolve().parent / "documents"
FORMS = DOCUMENTS / "realworld" / "forms.arazzo.yaml"

STEP = "/workflows/0/steps/{}"
EXPECTED = {
    "/workflows/0/dependsOn/0": (
        "depends-on", "source `remote-api` is declared `type: openapi`",
        "workflows come only from this document and from `type: arazzo` sources"),
    STEP.format(0) + "/operationId": (
        "operation-resolved", "names source `pets` without `$sourceDescriptions.`",
        "write $sourceDescriptions.pets.listPets"),
    STEP.format(1) + "/operationId": (
        "operation-resolved", "is an operationPath (a source and a JSON pointer)",
        "write operationPath: '{$sourceDescriptions.pets.url}#/paths/~1pets/get'"),
    STEP.format(2) + "/operationPath": (
        "operation-resolved", "is not the Arazzo form",
        "write {$sourceDescriptions.pets.url}#/paths/~1pets/get"),
    STEP.format(3) + "/operationPath": (
        "operation-resolved", "`GET {pets}./pets/{petId}` is not the Arazzo form",
        "write {$sourceDescriptions.pets.url}#/paths/~1pets~1{petId}/get"),
    STEP.format(4) + "/workflowId": (
        "workflow-target", "a source's workflows are named directly after it",
        "write $sourceDescriptions.shared.adoptPet"),
    STEP.format(5) + "/workflowId": (
        "workflow-target", "not by a JSON pointer", "write $sourceDescriptions.shared.adoptPet"),
    STEP.format(6) + "/workflowId": (
        "workflow-target", "source `remote-api` is declared `type: openapi`",
        "workflows come only from this document and from `type: arazzo` sources"),
    STEP.format(7) + "/parameters/0/value": (
        "step-output-ref", "a step exposes its values only under `outputs`",
        "write $steps.prefixed.outputs.token"),
    STEP.format(7) + "/outputs/requestId": (
        "step-output-ref", "a step exposes its values only under `outputs`",
        "write $steps.prefixed.outputs.requestId, and declare `requestId` in the outputs of "
        "step `prefixed`"),
}


@pytest.fixture(scope="module")
def errors() -> dict[str, object]:
    report = validate_document(FORMS)
    return {d.pointer: d for d in report.errors}


@pytest.mark.parametrize("pointer", sorted(EXPECTED))
def test_a_non_arazzo_form_is_an_error_whose_hint_is_the_arazzo_form(
        errors: dict[str, object], pointer: str) -> None:
    rule, fragment, hint = EXPECTED[pointer]
    found = errors[pointer]
    assert (found.rule, found.hint) == (rule, hint)  # type: ignore[attr-defined]
    assert fragment in found.message  # type: ignore[attr-defined]


def test_nothing_else_is_an_error(errors: dict[str, object]) -> None:
    assert sorted(errors) == sorted(EXPECTED)


def test_the_suggested_forms_resolve(tmp_path: Path) -> None:
    """Written as the hints say, the same steps validate."""
    fixed = FORMS.read_text()
    for wrong, right in (
            ("$sourceDescriptions.remote-api.setup\n    steps",
             "$sourceDescriptions.shared.adoptPet\n    steps"),
            ("operationId: pets.listPets", "operationId: $sourceDescriptions.pets.listPets"),
            ("operationId: $sourceDescriptions.pets#/paths/~1pets/get",
             "operationPath: '{$sourceDescriptions.pets.url}#/paths/~1pets/get'"),
            ("operationPath: pets#/paths/~1pets/get",
             "operationPath: '{$sourceDescriptions.pets.url}#/paths/~1pets/get'"),
            ("operationPath: GET {pets}./pets/{petId}",
             "operationPath: '{$sourceDescriptions.pets.url}#/paths/~1pets~1{petId}/get'"),
            ("$sourceDescriptions.shared.workflows.adoptPet",
             "$sourceDescriptions.shared.adoptPet"),
            ("$sourceDescriptions.shared#/workflows/0", "$sourceDescriptions.shared.adoptPet"),
            ("workflowId: $sourceDescriptions.remote-api.setup",
             "workflowId: $sourceDescriptions.shared.adoptPet"),
            ("$steps.prefixed.token", "$steps.prefixed.outputs.token"),
            ("requestId: $steps.prefixed.requestId", "requestId: $steps.prefixed.outputs.token"),
    ):
        assert wrong in fixed, wrong
        fixed = fixed.replace(wrong, right)
    for folder in ("openapi", "arazzo"):  # the copy lives elsewhere: sources by absolute path
        fixed = fixed.replace(f"url: ../{folder}/", f"url: {DOCUMENTS / folder}/")
    document = tmp_path / "forms-fixed.arazzo.yaml"
    document.write_text(fixed)
    report = validate_document(document)
    assert report.errors == (), "\n".join(map(str, report.errors))


RULES = DOCUMENTS / "rules"
#: (rule folder, line) -> the hint: the documented response schema says what to write.
RESPONSE_HINTS = {
    ("response-pointer", 20): "did you mean `name`?",
    ("response-pointer", 22): "write $response.body#/category/name",
    ("response-pointer", 23): None,
    ("response-pointer", 28): "an array's size is not a member: count its items in a JSONPath "
                              "criterion, condition `length($) > 0` with context "
                              "`$response.body`",
    ("response-pointer", 36): "write $response.body#/0/id",
    ("jsonpath-never-selects", 19): "write `length($) == 0`",
    ("jsonpath-never-selects", 32): "write `length($) > 1`",
    ("jsonpath-never-selects", 35): "compare the value itself, e.g. `$.status == ...`",
}


@pytest.mark.parametrize(("rule", "line"), sorted(RESPONSE_HINTS))
def test_a_path_the_documented_body_cannot_have_gets_the_fix(rule: str, line: int) -> None:
    report = validate_document(RULES / rule / "fail.yaml")
    (found,) = [d for d in report.diagnostics if d.rule == rule and d.line == line]
    assert found.hint == RESPONSE_HINTS[(rule, line)]
    assert "can never" in found.message and found.severity == "warning"


def test_the_schema_in_another_file_is_what_proves_it() -> None:
    """getPet's body is `$ref: ./catalog-schemas.yaml#/Pet`; its members come from there."""
    report = validate_document(RULES / "response-pointer" / "fail.yaml")
    (nmae,) = [d for d in report.diagnostics if d.line == 20]
    assert "its documented members are `id`, `name`, `category`, `tags`, `status`" \
        in nmae.message


EXTERNAL = DOCUMENTS / "realworld" / "external" / "external.arazzo.yaml"


def test_operations_behind_external_refs_and_swagger_2_are_checked_not_refused() -> None:
    """Path items (YAML and JSON files), parameters, request bodies and schemas in other files
    are followed; a Swagger 2.0 source is read (its `in: body` parameter is the request body,
    not a missing parameter)."""
    report = validate_document(EXTERNAL)
    got = [(d.rule, d.severity, d.pointer) for d in report.diagnostics]
    assert got == [
        ("parameter-required", "warning", "/workflows/0/steps/0/operationId"),
        ("parameter-required", "error", "/workflows/0/steps/1/operationId"),
        ("response-pointer", "warning", "/workflows/0/steps/1/outputs/total"),
        ("request-body-unexpected", "warning", "/workflows/0/steps/3/operationId"),
        ("response-pointer", "warning", "/workflows/1/steps/1/outputs/name"),
    ]
    required = [d.message for d in report.diagnostics if d.rule == "parameter-required"]
    assert "requires query parameter `storeId`" in required[0]  # common/parameters.yaml
    assert "requires path parameter `orderId`" in required[1]  # a path-level $ref, elsewhere
    (body,) = [d for d in report.diagnostics if d.rule == "request-body-unexpected"]
    assert "POST /orders requires a request body" in body.message  # common/bodies.yaml
    assert not [d for d in report.diagnostics if d.rule in ("source-load", "operation-resolved")]


def test_a_source_that_cannot_be_read_counts_the_steps_it_leaves_unchecked(
        tmp_path: Path) -> None:
    document = tmp_path / "missing.arazzo.yaml"
    document.write_text(
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\n"
        "sourceDescriptions:\n- {name: api, url: ./absent.openapi.yaml, type: openapi}\n"
        "- {name: remote, url: 'https://api.example.invalid/openapi.yaml', type: openapi}\n"
        "workflows:\n- workflowId: w\n  steps:\n"
        "  - {stepId: one, operationId: $sourceDescriptions.api.first}\n"
        "  - {stepId: two, operationId: $sourceDescriptions.api.second}\n"
        "  - {stepId: three, operationId: $sourceDescriptions.remote.third}\n")
    report = validate_document(document)
    missing, remote = [d for d in report.diagnostics if d.rule == "source-load"]
    assert missing.severity == "error"
    assert missing.message.endswith("; it leaves 2 steps (`one`, `two`) unchecked")
    assert remote.severity == "warning"
    assert remote.message.endswith("were not checked: it is used by 1 step (`three`)")
    assert [d.rule for d in report.diagnostics] == ["source-load", "source-load"]


#: (line, hint) of each bare expression in the rule's failing document: the exact braced text.
BARE = [
    (27, "write `Bearer {$inputs.token}`"),  # header
    (30, "write `page-{$inputs.token}`"),  # query
    (37, "write `pet-{$inputs.token}`"),  # path
    (44, "write `made by {$inputs.token} for {$inputs.token}`"),  # payload
]


def test_a_bare_expression_is_a_default_warning_whose_hint_is_the_braced_text() -> None:
    """`Bearer $inputs.token` (every dbt and Okta workflow of the catalogue): warned without
    --strict, in a header, query, path or payload value, with the text every tool reads."""
    report = validate_document(RULES / "bare-expression" / "fail.yaml")
    bare = [d for d in report.diagnostics if d.rule == "bare-expression"]
    assert [(d.line, d.hint) for d in bare] == BARE
    assert all(d.severity == "warning" for d in bare) and report.ok
    assert "Arazzo reads that as literal text" in bare[0].message

"""The ``arazzo`` version picks the schema, the grammar and the rules a document is read with."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from arazzo_engine.document import feature_set, spec_version
from arazzo_engine.validation import validate_document

BASE = {
    "info": {"title": "t", "version": "1"},
    "sourceDescriptions": [{"name": "pets", "url": "pets.yaml", "type": "openapi"}],
}
PETS = {"openapi": "3.1.0", "info": {"title": "p", "version": "1"},
        "paths": {"/pets": {"get": {"operationId": "listPets",
                                    "responses": {"200": {"description": "ok"}}}}}}


def _validate(tmp_path: Path, version: object, workflow: dict[str, object]):
    (tmp_path / "pets.yaml").write_text(yaml.safe_dump(PETS))
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump({"arazzo": version, **BASE, "workflows": [workflow]}))
    return validate_document(path, root=tmp_path)


@pytest.mark.parametrize(("value", "exact", "read_as"), [
    ("1.0.0", "1.0", "1.0"), ("1.0.1", "1.0", "1.0"), ("1.1.0", "1.1", "1.1"),
    ("1.1.7", "1.1", "1.1"), ("1.1.0-rc1", "1.1", "1.1"), ("1.2.0", None, "1.1"),
    ("1.10.3", None, "1.1"), ("2.0.0", None, "1.0"), ("1.2", None, "1.0"),
    (1.1, None, "1.1"), ("1.1", None, "1.1"), (2, None, "1.0"), (None, None, "1.0"),
])
def test_the_patch_version_is_ignored(value: object, exact: str | None, read_as: str) -> None:
    assert spec_version({"arazzo": value}) == exact
    assert feature_set({"arazzo": value}) == read_as


SELECTOR_OUTPUT = {"workflowId": "w", "steps": [{
    "stepId": "s", "operationId": "listPets",
    "outputs": {"first": {"context": "$response.body", "selector": "$[0]",
                          "type": "jsonpath"}}}]}


def test_a_selector_output_is_1_1(tmp_path: Path) -> None:
    assert _validate(tmp_path, "1.1.0", SELECTOR_OUTPUT).diagnostics == ()
    report = _validate(tmp_path, "1.0.1", SELECTOR_OUTPUT)
    assert [(d.rule, d.message) for d in report.errors] == [
        ("schema", "an output value must be a runtime expression string (a Selector Object "
                   "needs arazzo: 1.1.0); found an object")]


def test_1_1_fields_are_unknown_in_a_1_0_document(tmp_path: Path) -> None:
    workflow = {"workflowId": "w", "steps": [{"stepId": "s", "operationId": "listPets",
                                              "timeout": 500, "dependsOn": ["s"]}]}
    report = _validate(tmp_path, "1.0.1", workflow)
    assert sorted(d.message for d in report.errors) == [
        "unknown field `dependsOn` in a Step Object", "unknown field `timeout` in a Step Object"]


def test_an_unknown_version_names_both_we_read(tmp_path: Path) -> None:
    report = _validate(tmp_path, "1.2.0", SELECTOR_OUTPUT)
    first = report.errors[0]
    assert first.rule == "schema" and first.line == 1
    assert "1.0.x" in first.message and "1.1.x" in first.message
    # a later minor reads as 1.1, the newest we know: its 1.1 features are no further errors
    assert [(d.rule, d.line) for d in report.errors] == [("schema", 1)]
    older = _validate(tmp_path, "0.9.0", SELECTOR_OUTPUT)
    assert [d.rule for d in older.errors] == ["schema", "schema"]  # read as 1.0: the selector


def test_a_numeric_version_is_an_error_but_read_as_1_1(tmp_path: Path) -> None:
    report = _validate(tmp_path, 1.1, SELECTOR_OUTPUT)
    assert [(d.rule, d.line) for d in report.errors] == [("schema", 1)]
    assert "must be a string" in report.errors[0].message or "found" in report.errors[0].message


def test_1_1_grammar_for_1_1_documents_only(tmp_path: Path) -> None:
    workflow = {"workflowId": "w", "steps": [{"stepId": "s", "operationId": "listPets",
                                              "outputs": {"all": "$steps.s"}}]}
    assert [d.rule for d in _validate(tmp_path, "1.1.0", workflow).errors] == [
        "expression-syntax"]
    assert [d.rule for d in _validate(tmp_path, "1.0.1", workflow).errors] == [
        "step-output-ref"]

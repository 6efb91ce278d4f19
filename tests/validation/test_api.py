"""The Python API `arazzo run` builds on, and the reference dbt workflow."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import arazzo_engine.validation as validation
from arazzo_engine.document import load_file
from arazzo_engine.errors import DocumentError
from arazzo_engine.validation import Diagnostic, ValidationReport, validate_document

REPO = Path(__file__).resolve().parents[2]
DBT = REPO / "specs" / "dbt" / "arazzo" / "dbt-trigger-run-and-poll-workflow.yml"
DOCUMENTS = Path(__file__).resolve().parent / "documents"


def test_exports_are_sorted_and_real() -> None:
    def kind(name: str) -> tuple[int, str]:  # constants, classes, functions (ruff's RUF022)
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert validation.__all__ == sorted(validation.__all__, key=kind)
    for name in validation.__all__:
        assert hasattr(validation, name)


def test_dbt_reference_workflow_is_valid_with_the_bare_token_warned_by_default() -> None:
    """The reference workflow sends `Bearer $inputs.token`: we substitute it, other tools send
    it as written, so the default warning gives the braced form every tool reads alike."""
    report = validate_document(DBT, root=REPO)
    assert report.ok
    assert [(d.rule, d.line) for d in report.diagnostics] == [
        ("bare-expression", 55), ("bare-expression", 82), ("bare-expression", 124)]
    assert {d.hint for d in report.diagnostics} == {"write `Bearer {$inputs.token}`"}
    (grouped,) = report.grouped()
    assert grouped.note == "and 2 more like it (lines 82, 124)"


def test_dbt_strict_warns_only_about_bare_token_and_comparison_jsonpath() -> None:
    report = validate_document(DBT, strict=True, root=REPO)
    assert report.ok
    assert {d.rule for d in report.warnings} == {"bare-expression", "jsonpath-comparison"}
    bare = [d for d in report.warnings if d.rule == "bare-expression"]
    assert [d.line for d in bare] == [55, 82, 124]
    assert len(report.warnings) == 6


def test_report_is_sorted_and_splits_errors_from_warnings() -> None:
    path = DOCUMENTS / "rules" / "source-load" / "fail.yaml"
    report = validate_document(path, root=DOCUMENTS)
    keys = [(d.file, d.line, d.column) for d in report.diagnostics]
    assert keys == sorted(keys)
    assert not report.ok
    assert set(report.errors) | set(report.warnings) == set(report.diagnostics)
    assert all(d.severity == "warning" for d in report.warnings)


def test_accepts_a_loaded_document_and_keeps_its_name() -> None:
    loaded = load_file(DOCUMENTS / "rules" / "step-id-unique" / "fail.yaml")
    report = validate_document(loaded, root=DOCUMENTS)
    assert isinstance(report, ValidationReport)
    assert [d.rule for d in report.errors] == ["step-id-unique"]
    assert report.errors[0].file == loaded.uri


def test_unreadable_entry_raises_document_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError):
        validate_document(tmp_path / "missing.yaml")


def test_diagnostic_is_frozen_and_prints_as_one_line() -> None:
    diagnostic = Diagnostic("error", "step-target", "no target", "a.yaml", 3, 5, "/workflows/0",
                            hint="add operationId")
    with pytest.raises(dataclasses.FrozenInstanceError):
        diagnostic.line = 4  # type: ignore[misc]
    assert str(diagnostic) == "a.yaml:3:5: error: no target (hint: add operationId) [step-target]"
    assert diagnostic.to_dict()["hint"] == "add operationId"


def test_arazzo_source_cycle_is_loaded_once_and_resolved(tmp_path: Path) -> None:
    path = DOCUMENTS / "rules" / "workflow-target" / "pass.yaml"
    report = validate_document(path, root=DOCUMENTS)
    assert report.diagnostics == ()


def test_remote_source_is_reported_once_not_per_step() -> None:
    path = DOCUMENTS / "rules" / "source-load" / "fail.yaml"
    report = validate_document(path, root=DOCUMENTS)
    remote = [d for d in report.diagnostics if "remote" in d.message]
    assert len(remote) == 1 and remote[0].severity == "warning"
    assert not [d for d in report.diagnostics if d.rule == "operation-resolved"]


def test_schema_is_shipped_as_valid_draft_2020_12() -> None:
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(validation.arazzo_schema())
    assert validation.SCHEMA_PATH.name.endswith(".json")


def test_strict_only_rules_are_silent_without_strict() -> None:
    path = DOCUMENTS / "rules" / "operation-path-prefer-id" / "fail.yaml"
    assert validate_document(path, root=DOCUMENTS).diagnostics == ()
    strict = validate_document(path, strict=True, root=DOCUMENTS)
    assert {d.rule for d in strict.diagnostics} == {"operation-path-prefer-id"}

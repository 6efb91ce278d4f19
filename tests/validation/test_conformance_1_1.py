"""The official Arazzo 1.1 schema tests through ``arazzo validate``, table-driven.

The 62 documents live beside the repository (``<repo>/../shared/conformance/
oai-arazzo-1.1-schema-tests/``); ``conformance-1.1.yaml`` says what each must get. The official
1.1 JSON Schema beside them is checked too, so the verdicts we compare against are its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from ._cli import run_validate

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
TESTS = SHARED / "conformance" / "oai-arazzo-1.1-schema-tests"
OFFICIAL_SCHEMA = SHARED / "reference" / "arazzo-spec" / "schema-1.1-dev.yaml"
TABLE = yaml.safe_load((Path(__file__).parent / "conformance-1.1.yaml").read_text())
#: Rules that say what the JSON Schema says; a pass document never gets one of their errors.
STRUCTURAL = {"schema", "output-key-pattern", "component-key-pattern", "step-target",
              "action-fields", "parameter-unique"}


def _documents(verdict: str) -> list[Path]:
    folder = TESTS / verdict
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _errors(path: Path) -> tuple[int, list[dict[str, Any]]]:
    outcome = run_validate("--format", "json", str(path))
    diagnostics = json.loads(outcome.stdout)
    assert all(d["rule"] != "internal" for d in diagnostics), diagnostics
    return outcome.exit_code, [d for d in diagnostics if d["severity"] == "error"]


def test_the_official_tests_are_present_and_all_in_the_table() -> None:
    found = {verdict: {p.name for p in _documents(verdict)} for verdict in ("pass", "fail")}
    assert len(found["pass"]) == 35 and len(found["fail"]) == 27, (
        f"the Arazzo 1.1 schema tests were not found at {TESTS}")
    assert found["pass"] == set(TABLE["pass"]) and found["fail"] == set(TABLE["fail"])


@pytest.mark.parametrize("path", _documents("fail"), ids=lambda p: p.name)
def test_failing_document_is_refused(path: Path) -> None:
    expected = TABLE["fail"][path.name]
    code, errors = _errors(path)
    assert code == 1
    assert any(d["line"] == expected["line"] and d["rule"] == expected["rule"]
               for d in errors), errors


@pytest.mark.parametrize("path", _documents("pass"), ids=lambda p: p.name)
def test_passing_document_gets_only_the_listed_semantic_errors(path: Path) -> None:
    listed = {(line, rule) for line, rule, _why in TABLE["pass"][path.name]}
    assert not {rule for _, rule in listed} & STRUCTURAL
    code, errors = _errors(path)
    assert {(d["line"], d["rule"]) for d in errors} == listed, errors
    assert code == (1 if listed else 0)


def test_the_official_schema_gives_the_verdicts_we_compare_against() -> None:
    schema = yaml.safe_load(OFFICIAL_SCHEMA.read_text())
    validator = Draft202012Validator(schema)
    for verdict in ("pass", "fail"):
        for path in _documents(verdict):
            valid = validator.is_valid(yaml.safe_load(path.read_text()))
            assert valid == (verdict == "pass"), path.name

"""The official Arazzo 1.1 schema tests through ``arazzo validate``, table-driven.

The 62 documents are fetched data, kept beside the clone (``../shared/conformance/
oai-arazzo-1.1-schema-tests/``; the tests skip, or fail under ARAZZO_REQUIRE_SHARED=1, without
them); ``conformance-1.1.yaml`` says what each must get. The official 1.1 JSON Schema beside them
is checked too, so the verdicts we compare against are its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from _shared import needs_shared, shared, shared_params
from jsonschema import Draft202012Validator

from ._cli import run_validate

PARTS = ("conformance", "oai-arazzo-1.1-schema-tests")
SCHEMA_PARTS = ("reference", "arazzo-spec", "schema-1.1-dev.yaml")
TABLE = yaml.safe_load((Path(__file__).parent / "conformance-1.1.yaml").read_text())
#: Rules that say what the JSON Schema says; a pass document never gets one of their errors.
STRUCTURAL = {"schema", "output-key-pattern", "component-key-pattern", "step-target",
              "action-fields", "parameter-unique"}


def _documents(verdict: str) -> list[Path]:
    return sorted((shared(*PARTS) / verdict).iterdir())


def _params(verdict: str) -> list[object]:
    return shared_params(PARTS, lambda _root: _documents(verdict), ids=lambda p: p.name)


def _errors(path: Path) -> tuple[int, list[dict[str, Any]]]:
    outcome = run_validate("--format", "json", str(path))
    diagnostics = json.loads(outcome.stdout)
    assert all(d["rule"] != "internal" for d in diagnostics), diagnostics
    return outcome.exit_code, [d for d in diagnostics if d["severity"] == "error"]


@needs_shared(*PARTS)
def test_the_official_tests_are_present_and_all_in_the_table() -> None:
    found = {verdict: {p.name for p in _documents(verdict)} for verdict in ("pass", "fail")}
    assert len(found["pass"]) == 35 and len(found["fail"]) == 27
    assert found["pass"] == set(TABLE["pass"]) and found["fail"] == set(TABLE["fail"])


@pytest.mark.parametrize("path", _params("fail"))
def test_failing_document_is_refused(path: Path) -> None:
    expected = TABLE["fail"][path.name]
    code, errors = _errors(path)
    assert code == 1
    assert any(d["line"] == expected["line"] and d["rule"] == expected["rule"]
               for d in errors), errors


@pytest.mark.parametrize("path", _params("pass"))
def test_passing_document_gets_only_the_listed_semantic_errors(path: Path) -> None:
    listed = {(line, rule) for line, rule, _why in TABLE["pass"][path.name]}
    assert not {rule for _, rule in listed} & STRUCTURAL
    code, errors = _errors(path)
    assert {(d["line"], d["rule"]) for d in errors} == listed, errors
    assert code == (1 if listed else 0)


@needs_shared(*PARTS)
@needs_shared(*SCHEMA_PARTS)
def test_the_official_schema_gives_the_verdicts_we_compare_against() -> None:
    schema = yaml.safe_load(shared(*SCHEMA_PARTS).read_text())
    validator = Draft202012Validator(schema)
    for verdict in ("pass", "fail"):
        for path in _documents(verdict):
            valid = validator.is_valid(yaml.safe_load(path.read_text()))
            assert valid == (verdict == "pass"), path.name

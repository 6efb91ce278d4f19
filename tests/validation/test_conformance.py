"""The OAI schema-test fixtures run through the CLI, and our own documents covering the same cases.

The OAI fixtures are fetched data, kept beside the clone (``../shared/conformance/...``; the tests
skip, or fail under ARAZZO_REQUIRE_SHARED=1, without them), with an
``expect.yaml`` each: a failing one must exit 1 (or a listed code) with an error on ``line`` or
one of ``alt_lines``; a passing one may have errors only on its ``tolerated_lines`` (their sources
are not resolvable, so a semantic validator may flag what the schema tests let through).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from _shared import needs_shared, shared, shared_params

from arazzo_engine.validation import validate_document

from ._cli import run_validate
from ._marks import expectations

PARTS = ("conformance", "oai-arazzo-schema-tests")
OWN = Path(__file__).resolve().parent / "documents" / "conformance"


def _fixtures(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if (p / "expect.yaml").is_file())


@needs_shared(*PARTS)
def test_oai_fixtures_are_present() -> None:
    assert _fixtures(shared(*PARTS)), f"no OAI schema-test fixtures in {shared(*PARTS)}"


@pytest.mark.parametrize("folder", shared_params(PARTS, _fixtures, ids=lambda p: p.name))
def test_oai_fixture(folder: Path) -> None:
    expect = yaml.safe_load((folder / "expect.yaml").read_text())
    outcome = run_validate("--format", "json", str(folder / expect["entry"]))
    diagnostics = json.loads(outcome.stdout)
    errors = [d for d in diagnostics if d["severity"] == "error"]
    if expect["verdict"] == "fail":
        assert outcome.exit_code in expect.get("exit", [1])
        lines = {expect["line"], *expect.get("alt_lines", [])}
        assert any(d["line"] in lines for d in errors), (lines, diagnostics)
    else:
        tolerated = set(expect.get("tolerated_lines", []))
        stray = [d for d in errors if d["line"] not in tolerated]
        assert not stray, stray
        assert outcome.exit_code in (0, 1)
    assert all(d["rule"] != "internal" for d in diagnostics)


@pytest.mark.parametrize("path", sorted(OWN.glob("fail-*.yaml")), ids=lambda p: p.stem)
def test_own_failing_case(path: Path) -> None:
    report = validate_document(path, root=OWN.parent)
    marks = expectations(path)
    assert marks
    for mark in marks:
        assert any(d.line == mark.line and d.rule == mark.rule and d.severity == "error"
                   for d in report.diagnostics), (mark, report.diagnostics)
    assert {d.line for d in report.errors} <= {m.line for m in marks}


@pytest.mark.parametrize("path", sorted(OWN.glob("pass-*.yaml")), ids=lambda p: p.stem)
def test_own_passing_case(path: Path) -> None:
    report = validate_document(path, root=OWN.parent)
    assert report.diagnostics == ()


@needs_shared(*PARTS, "rel-pass-pet-coupons-example")
def test_pet_coupons_status_code_on_workflow_steps_is_a_warning_on_tolerated_lines() -> None:
    folder = shared(*PARTS, "rel-pass-pet-coupons-example")
    expect = yaml.safe_load((folder / "expect.yaml").read_text())
    report = validate_document(folder / expect["entry"])
    found = [d for d in report.diagnostics if d.rule == "exchange-unavailable"]
    assert {(d.line, d.severity) for d in found} == {(54, "warning"), (87, "warning")}
    assert {d.line for d in found} <= set(expect["tolerated_lines"])

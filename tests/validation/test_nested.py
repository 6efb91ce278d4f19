"""Arazzo source descriptions are validated too, each diagnostic placed in its own file."""

from __future__ import annotations

from pathlib import Path

from arazzo_engine.document import load_bundle
from arazzo_engine.validation import validate_document

from ._marks import expectations

DOCUMENTS = Path(__file__).resolve().parent / "documents"
NESTED = DOCUMENTS / "nested"
ENTRY = NESTED / "entry.yaml"


def _marked(folder: Path) -> set[tuple[Path, int, str]]:
    return {(path.resolve(), mark.line, mark.rule)
            for path in folder.glob("*.yaml") for mark in expectations(path)}


def test_every_arazzo_document_reports_in_its_own_file() -> None:
    report = validate_document(ENTRY, root=DOCUMENTS)
    got = {(Path(d.file).resolve(), d.line, d.rule) for d in report.diagnostics}
    assert got == _marked(NESTED)


def test_entry_diagnostics_come_first_then_sources_in_loading_order() -> None:
    report = validate_document(ENTRY, root=DOCUMENTS)
    files = [Path(d.file).name for d in report.diagnostics]
    assert files == ["entry.yaml"] * 2 + ["child.arazzo.yaml"] * 2 + ["grandchild.arazzo.yaml"]
    child = [d for d in report.diagnostics if d.file.endswith("child.arazzo.yaml")
             and "grandchild" not in d.file]
    assert [d.line for d in child] == sorted(d.line for d in child)


def test_cycles_and_self_references_validate_each_document_once() -> None:
    bundle = load_bundle(ENTRY, root=DOCUMENTS)
    report = validate_document(bundle)
    assert len(report.diagnostics) == len({(d.file, d.line, d.rule) for d in report.diagnostics})
    assert len(report.diagnostics) == 5


def test_a_nested_document_is_validated_when_entered_from_the_middle() -> None:
    report = validate_document(NESTED / "grandchild.arazzo.yaml", root=DOCUMENTS)
    got = {(Path(d.file).resolve(), d.line, d.rule) for d in report.diagnostics}
    assert got == _marked(NESTED)
    assert Path(report.diagnostics[0].file).name == "grandchild.arazzo.yaml"


def test_a_nested_source_outside_root_is_reported_not_read() -> None:
    report = validate_document(ENTRY, root=NESTED)
    problems = [d for d in report.diagnostics if d.rule == "source-load"]
    assert problems and all(d.file.endswith("child.arazzo.yaml") for d in problems)
    assert all("outside" in d.message for d in problems)

"""Every rule has a failing and a passing document; the failing one marks where each
diagnostic must be (``# expect: rule-id``) and nothing else of that rule may appear."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from arazzo_engine.validation import RULES, SCHEMA_RULES, validate_document
from arazzo_engine.validation._formats import EXTRA_RULES

from ._marks import expectations, is_strict

RULE_DOCUMENTS = Path(__file__).resolve().parent / "documents" / "rules"
ROOT = RULE_DOCUMENTS.parent
FAILING = sorted(RULE_DOCUMENTS.glob("*/fail*.yaml"))
PASSING = sorted(RULE_DOCUMENTS.glob("*/pass*.yaml"))


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def _validate(path: Path):
    return validate_document(path, strict=is_strict(path), root=ROOT)


def _marked_files(path: Path) -> list[Path]:
    """The failing document and the helper files beside it (OpenAPI descriptions whose own
    lines carry marks, for rules that report inside them)."""
    helpers = [p for p in sorted(path.parent.glob("*.yaml"))
               if not p.name.startswith(("fail", "pass"))]
    return [path, *helpers]


@pytest.mark.parametrize("path", FAILING, ids=_id)
def test_failing_document_reports_exactly_the_marked_lines(path: Path) -> None:
    expected = [(file.resolve(), mark) for file in _marked_files(path)
                for mark in expectations(file)]
    assert expected, f"{path} marks no expected diagnostic"
    report = _validate(path)
    got = {(Path(d.file).resolve(), d.line, d.rule, d.severity) for d in report.diagnostics}
    for file, mark in expected:
        assert any(where == file and line == mark.line and rule == mark.rule
                   and (mark.severity is None or severity == mark.severity)
                   for where, line, rule, severity in got), (
            f"no {mark.rule} on line {mark.line} of {file.name}; got:\n"
            + "\n".join(map(str, report.diagnostics)))
    marked = {(file, m.line, m.rule) for file, m in expected}
    rules = {m.rule for _, m in expected}
    stray = [d for d in report.diagnostics if d.rule in rules
             and (Path(d.file).resolve(), d.line, d.rule) not in marked]
    assert not stray, "unmarked diagnostics:\n" + "\n".join(map(str, stray))
    assert not [d for d in report.diagnostics if d.rule == "internal"]


@pytest.mark.parametrize("path", PASSING, ids=_id)
def test_passing_document_has_no_diagnostic_at_all(path: Path) -> None:
    report = _validate(path)
    assert report.diagnostics == (), "\n".join(map(str, report.diagnostics))


def test_every_rule_has_a_failing_and_a_passing_document() -> None:
    folders = {p.name for p in RULE_DOCUMENTS.iterdir() if p.is_dir()}
    missing = sorted((set(RULES) | set(SCHEMA_RULES)) - folders)
    assert not missing, f"rules without documents: {missing}"
    for name in folders:
        assert list((RULE_DOCUMENTS / name).glob("fail*.yaml")), name
        assert list((RULE_DOCUMENTS / name).glob("pass*.yaml")), name
    assert folders <= set(RULES) | set(SCHEMA_RULES), folders - set(RULES) - set(SCHEMA_RULES)


def test_every_rule_is_documented_in_rules_md() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "rules.md").read_text()
    undocumented = [r for r in [*RULES, *SCHEMA_RULES] if f"`{r}`" not in text]
    assert not undocumented


def _rule_rows() -> dict[str, str]:
    """`| `id` | severity | ...` rows of docs/rules.md's rule tables (the parity tables after
    them name other tools' rules): id -> severity column."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "rules.md").read_text()
    tables = text.split("## Parity with Spectral and Redocly")[0] + \
        text.split("## Outside any rule")[1]
    return dict(re.findall(r"^\| `([a-z0-9-]+)` \| ([^|]+) \|", tables, re.MULTILINE))


def test_every_rule_has_its_row_in_rules_md_with_its_severity() -> None:
    rows = _rule_rows()
    known = {*RULES, *SCHEMA_RULES, *EXTRA_RULES}
    assert sorted(known - set(rows)) == [], "rules without a row in docs/rules.md"
    assert sorted(set(rows) - known) == [], "rows in docs/rules.md naming no rule"
    for rule in RULES.values():
        severity = rows[rule.id]
        assert rule.severity in severity, (rule.id, rule.severity, severity)
        assert ("strict" in severity) == rule.strict_only, (rule.id, severity)

"""``arazzo validate``: exit codes, the three output formats, unreadable and hostile files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ._cli import run_validate

DOCUMENTS = Path(__file__).resolve().parent / "documents"
VALID = DOCUMENTS / "rules" / "schema" / "pass.yaml"
INVALID = DOCUMENTS / "rules" / "step-id-unique" / "fail.yaml"
WARNS = DOCUMENTS / "rules" / "id-pattern" / "fail.yaml"
TEXT_LINE = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning): "
                       r"(?P<msg>.+) \[(?P<rule>[a-z-]+)\]$")


def test_valid_document_exits_0_and_prints_nothing() -> None:
    outcome = run_validate(str(VALID))
    assert outcome.exit_code == 0
    assert outcome.stdout == ""
    assert "0 error(s)" in outcome.stderr


def test_warnings_alone_exit_0() -> None:
    outcome = run_validate(str(WARNS))
    assert outcome.exit_code == 0
    assert "warning:" in outcome.stdout


def test_errors_exit_1_with_file_line_column_lines() -> None:
    outcome = run_validate(str(INVALID))
    assert outcome.exit_code == 1
    lines = outcome.stdout.splitlines()
    assert lines
    for line in lines:
        match = TEXT_LINE.match(line)
        assert match, line
    first = TEXT_LINE.match(lines[0])
    assert first and first["rule"] == "step-id-unique" and first["line"] == "14"


def test_json_lists_diagnostics_with_every_field() -> None:
    outcome = run_validate("--format", "json", str(INVALID))
    data = json.loads(outcome.stdout)
    assert outcome.exit_code == 1
    assert data == [{
        "severity": "error", "rule": "step-id-unique",
        "message": "stepId `list` is used by more than one step of workflow `twice`",
        "file": str(INVALID), "line": 14, "column": 9,
        "pointer": "/workflows/0/steps/1/stepId",
    }]


def test_sarif_is_a_2_1_0_log_with_rules_and_regions() -> None:
    outcome = run_validate("--format", "sarif", str(INVALID), str(WARNS))
    log = json.loads(outcome.stdout)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert "step-id-unique" in ids and "id-pattern" in ids
    result = run["results"][0]
    assert result["level"] == "error"
    assert ids[result["ruleIndex"]] == result["ruleId"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 14, "startColumn": 9}
    assert {r["level"] for r in run["results"]} == {"error", "warning"}


def test_several_files_report_together() -> None:
    outcome = run_validate("--format", "json", str(VALID), str(INVALID), str(WARNS))
    files = {d["file"] for d in json.loads(outcome.stdout)}
    assert files == {str(INVALID), str(WARNS)}
    assert outcome.exit_code == 1


def test_missing_file_exits_2(tmp_path: Path) -> None:
    outcome = run_validate(str(tmp_path / "nope.yaml"), str(INVALID))
    assert outcome.exit_code == 2
    assert "[document]" in outcome.stdout
    assert "[step-id-unique]" in outcome.stdout  # the readable file is still reported


@pytest.mark.parametrize(("text", "line"), [
    ("arazzo: 1.0.1\ninfo:\n  title: a\n  title: b\n", 4),  # duplicate key
    ("arazzo: 1.0.1\ninfo: {title: [unclosed\n", 3),  # malformed
], ids=["duplicate-key", "malformed"])
def test_unparsable_yaml_exits_2_with_its_position(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    outcome = run_validate(str(path))
    assert outcome.exit_code == 2
    match = TEXT_LINE.match(outcome.stdout.splitlines()[0])
    assert match and match["rule"] == "document" and int(match["line"]) == line, outcome.stdout


def test_alias_bomb_exits_2_without_exhausting_memory(tmp_path: Path) -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(10))}]" for i in range(1, 9)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(levels) + "\n")
    outcome = run_validate(str(path))
    assert outcome.exit_code == 2
    assert "[document]" in outcome.stdout and "bomb.yaml:" in outcome.stdout


def test_deep_nesting_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 5000 + "]" * 5000)
    outcome = run_validate(str(path))
    assert outcome.exit_code == 2
    assert "[document]" in outcome.stdout

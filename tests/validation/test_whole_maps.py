"""An expression names one value: `$steps.x.outputs`, `$workflows.w.outputs` and `$inputs`
alone are errors whose hint says how to name one (docs/semantics.md, Part III)."""

from __future__ import annotations

from pathlib import Path

import pytest

from arazzo_engine.validation import validate_document

RULES = Path(__file__).resolve().parent / "documents" / "rules"


@pytest.mark.parametrize(("document", "rule", "message", "hint"), [
    ("step-output-ref/fail-whole-outputs.yaml", "step-output-ref",
     "`$steps.list.outputs` names no output: the spec's expressions name one output",
     "name one: `$steps.list.outputs.count`, `$steps.list.outputs.pets`"),
    ("workflow-ref/fail-whole-outputs.yaml", "workflow-ref",
     "`$workflows.child.outputs` names no output",
     "name one: `$workflows.child.outputs.pets`"),
    ("expression-syntax/fail-bare-root.yaml", "expression-syntax",
     "invalid runtime expression",
     "`$inputs` alone names no value: an expression names one, as in `$inputs.<name>`"),
])
def test_a_whole_map_is_an_error_with_a_hint(document: str, rule: str, message: str,
                                             hint: str) -> None:
    report = validate_document(RULES / document, root=RULES.parent)
    [found] = [d for d in report.diagnostics if d.rule == rule]
    assert found.severity == "error"
    assert message in found.message
    assert found.hint == hint

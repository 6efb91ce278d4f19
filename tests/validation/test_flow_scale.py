"""Flow rules on large workflows: one readable diagnostic, not a message as long as the document."""

from __future__ import annotations

from pathlib import Path

import yaml

from arazzo_engine.validation import validate_document


def _ring(tmp_path: Path, size: int) -> Path:
    (tmp_path / "api.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n"
        "paths:\n  /x:\n    get:\n      operationId: op\n"
        "      responses: {'200': {description: ok}}\n")
    steps = [{"stepId": f"s{i}", "operationId": "op",
              "onSuccess": [{"name": "next", "type": "goto", "stepId": f"s{(i + 1) % size}"}],
              "outputs": {"x": f"$steps.s{max(i - 1, 0)}.outputs.x"}}
             for i in range(size)]
    document = {"arazzo": "1.0.1", "info": {"title": "ring", "version": "1"},
                "sourceDescriptions": [{"name": "api", "url": "api.yaml", "type": "openapi"}],
                "workflows": [{"workflowId": "w", "steps": steps}]}
    path = tmp_path / "ring.arazzo.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_a_long_loop_is_one_short_warning(tmp_path: Path) -> None:
    report = validate_document(_ring(tmp_path, 400), root=tmp_path)
    loops = [d for d in report.diagnostics if d.rule == "goto-loop"]
    assert len(loops) == 1
    assert "`s0`, `s1`, `s2`, `s3`, `s4`, `s5` and 394 more loop forever" in loops[0].message
    assert len(loops[0].message) < 300
    assert report.ok  # warnings only


def test_a_long_output_reference_is_checked_in_linear_work(tmp_path: Path) -> None:
    # Matching dotted output names once joined every prefix: work grew with the square.
    path = _ring(tmp_path, 2)
    document = yaml.safe_load(path.read_text())
    document["workflows"][0]["outputs"] = {"deep": "$steps.s0.outputs.x" + ".a" * 20_000}
    path.write_text(yaml.safe_dump(document, width=10**7))
    report = validate_document(path, root=tmp_path)
    assert not [d for d in report.diagnostics if d.rule == "step-output-ref"]
    document["workflows"][0]["outputs"] = {"deep": "$steps.s0.outputs.y" + ".a" * 20_000}
    path.write_text(yaml.safe_dump(document, width=10**7))
    missing = [d for d in validate_document(path, root=tmp_path).diagnostics
               if d.rule == "step-output-ref"]
    assert len(missing) == 1 and missing[0].message.endswith("declares no output `y`")
    assert len(missing[0].message) < 200

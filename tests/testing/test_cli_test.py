"""``arazzo test`` as a user runs it: the reference workflow against the simulator."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from testing_helpers import WORKFLOW, reference_args


def test_the_conforming_scenario_passes(simulator, arazzo, tmp_path: Path) -> None:
    sim = simulator("success")
    report = tmp_path / "report.json"
    ran = arazzo(*reference_args(sim.base_url, "--json", str(report)))
    assert ran.code == 0, ran.out + ran.err
    assert "arazzo test passed: 1 workflow(s), 0 failed; 31 checks, 0 failure(s)" in ran.out
    data = json.loads(report.read_text())
    [workflow] = data["workflows"]
    assert workflow["workflowId"] == "trigger-run-and-poll" and workflow["outcome"] == "succeeded"
    checks = {c["check"] for c in workflow["checks"]}
    assert checks == {"success-criteria", "status-code", "content-type", "response-body",
                      "response-headers", "request-parameters", "request-body"}
    assert all(c["passed"] for c in workflow["checks"])


def test_the_drifting_scenario_fails_with_one_line_per_drift(simulator, arazzo,
                                                             tmp_path: Path) -> None:
    sim = simulator("drift")
    report = tmp_path / "report.json"
    ran = arazzo(*reference_args(sim.base_url, "--json", str(report)))
    assert ran.code == 1
    rows = [line for line in ran.out.splitlines() if line.startswith("|")]
    table = "\n".join(rows)
    assert "| triggerRun " in table and "| content-type " in table and "text/plain" in table
    assert "required: href" in table and "/data " in table
    assert "/data/is_complete" in table and 'type: "boolean"' in table
    assert "| status-code " in table and "203" in table
    drift_rows = [r for r in rows[1:] if r.startswith("| ") and "step " not in r]
    assert len([r for r in drift_rows if "success-criteria" not in r]) == 4  # one per drift
    assert "(x3)" in table  # every poll drifted; one row says how often
    data = json.loads(report.read_text())
    failed = [c for c in data["workflows"][0]["checks"] if not c["passed"]]
    body = [c for c in failed if c["check"] == "response-body"]
    assert {c["pointer"] for c in body} == {"/data", "/data/is_complete"}
    status = next(c for c in failed if c["check"] == "status-code")
    assert status["stepId"] == "listArtifacts" and status["actual"] == "203"
    assert status["expected"] == "200, 400, 401, 403, 404, 429, 5XX"
    assert "FAILED: 1 workflow(s), 1 failed" in ran.out


def test_severity_options_change_what_fails(simulator, arazzo, tmp_path: Path) -> None:
    sim = simulator("drift")
    ran = arazzo(*reference_args(sim.base_url, "--severity", "content-type=off",
                                 "--severity", "response-body=warn",
                                 "--json", str(tmp_path / "r.json")))
    assert ran.code == 1  # status-code and the workflow's own failure remain
    checks = json.loads((tmp_path / "r.json").read_text())["workflows"][0]["checks"]
    assert not [c for c in checks if c["check"] == "content-type"]
    body = [c for c in checks if c["check"] == "response-body" and not c["passed"]]
    assert body and all(c["severity"] == "warn" for c in body)
    assert "response-body (warn)" in ran.out


def test_a_step_extension_changes_its_own_severities(simulator, arazzo,
                                                     tmp_path: Path) -> None:
    sim = simulator("drift")
    document = yaml.safe_load(WORKFLOW.read_text())
    steps = document["workflows"][0]["steps"]
    steps[0]["x-arazzo-checks"] = {"content-type": "off"}
    steps[1]["x-arazzo-checks"] = {"response-body": "warn"}
    steps[2]["x-arazzo-checks"] = {"status-code": "off", "success-criteria": "warn"}
    tree = tmp_path / "dbt"  # the catalogue's layout: arazzo/ beside openapi/
    shutil.copytree(WORKFLOW.parents[1], tree)
    copy = tree / "arazzo" / WORKFLOW.name
    copy.write_text(yaml.safe_dump(document, sort_keys=False))
    ran = arazzo(*reference_args(sim.base_url, "--json", str(tmp_path / "r.json"), path=copy))
    checks = json.loads((tmp_path / "r.json").read_text())["workflows"][0]["checks"]
    assert not [c for c in checks if c["stepId"] == "triggerRun"
                and c["check"] == "content-type"]
    assert not [c for c in checks if c["stepId"] == "listArtifacts"
                and c["check"] == "status-code"]
    assert [c["check"] for c in checks if c["stepId"] == "triggerRun"
            and c["check"] == "status-code"]  # other checks of the step still run
    assert all(c["severity"] == "warn" for c in checks if not c["passed"])
    assert ran.code == 1  # no error-level check failed, but the workflow itself failed
    assert "0 failure(s)" in ran.out


def test_unusable_input_is_exit_2(simulator, arazzo) -> None:
    sim = simulator("success")
    for extra, message in (
        (["--severity", "status=warn"], "unknown check 'status'; did you mean 'status-code'?"),
        (["--severity", "status-code=loud"], "must be error, warn or off"),
        (["--workflow", "nope"], "no workflow nope"),
        (["--input", "colour=red"], "declares no input 'colour'"),
    ):
        ran = arazzo(*reference_args(sim.base_url, *extra))
        assert ran.code == 2, (extra, ran.err)
        assert message in ran.err
        assert not sim.requests  # refused before any request was sent


def test_a_broken_document_is_exit_2(arazzo, tmp_path: Path) -> None:
    broken = tmp_path / "broken.arazzo.yaml"
    broken.write_text("arazzo: 1.0.1\ninfo: [not, an, object]\n")
    ran = arazzo("test", str(broken))
    assert ran.code == 2 and "the document is invalid" in ran.err


def test_the_demo_tests_too(arazzo) -> None:
    passed = arazzo("demo", "--test", "--loop-delay", "0")
    assert passed.code == 0, passed.out + passed.err
    assert "equivalent command: arazzo test " in passed.out
    assert "arazzo test passed" in passed.out
    drifted = arazzo("demo", "--test", "--scenario", "drift", "--loop-delay", "0")
    assert drifted.code == 1
    assert "| triggerRun    | content-type " in drifted.out
    # Each failure line says whose words it quotes: the 203's body message is the API's.
    why = [line.strip() for line in drifted.out.splitlines() if line.strip().startswith("why:")]
    assert len(why) == 2 and all(
        line.endswith('expected == 200); the response says: "Success!"') for line in why), why
    assert not [line for line in drifted.out.splitlines() if line.endswith(": Success!")]
    assert "workflow trigger-run-and-poll: FAILED (the run failed; " in drifted.out


def test_a_malformed_step_extension_is_exit_2(simulator, arazzo, tmp_path: Path) -> None:
    sim = simulator("success")
    document = yaml.safe_load(WORKFLOW.read_text())
    document["workflows"][0]["steps"][0]["x-arazzo-checks"] = {"status": "loud"}
    tree = tmp_path / "dbt"
    shutil.copytree(WORKFLOW.parents[1], tree)
    copy = tree / "arazzo" / WORKFLOW.name
    copy.write_text(yaml.safe_dump(document, sort_keys=False))
    ran = arazzo(*reference_args(sim.base_url, path=copy))
    assert ran.code == 2
    assert "step 'triggerRun'" in ran.err and "unknown check 'status'" in ran.err
    assert not sim.requests

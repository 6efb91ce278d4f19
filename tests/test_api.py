"""The public Python API: what the CLI does, a program can do."""

from __future__ import annotations

from pathlib import Path

import pytest

import arazzo_engine
from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN, DbtCloudSimulator

REPO = Path(__file__).resolve().parents[1]
DBT_WORKFLOW = REPO / "specs" / "dbt" / "arazzo" / "dbt-trigger-run-and-poll-workflow.yml"
DEMO_INPUTS = {"accountId": DEMO_ACCOUNT_ID, "jobId": DEMO_JOB_ID, "token": DEMO_TOKEN}


def test_exported_names_are_sorted_and_real() -> None:
    names = arazzo_engine.__all__
    assert names == sorted(names)
    # "@py_builtins" and the like: pytest rewrites the modules of a distribution that ships a
    # pytest plugin (ours: arazzo_engine.pytest_plugin), and adds its helpers to them
    public = {n for n in dir(arazzo_engine) if not n.startswith(("_", "@"))}
    assert public - {"errors", "document", "expressions", "executor", "validation", "openapi",
                     "simulator", "cli", "annotations", "outline", "testing",
                     "pytest_plugin", "asyncapi", "store", "temporal"} <= set(names)
    for name in names:
        assert hasattr(arazzo_engine, name), name


def test_load_validate_and_run_the_reference_workflow() -> None:
    document = arazzo_engine.load(DBT_WORKFLOW)
    assert document.workflow_ids == ["trigger-run-and-poll"]
    assert document.validate().ok
    with DbtCloudSimulator("success") as simulator:
        options = arazzo_engine.RunOptions(servers={"dbtAdminApi": simulator.base_url},
                                           loop_delay=0)
        result = document.run(inputs=DEMO_INPUTS, options=options)
    assert result.outcome == "succeeded"
    assert result.outputs["finalStatus"] == 10
    assert "manifest.json" in result.outputs["artifacts"]
    assert [s.step_id for s in result.steps] == ["triggerRun", "pollRun", "pollRun", "pollRun",
                                                "listArtifacts"]


def test_run_shortcut_refuses_an_invalid_document(tmp_path: Path) -> None:
    broken = tmp_path / "broken.arazzo.yaml"
    broken.write_text(
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\nsourceDescriptions: []\n"
        "workflows:\n  - workflowId: w\n    steps:\n      - stepId: a\n"
        "        workflowId: nowhere\n")
    with pytest.raises(arazzo_engine.ValidationFailed) as caught:
        arazzo_engine.run(broken)
    assert any(d.rule == "workflow-target" or "nowhere" in d.message
               for d in caught.value.diagnostics)
    assert not arazzo_engine.validate(broken).ok


def test_unreadable_documents_raise_document_error(tmp_path: Path) -> None:
    with pytest.raises(arazzo_engine.DocumentError):
        arazzo_engine.load(tmp_path / "absent.yaml")


def test_a_document_is_validated_once_per_strictness() -> None:
    document = arazzo_engine.load(DBT_WORKFLOW)
    assert document.validate() is document.validate()
    strict = document.validate(strict=True)
    assert strict is not document.validate()
    assert {d.rule for d in strict.warnings} >= {"bare-expression", "jsonpath-comparison"}


def test_runs_of_one_document_check_the_inputs_schema_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from jsonschema import Draft202012Validator

    checked: list[object] = []
    original = Draft202012Validator.check_schema.__func__  # type: ignore[attr-defined]

    def counting(cls: type, schema: object, *args: object, **kwargs: object) -> None:
        checked.append(schema)
        original(cls, schema, *args, **kwargs)

    monkeypatch.setattr(Draft202012Validator, "check_schema", classmethod(counting))
    document = arazzo_engine.load(DBT_WORKFLOW)
    with DbtCloudSimulator("success") as simulator:
        options = arazzo_engine.RunOptions(servers={"dbtAdminApi": simulator.base_url},
                                           loop_delay=0)
        for _ in range(3):
            result = document.run(inputs=DEMO_INPUTS, options=options, validate=False)
            assert result.outcome == "succeeded"
    inputs_schema = document.data["workflows"][0]["inputs"]
    assert 1 <= sum(schema is inputs_schema for schema in checked) <= 2

"""``arazzo list``, ``describe`` and ``graph``: their text and JSON output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arazzo_engine.cli import EXIT_OK, EXIT_USAGE, main

ROOT = Path(__file__).resolve().parents[2]
DBT = ROOT / "specs" / "dbt" / "arazzo" / "dbt-trigger-run-and-poll-workflow.yml"
PETS = ROOT / "specs" / "examples" / "pet-coupons.arazzo.yaml"


@pytest.fixture(autouse=True)
def _elsewhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # the dbt catalogue's ../openapi/ resolves from any folder


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_list_shows_workflows_and_their_inputs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "list", str(DBT), str(PETS))
    assert code == EXIT_OK
    lines = out.splitlines()
    assert lines[:8] == [
        str(DBT),
        "  trigger-run-and-poll  (3 steps)",
        "    Trigger a job run and poll it to a successful completion, then fetch artifacts.",
        "    inputs:",
        "      accountId  integer  required  The dbt Cloud account id that owns the job.",
        "      jobId      integer  required  The id of the job to trigger a run for.",
        "      token      string   required  secret. The dbt Cloud service token (sent as "
        "Authorization Bearer Token).",
        '      cause      string   optional  default "Triggered via Arazzo workflow". '
        "A human-readable reason for triggering the run.",
    ]
    assert "      quantity    integer  optional  default 1" in lines
    assert "  buy-available-pet  (2 steps)" in lines


def test_list_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "list", str(DBT), "--format", "json")
    assert code == EXIT_OK
    [document] = json.loads(out)
    [workflow] = document["workflows"]
    assert document["document"] == str(DBT)
    assert workflow["workflowId"] == "trigger-run-and-poll" and workflow["stepCount"] == 3
    assert [(i["name"], i["required"], i.get("default")) for i in workflow["inputs"]] == [
        ("accountId", True, None), ("jobId", True, None), ("token", True, None),
        ("cause", False, "Triggered via Arazzo workflow")]


def test_list_goes_on_past_an_unreadable_document_and_exits_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("arazzo: [unclosed\n")
    code, out, err = _run(capsys, "list", str(broken), str(DBT), "--format", "json")
    assert code == EXIT_USAGE
    listed = json.loads(out)
    assert "error" in listed[0] and listed[1]["workflows"][0]["workflowId"]
    assert err.startswith(f"arazzo list: {broken}:")


def test_describe_a_workflow_step_by_step(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "describe", str(DBT))
    assert code == EXIT_OK
    assert ("    2. pollRun: GET /api/v2/accounts/{accountId}/runs/{runId}/  "
            "(dbtAdminApi, operationId getRun)") in out
    assert """       on success (the first that matches):
         runSucceeded: goto step listArtifacts when $.data.status == 10 (jsonpath on $response.body)
         runFailed: end when $.data.status == 20 || $.data.status == 30 (jsonpath on $response.body)
         keepPolling: goto step pollRun (loop) when $.data.status < 10 (jsonpath on $response.body)
         otherwise: next step (listArtifacts)
       on failure: the workflow fails
""" in out
    assert "       request body (application/json): {\"cause\": \"$inputs.cause\"}" in out
    assert "    finalStatus: $steps.pollRun.outputs.status" in out


def test_describe_one_of_several_workflows(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "describe", str(PETS), "--workflow", "buy-available-pet")
    assert code == EXIT_OK
    assert out.startswith(f"workflow buy-available-pet  ({PETS})\n")
    assert "\nworkflow place-order" not in out
    assert "         query page: 1  [$components.parameters.page]" in out
    assert "    2. order: runs workflow place-order" in out


def test_describe_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "describe", str(DBT), "--format", "json")
    assert code == EXIT_OK
    [workflow] = json.loads(out)
    assert [s["operation"]["method"] for s in workflow["steps"]] == ["POST", "GET", "GET"]


@pytest.mark.parametrize("command", ["describe", "graph"])
def test_an_unknown_workflow_is_a_usage_error(command: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, command, str(PETS), "--workflow", "nope")
    assert code == EXIT_USAGE and out == ""
    assert err == (f"arazzo {command}: no workflow 'nope' (the document has: order-with-coupon, "
                   "buy-available-pet, place-order)\n")


@pytest.mark.parametrize("command", ["list", "describe", "graph"])
def test_a_missing_file_is_a_usage_error(command: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, command, "no/such/file.yaml")
    assert code == EXIT_USAGE
    assert err.startswith(f"arazzo {command}: ") and "Traceback" not in err


def test_graph_formats(capsys: pytest.CaptureFixture[str]) -> None:
    code, mermaid, _ = _run(capsys, "graph", str(DBT))
    assert code == EXIT_OK and mermaid.startswith("flowchart TD\n")
    assert '  w0_s1 ==>|"keepPolling: $.data.status #lt; 10"| w0_s1\n' in mermaid
    code, dot, _ = _run(capsys, "graph", str(DBT), "--format", "dot")
    assert code == EXIT_OK and dot.startswith("digraph arazzo {\n")
    code, text, _ = _run(capsys, "graph", str(PETS), "--workflow", "order-with-coupon",
                         "--format", "json")
    graph = json.loads(text)
    assert [c["workflowId"] for c in graph["clusters"]] == ["order-with-coupon", "place-order"]

"""Graph edges follow the executor's rules: first match wins, fallbacks, loops, clusters."""

from __future__ import annotations

import itertools
import json

import pytest

import arazzo_engine
from arazzo_engine import RunOptions
from arazzo_engine.outline import EDGE_KINDS, NODE_KINDS, FlowGraph
from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN, DbtCloudSimulator


def _edges(graph: FlowGraph, source: str) -> list[tuple[str, str, str]]:
    """(kind, target label, edge label) for each edge leaving step ``source`` (or ``start``)."""
    node_ids = {n.id for n in graph.nodes
                if n.step_id == source or (source == "start" and n.kind == "start")}
    return [(e.kind, graph.node(e.target).label, e.label) for e in graph.edges
            if e.source in node_ids]


def test_the_dbt_polling_loop_its_end_and_its_fallbacks(
        dbt: arazzo_engine.ArazzoDocument) -> None:
    graph = dbt.graph()
    assert [c.workflow_id for c in graph.clusters] == ["trigger-run-and-poll"]
    assert _edges(graph, "pollRun") == [
        ("goto", "listArtifacts", "runSucceeded: $.data.status == 10"),
        ("end", "end", "runFailed: $.data.status == 20 || $.data.status == 30"),
        ("loop", "pollRun", "keepPolling: $.data.status < 10"),
        ("next", "listArtifacts", "otherwise"),
        ("fail", "failed", "on failure"),
    ]
    assert _edges(graph, "start") == [("start", "triggerRun", "")]
    assert _edges(graph, "listArtifacts") == [("next", "end", ""), ("fail", "failed",
                                                                    "on failure")]
    poll = next(n for n in graph.nodes if n.label == "pollRun")
    assert poll.detail == "GET /api/v2/accounts/{accountId}/runs/{runId}/"


def test_an_action_without_criteria_hides_the_ones_after_it_unless_it_is_a_retry(
        shop: arazzo_engine.ArazzoDocument) -> None:
    graph = shop.graph("buy")
    assert _edges(graph, "end") == [
        ("loop", "end", 'stillFilling: $.state != "ready"'),
        ("goto", "pay", "ready"),  # no criteria: neverReached and the fallback never happen
        ("retry", "create", "on failure: refill retry up to 2 times, running create first"),
        # A used-up retry is skipped, so the inherited giveUp is reached; it always matches.
        ("end", "failed", "on failure: giveUp"),
    ]


def test_retries_inherited_actions_and_goto_workflow(shop: arazzo_engine.ArazzoDocument) -> None:
    graph = shop.graph("buy")
    assert _edges(graph, "create") == [
        ("end", "end", "celebrate: $statusCode == 299"),
        ("next", "end", "otherwise"),
        ("retry", "create", "on failure: backOff retry after 1 s up to 9 times"),
        ("end", "failed", "on failure: giveUp"),
    ]
    pay = _edges(graph, "pay")
    assert pay[0] == ("transfer", "start", "receipt goto workflow: $statusCode == 200")
    assert pay[-2:] == [
        ("retry", "start", "on failure: rescue retry up to 1 time, running workflow log-in first"),
        ("goto", "missing: step nowhere", "on failure: lost")]


def test_reached_workflows_are_clusters_drawn_once(shop: arazzo_engine.ArazzoDocument) -> None:
    graph = shop.graph("buy")
    assert [(c.workflow_id, c.role) for c in graph.clusters] == [
        ("buy", "main"), ("log-in", "dependency"), ("receipt", "goto"),
        ("print-receipt", "called")]
    clusters = {c.workflow_id: c.id for c in graph.clusters}
    edges = {(e.kind, e.source, e.target) for e in graph.edges}
    assert ("dependency", f"{clusters['log-in']}_end", f"{clusters['buy']}_start") in edges
    step = next(n for n in graph.nodes if n.label == "print")
    assert step.kind == "workflow-step" and step.detail == "runs workflow print-receipt"
    assert ("call", step.id, f"{clusters['print-receipt']}_start") in edges
    assert ("return", f"{clusters['print-receipt']}_end", step.id) in edges
    for cluster in graph.clusters:
        assert sum(n.kind == "start" for n in graph.nodes_in(cluster.id)) == 1


def test_every_workflow_when_none_is_chosen(shop: arazzo_engine.ArazzoDocument) -> None:
    assert len(shop.graph().clusters) == 4


def test_a_target_the_document_lacks_is_a_missing_node(tmp_path: object) -> None:
    from pathlib import Path

    import yaml

    path = Path(str(tmp_path)) / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump({
        "arazzo": "1.0.1", "info": {"title": "t", "version": "1"}, "sourceDescriptions": [],
        "workflows": [{"workflowId": "w", "steps": [
            {"stepId": "a", "workflowId": "ghost",
             "onSuccess": [{"name": "jump", "type": "goto", "stepId": "nowhere"}]}]}]}))
    graph = arazzo_engine.load(path).graph()
    missing = [n.label for n in graph.nodes if n.kind == "missing"]
    assert missing == ["missing: workflow ghost", "missing: step nowhere"]


def test_the_json_form_names_only_known_kinds(shop: arazzo_engine.ArazzoDocument) -> None:
    data = json.loads(json.dumps(shop.graph().to_dict()))
    assert {n["kind"] for n in data["nodes"]} <= set(NODE_KINDS)
    assert {e["kind"] for e in data["edges"]} <= set(EDGE_KINDS)
    ids = {n["id"] for n in data["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in data["edges"])
    loop = next(e for e in data["edges"] if e["kind"] == "loop")
    assert loop["criteria"] == [{"condition": '$.state != "ready"', "type": "jsonpath",
                                 "context": "$response.body"}]


@pytest.mark.parametrize("scenario", ["success", "error", "cancelled"])
def test_every_transition_of_a_real_run_is_an_edge_of_its_graph(
        dbt: arazzo_engine.ArazzoDocument, scenario: str) -> None:
    graph = dbt.graph()
    with DbtCloudSimulator(scenario) as simulator:
        result = dbt.run(inputs={"accountId": DEMO_ACCOUNT_ID, "jobId": DEMO_JOB_ID,
                                 "token": DEMO_TOKEN},
                         options=RunOptions(servers={"dbtAdminApi": simulator.base_url},
                                            loop_delay=0, trust_env=False))
    assert result.succeeded
    by_step = {n.step_id: n.id for n in graph.nodes if n.step_id}
    path = ["w0_start", *(by_step[s.step_id] for s in result.steps), "w0_end"]
    edges = {(e.source, e.target) for e in graph.edges}
    assert all(pair in edges for pair in itertools.pairwise(path)), path
    assert len(result.steps) > 3  # it polled: the loop edge was taken

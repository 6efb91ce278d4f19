"""A polling loop keeps only the latest outputs of each step in the state; every execution is
streamed out to a history (the run store, or a temporary file) and read back for the result."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

import yaml
from local_http import LocalServer, Reply, arazzo_doc, openapi_doc

from arazzo_engine.executor import ManualClock, RunOptions, run_workflow
from arazzo_engine.executor._history import SpillHistory
from arazzo_engine.store import RunStore, StoredSteps

BIG = 200_000  # characters of one output field, every poll


def _flow(tmp_path: Path, server: LocalServer, polls: int) -> Path:
    seen = {"n": 0}

    def status(_seen: Any) -> Reply:
        seen["n"] += 1
        return Reply(200, {"done": seen["n"] >= polls, "blob": "x" * BIG})

    server.route("GET", "/status", status)
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(openapi_doc(
        server.url, {"id": "status", "path": "/status"})))
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump(arazzo_doc({"workflowId": "w", "steps": [{
        "stepId": "poll", "operationId": "status",
        "outputs": {"blob": "$response.body#/blob", "done": "$response.body#/done"},
        "onSuccess": [{"name": "again", "type": "goto", "stepId": "poll",
                       "criteria": [{"condition": "$response.body#/done == false"}]}]}]})))
    return path


def _run(path: Path, **options: Any) -> Any:
    return run_workflow(path, options=RunOptions(trust_env=False, loop_delay=0, **options),
                        clock=ManualClock())


def test_without_a_store_the_history_spills_to_a_file_and_memory_stays_flat(
        tmp_path: Path, server: LocalServer) -> None:
    path = _flow(tmp_path, server, 150)
    tracemalloc.start()
    try:
        result = _run(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(result.steps, SpillHistory)
    assert len(result.steps) == 150
    assert all(len(step.outputs["blob"]) == BIG for step in result.steps)
    assert result.steps[-1].outputs["done"] is True
    assert peak < 15 * 1024 * 1024  # 150 polls x 200 kB kept in memory would be 30 MB and more


def test_with_a_store_the_checkpoint_holds_the_latest_outputs_only(
        tmp_path: Path, server: LocalServer) -> None:
    store_path = tmp_path / "runs.db"
    sizes: dict[int, int] = {}
    finished = {"n": 0}

    def observe(event: Any) -> None:
        if event.kind != "step-finished":
            return
        finished["n"] += 1
        if finished["n"] in (2, 55):
            with RunStore(store_path) as store:
                sizes[finished["n"]] = len(json.dumps(store.runs()[0].state))

    path = _flow(tmp_path, server, 60)
    # Every poll committed (no grouping), so that the store read after poll 2 and poll 55
    # holds the checkpoint of exactly that moment.
    result = run_workflow(path, options=RunOptions(trust_env=False, loop_delay=0,
                                                   state=store_path, checkpoint_interval=0),
                          clock=ManualClock(), observer=observe)
    assert isinstance(result.steps, StoredSteps) and len(result.steps) == 60
    assert BIG < sizes[55] < 3 * BIG  # the latest poll's outputs, not 55 of them
    assert abs(sizes[55] - sizes[2]) < 1000
    with RunStore(store_path) as store:
        (run,) = store.runs()
        assert run.status == "succeeded" and run.step_count == 60
    assert result.to_dict()["steps"][0]["stepId"] == "poll"

"""The documents a run carries to its worker rebuild the same program: a run from the snapshot
is the run from the files."""

from __future__ import annotations

import json

import arazzo_engine
from arazzo_engine._resources import specs_dir
from arazzo_engine.executor import Program, RunOptions, run_workflow
from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN, DbtCloudSimulator
from arazzo_engine.temporal._snapshot import bundle_from_snapshot, snapshot_digest, snapshot_of
from arazzo_engine.temporal._wire import options_from_wire, options_to_wire

WORKFLOW = specs_dir() / "dbt" / "arazzo" / "dbt-trigger-run-and-poll-workflow.yml"
INPUTS = {"accountId": DEMO_ACCOUNT_ID, "jobId": DEMO_JOB_ID, "token": DEMO_TOKEN}


def comparable(result: arazzo_engine.RunResult, base_url: str) -> object:
    steps = result.to_dict()["steps"]
    for step in steps:
        step["response"].pop("elapsedMs", None)
        step["response"]["headers"].pop("Date", None)
    return json.loads(json.dumps(steps).replace(base_url, "BASE"))


def test_a_run_from_the_snapshot_equals_the_run_from_the_files() -> None:
    bundle = arazzo_engine.load(WORKFLOW).bundle
    snapshot = json.loads(json.dumps(snapshot_of(bundle)))  # through JSON, as Temporal sends it
    rebuilt = bundle_from_snapshot(snapshot)
    assert snapshot_digest(snapshot_of(rebuilt)) == snapshot_digest(snapshot)
    results = []
    for program in (Program(bundle), Program(rebuilt)):
        with DbtCloudSimulator("success") as simulator:
            options = RunOptions(servers={"dbtAdminApi": simulator.base_url}, loop_delay=0,
                                 trust_env=False)
            result = run_workflow(program, None, INPUTS, options)
            results.append((result.outputs, comparable(result, simulator.base_url)))
    assert results[0] == results[1]
    assert results[0][0]["finalStatus"] == 10


def test_options_cross_the_wire_intact() -> None:
    options = RunOptions(loop_delay=5, max_steps=7, timeout=None, deadline=60.0,
                         servers={"a": "http://x"}, server_variables={"a.v": "1"},
                         follow_redirects=True, verify="/ca.pem", max_retry_wait=9,
                         trust_env=False, expect=("$outputs.a == 1",), loop_delay_max=30)
    assert options_from_wire(json.loads(json.dumps(options_to_wire(options)))) == options

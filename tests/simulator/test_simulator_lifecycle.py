"""Runs move through their scenario's statuses, with every run field consistent on the way."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID

CASES = yaml.safe_load((Path(__file__).parent / "scenario_cases.yaml").read_text())

FLAGS = {  # status -> (humanized, in_progress, is_complete, is_success, is_error, ...)
    1: ("Queued", True, False, False, False, False, False),
    2: ("Starting", True, False, False, False, False, False),
    3: ("Running", True, False, False, False, False, True),
    10: ("Success", False, True, True, False, False, False),
    20: ("Error", False, True, False, True, False, False),
    30: ("Cancelled", False, True, False, False, True, False),
}
FLAG_NAMES = (
    "status_humanized", "in_progress", "is_complete", "is_success", "is_error", "is_cancelled",
    "is_running",
)
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}\+00:00$")
DURATION = re.compile(r"^\d{2,}:[0-5]\d:[0-5]\d$")


def assert_consistent(run: dict[str, Any]) -> None:
    status = run["status"]
    assert dict(zip(FLAG_NAMES, FLAGS[status], strict=True)) == {
        name: run[name] for name in FLAG_NAMES
    }
    assert (run["dequeued_at"] is None) == (status == 1)
    assert (run["started_at"] is None) == (status in (1, 2))
    assert (run["finished_at"] is None) == (status < 10)
    assert (run["status_message"] is not None) == (status in (1, 20))  # queued: says why
    for name in ("created_at", "updated_at", "dequeued_at", "started_at", "finished_at"):
        assert run[name] is None or TIMESTAMP.match(run[name]), (name, run[name])
    for name in ("duration", "queued_duration", "run_duration"):
        assert DURATION.match(run[name]), (name, run[name])
    assert run["artifacts_saved"] is (status in (10, 20))
    assert run["has_docs_generated"] is (status == 10)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_scenario_unfolds_poll_by_poll(launch, case: dict[str, Any]) -> None:
    client = launch(case["scenario"], **case["options"]).client
    triggered = client.trigger()
    assert triggered.status_code == 200
    assert triggered.json()["data"]["status"] == case["trigger"]
    assert_consistent(triggered.json()["data"])
    run_id = triggered.json()["data"]["id"]

    seen = []
    for _ in case["polls"]:
        response = client.get_run(run_id)
        data = response.json()["data"]
        seen.append([response.status_code, data["status"] if data else None])
        if data:
            assert_consistent(data)
    assert seen == case["polls"]


def test_run_carries_the_ids_of_its_account_job_and_trigger(launch) -> None:
    client = launch().client
    run = client.trigger().json()["data"]
    assert run["account_id"] == DEMO_ACCOUNT_ID
    assert run["job_definition_id"] == run["job_id"] == DEMO_JOB_ID
    for name in ("id", "trigger_id", "account_id", "environment_id", "project_id", "job_id"):
        assert type(run[name]) is int and len(str(run[name])) == 14, name
    assert run["href"] == (
        f"https://cloud.getdbt.com/deploy/{DEMO_ACCOUNT_ID}/projects/{run['project_id']}"
        f"/runs/{run['id']}/"
    )


def test_error_run_explains_itself(launch) -> None:
    client = launch("error").client
    run_id = client.new_run_id()
    for _ in range(3):
        run = client.get_run(run_id).json()["data"]
    assert run["status"] == 20
    assert "Database Error" in run["status_message"]


def test_cancelled_run_is_complete_but_not_successful(launch) -> None:
    client = launch("cancelled").client
    run_id = client.new_run_id()
    for _ in range(3):
        run = client.get_run(run_id).json()["data"]
    assert (run["is_complete"], run["is_success"], run["is_cancelled"]) == (True, False, True)


def test_durations_and_timestamps_follow_the_clock(launch, clock) -> None:
    client = launch(clock=clock).client
    created = clock.now
    run_id = client.new_run_id()
    clock.advance(90)
    starting = client.get_run(run_id).json()["data"]
    clock.advance(30)
    running = client.get_run(run_id).json()["data"]
    clock.advance(3600 + 61)
    done = client.get_run(run_id).json()["data"]
    clock.advance(600)
    later = client.get_run(run_id).json()["data"]

    assert starting["created_at"] == "2021-11-26 16:48:41.431645+00:00" == str(created)
    assert starting["queued_duration"] == "00:01:30"
    assert starting["run_duration"] == "00:00:00"
    assert running["run_duration"] == "00:00:00"
    assert running["duration"] == "00:02:00"
    assert done["finished_at"] == "2021-11-26 17:51:42.431645+00:00"
    assert done["run_duration"] == "01:01:01"
    assert done["duration"] == "01:03:01"
    assert later == done, "a finished run no longer changes"


def test_time_mode_moves_runs_by_the_clock_not_by_polls(launch, clock) -> None:
    client = launch(seconds_per_status=10, clock=clock).client
    run_id = client.new_run_id()
    statuses = [client.get_run(run_id).json()["data"]["status"] for _ in range(5)]
    assert statuses == [1, 1, 1, 1, 1]
    clock.advance(10)
    assert client.get_run(run_id).json()["data"]["status"] == 2
    clock.advance(25)
    run = client.get_run(run_id).json()["data"]
    assert run["status"] == 10
    assert run["dequeued_at"] == "2021-11-26 16:48:51.431645+00:00"
    assert run["started_at"] == "2021-11-26 16:49:01.431645+00:00"
    assert run["finished_at"] == "2021-11-26 16:49:11.431645+00:00"


def test_stuck_run_never_leaves_the_queue_even_in_time_mode(launch, clock) -> None:
    client = launch("stuck", seconds_per_status=1, clock=clock).client
    run_id = client.new_run_id()
    clock.advance(7 * 24 * 3600)
    run = client.get_run(run_id).json()["data"]
    assert (run["status"], run["dequeued_at"], run["queued_duration"]) == (1, None, "168:00:00")


def test_overrides_shape_the_run(launch) -> None:
    client = launch().client
    body = {
        "cause": "backfill",
        "git_branch": "feature/x",
        "git_sha": "abc123",
        "dbt_version_override": "1.8.0-latest",
        "steps_override": ["dbt run --select orders"],
        "generate_docs_override": False,
        "threads_override": None,
    }
    run = client.trigger(body=body).json()["data"]
    assert (run["git_branch"], run["git_sha"], run["dbt_version"]) == (
        "feature/x", "abc123", "1.8.0-latest",
    )
    for _ in range(3):
        run = client.get_run(run["id"], include_related="trigger,run_steps").json()["data"]
    assert run["status"] == 10
    assert run["has_docs_generated"] is False
    assert run["trigger"]["cause"] == "backfill"
    assert run["trigger"]["steps_override"] == ["dbt run --select orders"]
    assert run["trigger"]["threads_override"] is None
    assert [step["name"] for step in run["run_steps"]][-1] == "Invoke `dbt run --select orders`"


def test_git_sha_appears_once_the_run_is_running(launch) -> None:
    client = launch().client
    run_id = client.new_run_id()
    shas = [client.get_run(run_id).json()["data"]["git_sha"] for _ in range(3)]
    assert shas[0] is None
    assert shas[1] == shas[2] and re.fullmatch(r"[0-9a-f]{40}", shas[1])


def test_include_related_embeds_only_what_was_asked(launch) -> None:
    client = launch().client
    run_id = client.new_run_id()
    plain = client.get_run(run_id).json()["data"]
    assert not {"trigger", "job", "run_steps"} & plain.keys()
    run = client.get_run(run_id, include_related="job, run_steps").json()["data"]
    assert run["job"]["id"] == DEMO_JOB_ID
    assert [step["status"] for step in run["run_steps"]] == [10, 10, 10, 3]
    assert "trigger" not in run

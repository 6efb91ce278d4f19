"""Every trigger creates a run; runs of one job execute one at a time; the server is threaded."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from arazzo_engine.simulator import DEMO_JOB_ID, DbtCloudSimulator

OTHER_JOB_ID = 70_471_823_410_099


def test_every_post_creates_a_new_run_with_a_new_int64_id(launch) -> None:
    client = launch().client
    runs = [client.trigger().json()["data"] for _ in range(3)]
    ids = [run["id"] for run in runs]
    assert len(set(ids)) == 3
    assert all(type(i) is int and 10**13 <= i < 2**53 for i in ids)
    assert len({run["trigger_id"] for run in runs}) == 3


def test_second_trigger_of_the_same_job_queues_until_the_first_finishes(launch) -> None:
    client = launch().client
    first, second = client.new_run_id(), client.new_run_id()
    assert [client.get_run(second).json()["data"]["status"] for _ in range(4)] == [1, 1, 1, 1]
    assert [client.get_run(first).json()["data"]["status"] for _ in range(3)] == [2, 3, 10]
    assert [client.get_run(second).json()["data"]["status"] for _ in range(3)] == [2, 3, 10]


def test_runs_of_different_jobs_do_not_wait_for_each_other(launch) -> None:
    client = launch(job_ids=(DEMO_JOB_ID, OTHER_JOB_ID)).client
    first, other = client.new_run_id(), client.new_run_id(OTHER_JOB_ID)
    assert client.get_run(other).json()["data"]["status"] == 2
    assert client.get_run(first).json()["data"]["status"] == 2


def test_stuck_run_holds_its_job_queue_forever(launch) -> None:
    client = launch("stuck").client
    first, second = client.new_run_id(), client.new_run_id()
    for _ in range(5):
        client.get_run(first)
    assert client.get_run(second).json()["data"]["status"] == 1


def test_queued_run_starts_on_the_clock_once_the_earlier_one_finishes(launch, clock) -> None:
    client = launch(seconds_per_status=10, clock=clock).client
    first = client.new_run_id()
    clock.advance(5)
    second = client.new_run_id()
    clock.advance(30)
    assert client.get_run(first).json()["data"]["finished_at"] == (
        "2021-11-26 16:49:11.431645+00:00"
    )
    run = client.get_run(second).json()["data"]
    assert run["status"] == 1
    clock.advance(10)
    run = client.get_run(second).json()["data"]
    assert (run["status"], run["dequeued_at"]) == (2, "2021-11-26 16:49:21.431645+00:00")


def test_parallel_clients_each_get_their_own_run(launch) -> None:
    launched = launch()

    def trigger(_: int) -> int:
        with requests.Session() as session:
            session.trust_env = False
            response = session.post(
                f"{launched.simulator.base_url}/api/v2/accounts/"
                f"{launched.simulator.account_id}/jobs/{DEMO_JOB_ID}/run/",
                json={"cause": "parallel"},
                headers=launched.client.auth(),
            )
            return response.json()["data"]["id"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(trigger, range(40)))
    assert len(set(ids)) == 40
    assert sorted(ids) == list(range(min(ids), min(ids) + 40))
    assert len(launched.simulator.requests) == 40


def test_start_stop_and_restart_errors() -> None:
    simulator = DbtCloudSimulator()
    with pytest.raises(RuntimeError, match="not running"):
        _ = simulator.base_url
    with simulator as running:
        assert running.base_url == f"http://127.0.0.1:{running.port}"
        with pytest.raises(RuntimeError, match="already running"):
            running.start()
    simulator.stop()  # stopping twice is harmless
    with simulator:  # and it can serve again
        assert simulator.port > 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"scenario": "flaky"}, "unknown scenario 'flaky'"),
        ({"polls_per_status": 0}, "polls_per_status"),
        ({"seconds_per_status": 0}, "seconds_per_status"),
        ({"rate_limited_polls": -1}, "must not be negative"),
    ],
)
def test_bad_options_are_refused_up_front(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DbtCloudSimulator(**options)

"""The request log records what clients sent and what they got, refusals included."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN, RecordedRequest


def test_log_records_method_path_query_headers_body_and_status(launch) -> None:
    launched = launch()
    client = launched.client
    run_id = client.new_run_id()
    client.get_run(run_id, include_related="trigger,job")
    client.trigger(body={})

    posted, polled, refused = launched.simulator.requests
    assert isinstance(posted, RecordedRequest)
    assert (posted.method, posted.status) == ("POST", 200)
    assert posted.path == f"/api/v2/accounts/{DEMO_ACCOUNT_ID}/jobs/{DEMO_JOB_ID}/run/"
    assert posted.body == {"cause": "Triggered via Arazzo workflow"}
    assert posted.raw_body.startswith(b"{")
    assert posted.headers["authorization"] == f"Bearer {DEMO_TOKEN}"
    assert posted.headers["Content-Type"] == "application/json"
    assert "Authorization" in list(posted.headers), "names keep the spelling that was sent"
    assert polled.method == "GET"
    assert polled.query == {"include_related": ["trigger,job"]}
    assert polled.body is None and polled.raw_body == b""
    assert (refused.status, refused.body) == (400, {})


def test_log_keeps_unroutable_and_unauthenticated_requests(launch) -> None:
    launched = launch()
    session = launched.client.session
    session.get(launched.simulator.base_url + "/nowhere?x=1&x=2")
    launched.client.trigger(headers={})
    first, second = launched.simulator.requests
    assert (first.path, first.query, first.status) == ("/nowhere", {"x": ["1", "2"]}, 404)
    assert second.status == 401
    assert "authorization" not in second.headers


def test_non_json_body_is_logged_raw(launch) -> None:
    launched = launch()
    url = f"{launched.simulator.base_url}/api/v2/accounts/{DEMO_ACCOUNT_ID}/jobs/{DEMO_JOB_ID}/run/"
    launched.client.session.post(url, data=b"cause=x", headers=launched.client.auth())
    (entry,) = launched.simulator.requests
    assert (entry.body, entry.raw_body, entry.status) == (None, b"cause=x", 400)


def test_requests_is_a_snapshot_and_can_be_cleared(launch) -> None:
    launched = launch()
    snapshot = launched.simulator.requests
    launched.client.new_run_id()
    assert snapshot == []
    assert len(launched.simulator.requests) == 1
    launched.simulator.clear_requests()
    assert launched.simulator.requests == []


def test_on_request_sees_every_answered_request(launch) -> None:
    seen: list[RecordedRequest] = []
    launched = launch(on_request=seen.append)
    run_id = launched.client.new_run_id()
    launched.client.get_run(run_id)
    assert [(entry.method, entry.status) for entry in seen] == [("POST", 200), ("GET", 200)]
    assert seen == launched.simulator.requests


def test_log_and_run_state_are_complete_under_concurrent_polling(launch) -> None:
    launched = launch(polls_per_status=20)
    run_id = launched.client.new_run_id()
    url = f"{launched.simulator.base_url}/api/v2/accounts/{DEMO_ACCOUNT_ID}/runs/{run_id}/"

    def poll(_: int) -> int:
        with requests.Session() as session:
            session.trust_env = False
            return session.get(url, headers=launched.client.auth()).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(poll, range(59)))
    assert codes == [200] * 59
    log = launched.simulator.requests
    assert len(log) == 60
    assert sum(entry.method == "GET" for entry in log) == 59
    # 59 polls counted exactly leave the run one poll short of success (3 statuses x 20).
    assert launched.client.get_run(run_id).json()["data"]["status"] == 10

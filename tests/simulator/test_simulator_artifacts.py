"""Artifacts are listed once a run has finished, and reflect how it finished."""

from __future__ import annotations

from arazzo_engine.simulator import DEMO_ACCOUNT_ID


def finish(client, run_id: int) -> dict:
    for _ in range(3):
        run = client.get_run(run_id).json()["data"]
    assert run["is_complete"]
    return run


def test_unfinished_run_has_no_artifacts_yet(launch) -> None:
    client = launch().client
    run_id = client.new_run_id()
    for _ in range(3):
        response = client.artifacts(run_id)
        assert response.status_code == 404
        status = response.json()["status"]
        assert status["user_message"] == "The requested resource was not found."
        assert "has not finished" in status["developer_message"]
        client.get_run(run_id)
    assert client.artifacts(run_id).status_code == 200


def test_successful_run_lists_manifest_results_catalog_and_compiled_sql(launch) -> None:
    client = launch().client
    run_id = client.new_run_id()
    finish(client, run_id)
    body = client.artifacts(run_id).json()
    assert body["status"] == {
        "code": 200, "is_success": True, "user_message": "Success!", "developer_message": None,
    }
    paths = body["data"]
    assert paths[:3] == ["manifest.json", "run_results.json", "catalog.json"]
    assert any(p.startswith("compiled/") and p.endswith(".sql") for p in paths)
    assert all(isinstance(p, str) and not p.startswith("/") for p in paths)


def test_no_catalog_without_docs(launch) -> None:
    client = launch().client
    run_id = client.trigger(body={"cause": "no docs", "generate_docs_override": False}).json()[
        "data"
    ]["id"]
    assert finish(client, run_id)["has_docs_generated"] is False
    paths = client.artifacts(run_id).json()["data"]
    assert "manifest.json" in paths
    assert "catalog.json" not in paths


def test_errored_run_lists_a_short_partial_set(launch) -> None:
    client = launch("error").client
    run_id = client.new_run_id()
    finish(client, run_id)
    paths = client.artifacts(run_id).json()["data"]
    assert "catalog.json" not in paths
    assert 0 < len(paths) < 5


def test_cancelled_run_lists_nothing(launch) -> None:
    client = launch("cancelled").client
    run_id = client.new_run_id()
    assert finish(client, run_id)["artifacts_saved"] is False
    response = client.artifacts(run_id)
    assert (response.status_code, response.json()["data"]) == (200, [])


def test_step_query_is_accepted_and_listing_does_not_advance_the_run(launch) -> None:
    client = launch().client
    run_id = client.new_run_id()
    for _ in range(5):
        client.artifacts(run_id, step="1")
    assert client.get_run(run_id).json()["data"]["status"] == 2
    finish(client, run_id)
    assert client.artifacts(run_id, step="4").json()["data"] == client.artifacts(run_id).json()[
        "data"
    ]


def test_artifacts_of_another_account_are_refused(launch) -> None:
    client = launch().client
    run_id = client.new_run_id()
    finish(client, run_id)
    client.account_id = DEMO_ACCOUNT_ID + 7
    assert client.artifacts(run_id).status_code == 403

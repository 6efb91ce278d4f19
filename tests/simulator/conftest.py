"""A started simulator plus a small dbt Cloud client speaking real HTTP to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests

from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN, DbtCloudSimulator


@dataclass
class DbtClient:
    session: requests.Session
    base_url: str
    token: str = DEMO_TOKEN
    account_id: int = DEMO_ACCOUNT_ID

    def auth(self, scheme: str = "Bearer") -> dict[str, str]:
        return {"Authorization": f"{scheme} {self.token}"}

    def trigger(
        self,
        job_id: int = DEMO_JOB_ID,
        body: Any = None,
        *,
        account_id: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        account = self.account_id if account_id is None else account_id
        return self.session.post(
            f"{self.base_url}/api/v2/accounts/{account}/jobs/{job_id}/run/",
            json={"cause": "Triggered via Arazzo workflow"} if body is None else body,
            headers=self.auth() if headers is None else headers,
        )

    def get_run(
        self, run_id: int, *, account_id: int | None = None, **params: str
    ) -> requests.Response:
        account = self.account_id if account_id is None else account_id
        return self.session.get(
            f"{self.base_url}/api/v2/accounts/{account}/runs/{run_id}/",
            params=params,
            headers=self.auth(),
        )

    def artifacts(self, run_id: int, **params: str) -> requests.Response:
        return self.session.get(
            f"{self.base_url}/api/v2/accounts/{self.account_id}/runs/{run_id}/artifacts/",
            params=params,
            headers=self.auth(),
        )

    def new_run_id(self, job_id: int = DEMO_JOB_ID) -> int:
        response = self.trigger(job_id)
        assert response.status_code == 200, response.text
        return response.json()["data"]["id"]


@dataclass
class Launched:
    simulator: DbtCloudSimulator
    client: DbtClient


@pytest.fixture
def http() -> Iterator[requests.Session]:
    session = requests.Session()
    session.trust_env = False
    yield session
    session.close()


@pytest.fixture
def launch(http: requests.Session) -> Iterator[Callable[..., Launched]]:
    """Start a simulator with the given options; every one started is stopped afterwards."""
    started: list[DbtCloudSimulator] = []

    def start(scenario: str = "success", **options: Any) -> Launched:
        simulator = DbtCloudSimulator(scenario, **options).start()
        started.append(simulator)
        return Launched(simulator, DbtClient(http, simulator.base_url))

    yield start
    for simulator in started:
        simulator.stop()


class FakeClock:
    """A clock the test moves by hand, so durations and time mode need no sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2021, 11, 26, 16, 48, 41, 431645, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()

"""An embedded dbt Cloud Administrative API v2 simulator for the reference fixture.

A real HTTP server on 127.0.0.1 that answers ``triggerJobRun``, ``getRun`` and
``listRunArtifacts`` the way dbt Cloud does (envelope, errors, status lifecycle), so the
reference workflow can run end to end without an account::

    with DbtCloudSimulator("success") as sim:
        requests.post(f"{sim.base_url}/api/v2/accounts/{DEMO_ACCOUNT_ID}/jobs/{DEMO_JOB_ID}/run/",
                      json={"cause": "demo"}, headers={"Authorization": f"Token {DEMO_TOKEN}"})
"""

from __future__ import annotations

from ._log import Headers, RecordedRequest
from ._scenarios import SCENARIOS, Scenario
from ._server import (
    DEFAULT_SECONDS_PER_STATUS,
    DEMO_ACCOUNT_ID,
    DEMO_ENVIRONMENT_ID,
    DEMO_JOB_ID,
    DEMO_PROJECT_ID,
    DEMO_TOKEN,
    DbtCloudSimulator,
)

__all__ = [
    "DEFAULT_SECONDS_PER_STATUS",
    "DEMO_ACCOUNT_ID",
    "DEMO_ENVIRONMENT_ID",
    "DEMO_JOB_ID",
    "DEMO_PROJECT_ID",
    "DEMO_TOKEN",
    "SCENARIOS",
    "DbtCloudSimulator",
    "Headers",
    "RecordedRequest",
    "Scenario",
]

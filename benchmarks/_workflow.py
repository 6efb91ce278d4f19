"""Benchmark 1: what the engine adds to a real run, over the same HTTP requests made by hand.

The floor is the least any client must do for this workflow: the trigger POST, GETs of the run
until dbt reports status 10, and the artifacts GET, on one pooled session. The engine does the
same exchanges and also resolves expressions, serialises parameters, checks criteria, picks the
next step and records every step execution; the ratio and the per-step difference are its price.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests
import yaml

import arazzo_engine
from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN

from ._measure import Row, Section, interleaved
from ._paths import DBT_OPENAPI, DBT_WORKFLOW
from ._simulator import simulator_process

INPUTS = {"accountId": DEMO_ACCOUNT_ID, "jobId": DEMO_JOB_ID, "token": DEMO_TOKEN}
CAUSE = "Triggered via Arazzo workflow"  # the workflow's default for inputs.cause
SUCCESS = 10


@dataclass(frozen=True)
class Settings:
    run_repeat: int
    load_repeat: int
    warmup: int = 3


FULL = Settings(run_repeat=40, load_repeat=15)
QUICK = Settings(run_repeat=10, load_repeat=5)


def floor_run(session: requests.Session, base_url: str) -> int:
    """The workflow's requests by hand; returns how many exchanges it took."""
    headers = {"Authorization": f"Bearer {DEMO_TOKEN}"}
    account = f"{base_url}/api/v2/accounts/{DEMO_ACCOUNT_ID}"
    trigger = session.post(
        f"{account}/jobs/{DEMO_JOB_ID}/run/",
        headers={**headers, "Content-Type": "application/json"},
        data=json.dumps({"cause": CAUSE}).encode(),
    )
    trigger.raise_for_status()
    run_id = trigger.json()["data"]["id"]
    exchanges = 1
    while True:
        poll = session.get(f"{account}/runs/{run_id}/", headers=headers)
        poll.raise_for_status()
        exchanges += 1
        if poll.json()["data"]["status"] == SUCCESS:
            break
    artifacts = session.get(f"{account}/runs/{run_id}/artifacts/", headers=headers)
    artifacts.raise_for_status()
    artifacts.json()
    return exchanges + 1


def engine_run(document: arazzo_engine.ArazzoDocument, options: arazzo_engine.RunOptions,
               *, validate: bool = True) -> arazzo_engine.RunResult:
    result = document.run(inputs=INPUTS, options=options, validate=validate)
    if not result.succeeded:
        raise RuntimeError(f"the reference workflow failed under benchmark: {result.error}")
    return result


def run_overhead(settings: Settings) -> Section:
    section = Section("run", "Run overhead vs the raw-HTTP floor (dbt reference workflow)")
    document = arazzo_engine.load(DBT_WORKFLOW)
    with simulator_process("success") as base_url, requests.Session() as session:
        session.trust_env = False
        # trust_env=False on both sides: neither pays for reading proxy settings per request.
        options = arazzo_engine.RunOptions(servers={"dbtAdminApi": base_url}, loop_delay=0,
                                           trust_env=False)
        steps = len(engine_run(document, options).steps)
        exchanges = floor_run(session, base_url)
        if steps != exchanges:
            raise RuntimeError(f"engine made {steps} step executions, the floor {exchanges}")
        samples = interleaved({
            "engine": lambda: engine_run(document, options),
            "engine_unvalidated": lambda: engine_run(document, options, validate=False),
            "floor": lambda: floor_run(session, base_url),
        }, repeat=settings.run_repeat, warmup=settings.warmup)
    floor = samples["floor"]
    section.rows.append(Row("load(path).run(...) (validates first, the default)",
                            samples["engine"], "requests by hand", floor))
    section.rows.append(Row("run(..., validate=False)", samples["engine_unvalidated"],
                            "requests by hand", floor))
    for label, key in (("with validation", "engine"), ("without validation", "engine_unvalidated")):
        per_step = (samples[key].median - floor.median) / steps
        section.derived.append((f"overhead per step execution, {label}",
                                f"{per_step * 1000:.2f} ms ({steps} step executions per run)"))
    return section


def _safe_load_both() -> tuple[Any, Any]:
    with open(DBT_WORKFLOW, encoding="utf-8") as workflow, \
            open(DBT_OPENAPI, encoding="utf-8") as openapi:
        return yaml.safe_load(workflow), yaml.safe_load(openapi)


def _load_and_validate() -> None:
    report = arazzo_engine.load(DBT_WORKFLOW).validate()
    if not report.ok:
        raise RuntimeError("the reference workflow no longer validates")


def load_and_validate(settings: Settings) -> Section:
    section = Section("load", "Loading and validating the dbt reference workflow")
    samples = interleaved({
        "load": lambda: arazzo_engine.load(DBT_WORKFLOW),
        "both": _load_and_validate,
        "yaml": _safe_load_both,
    }, repeat=settings.load_repeat, warmup=min(settings.warmup, 2))
    baseline = "yaml.safe_load of both files"
    section.rows.append(Row("load(path) (Arazzo + OpenAPI source)", samples["load"], baseline,
                            samples["yaml"]))
    section.rows.append(Row("load(path).validate()", samples["both"], baseline, samples["yaml"]))
    return section

"""The simulated job and run records, and how a run looks on the wire."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ._scenarios import (
    CANCELLED,
    ERROR,
    ERROR_STATUS_MESSAGE,
    QUEUED,
    RUNNING,
    STARTING,
    STATUS_HUMANIZED,
    SUCCESS,
    TERMINAL_STATUSES,
    Scenario,
    lifecycle,
)

OVERRIDE_FIELDS = (
    "git_sha",
    "git_branch",
    "schema_override",
    "dbt_version_override",
    "threads_override",
    "target_name_override",
    "generate_docs_override",
    "timeout_seconds_override",
    "steps_override",
)
_SYSTEM_STEPS = ("Clone git repository", "Create profile from connection", "Invoke `dbt deps`")


@dataclass(frozen=True)
class Job:
    """A job definition the simulated account owns."""

    id: int
    account_id: int
    project_id: int
    environment_id: int
    name: str
    execute_steps: tuple[str, ...] = ("dbt build",)
    generate_docs: bool = True
    git_branch: str = "main"
    dbt_version: str = "versionless"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "account_id": self.account_id,
            "project_id": self.project_id,
            "environment_id": self.environment_id,
            "name": self.name,
            "execute_steps": list(self.execute_steps),
            "generate_docs": self.generate_docs,
        }


@dataclass(frozen=True)
class Trigger:
    """Why a run exists: the trigger POST's cause and the overrides it carried."""

    id: int
    cause: str
    overrides: dict[str, Any]
    created_at: datetime


@dataclass
class Run:
    """One run's state; the scheduler moves ``stage`` along the scenario's lifecycle."""

    id: int
    sequence: int
    job: Job
    trigger: Trigger
    scenario: Scenario
    created_at: datetime
    ui_host: str
    stage: int = 0
    ticks: int = 0
    polls: int = 0
    #: The earlier run of the same job this queued run waits for (None: it waits for a slot).
    queued_behind: int | None = None
    unblocked_at: datetime | None = None
    updated_at: datetime | None = None
    dequeued_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    _statuses: tuple[int, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        self._statuses = lifecycle(self.scenario)
        self.updated_at = self.created_at

    @property
    def status(self) -> int:
        return self._statuses[self.stage]

    @property
    def is_complete(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def last_stage(self) -> int:
        return len(self._statuses) - 1

    @property
    def generates_docs(self) -> bool:
        override = self.trigger.overrides.get("generate_docs_override")
        return self.job.generate_docs if override is None else bool(override)

    @property
    def git_branch(self) -> str:
        return self.trigger.overrides.get("git_branch") or self.job.git_branch

    @property
    def git_sha(self) -> str | None:
        """Known once the repository is cloned, i.e. when the run is running."""
        override = self.trigger.overrides.get("git_sha")
        if override:
            return override
        if self.started_at is None:
            return None
        return hashlib.sha1(f"{self.git_branch}:{self.id}".encode()).hexdigest()

    def advance_to(self, stage: int, at: datetime) -> None:
        """Move forward to ``stage`` (never back), stamping each status reached on the way."""
        stage = min(stage, self.last_stage)
        while self.stage < stage:
            self.stage += 1
            status = self.status
            if status == STARTING or (status in TERMINAL_STATUSES and self.dequeued_at is None):
                self.dequeued_at = at
            if status == RUNNING or (status in TERMINAL_STATUSES and self.started_at is None):
                self.started_at = at
            if status in TERMINAL_STATUSES:
                self.finished_at = at
            self.updated_at = at

    def to_json(self, now: datetime, related: frozenset[str] = frozenset()) -> dict[str, Any]:
        status = self.status
        complete = self.is_complete
        data: dict[str, Any] = {
            "id": self.id,
            "trigger_id": self.trigger.id,
            "account_id": self.job.account_id,
            "environment_id": self.job.environment_id,
            "project_id": self.job.project_id,
            "job_definition_id": self.job.id,
            "job_id": self.job.id,
            "status": status,
            "status_humanized": STATUS_HUMANIZED[status],
            "in_progress": not complete,
            "is_complete": complete,
            "is_success": status == SUCCESS,
            "is_error": status == ERROR,
            "is_cancelled": status == CANCELLED,
            "is_running": status == RUNNING,
            "created_at": format_timestamp(self.created_at),
            "updated_at": format_timestamp(self.updated_at),
            "dequeued_at": format_timestamp(self.dequeued_at),
            "started_at": format_timestamp(self.started_at),
            "finished_at": format_timestamp(self.finished_at),
            "duration": format_duration(self.created_at, self.finished_at or now),
            "queued_duration": format_duration(self.created_at, self.dequeued_at or now),
            "run_duration": format_duration(self.started_at, self.finished_at or now),
            "status_message": self._status_message(),
            "git_branch": self.git_branch,
            "git_sha": self.git_sha,
            "dbt_version": self.trigger.overrides.get("dbt_version_override")
            or self.job.dbt_version,
            "href": (
                f"{self.ui_host}/deploy/{self.job.account_id}/projects/"
                f"{self.job.project_id}/runs/{self.id}/"
            ),
            "artifacts_saved": complete and status != CANCELLED,
            "has_docs_generated": status == SUCCESS and self.generates_docs,
        }
        if "trigger" in related:
            data["trigger"] = self._trigger_json()
        if "job" in related:
            data["job"] = self.job.to_json()
        if "run_steps" in related:
            data["run_steps"] = self._steps_json()
        return data

    def _status_message(self) -> str | None:
        """Why a run errored, or why it is still queued, as dbt Cloud's run page says."""
        if self.status == ERROR:
            return ERROR_STATUS_MESSAGE
        if self.status != QUEUED:
            return None
        if self.queued_behind is not None:
            return (f"Waiting for run {self.queued_behind} of this job to complete: runs of one "
                    "job execute one at a time.")
        return "Waiting for an available run slot."

    def _trigger_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.trigger.id,
            "cause": self.trigger.cause,
            "job_definition_id": self.job.id,
        }
        data.update({name: self.trigger.overrides.get(name) for name in OVERRIDE_FIELDS})
        data["created_at"] = format_timestamp(self.trigger.created_at)
        return data

    def step_names(self) -> list[str]:
        commands = self.trigger.overrides.get("steps_override") or list(self.job.execute_steps)
        names = [*_SYSTEM_STEPS, *(f"Invoke `{command}`" for command in commands)]
        if self.generates_docs:
            names.append("Invoke `dbt docs generate`")
        return names

    def _steps_json(self) -> list[dict[str, Any]]:
        """Steps appear once the run is running; an error stops at the first dbt command."""
        if self.status in (QUEUED, STARTING):
            return []
        names = self.step_names()
        statuses = {
            RUNNING: [SUCCESS] * len(_SYSTEM_STEPS) + [RUNNING],
            SUCCESS: [SUCCESS] * len(names),
            ERROR: [SUCCESS] * len(_SYSTEM_STEPS) + [ERROR],
            CANCELLED: [SUCCESS] * len(_SYSTEM_STEPS) + [CANCELLED],
        }[self.status]
        return [
            {
                "id": _FIRST_STEP_ID + self.sequence * 100 + index,
                "run_id": self.id,
                "account_id": self.job.account_id,
                "index": index,
                "name": name,
                "status": step_status,
                "status_humanized": STATUS_HUMANIZED[step_status],
                "logs": None,
            }
            for index, (name, step_status) in enumerate(zip(names, statuses, strict=False), start=1)
        ]


_FIRST_STEP_ID = 70_471_900_000_000


def format_timestamp(moment: datetime | None) -> str | None:
    """dbt Cloud's shape: ``2021-11-26 16:48:41.431645+00:00`` (a space, always microseconds)."""
    if moment is None:
        return None
    return moment.isoformat(sep=" ", timespec="microseconds")


def format_duration(start: datetime | None, end: datetime) -> str:
    """``HH:MM:SS``; zero before the interval has begun."""
    if start is None:
        return "00:00:00"
    seconds = max(0, int((end - start) / timedelta(seconds=1)))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}"

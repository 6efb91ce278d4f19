"""Creates runs and moves them along their lifecycle, by polls or by elapsed time.

Runs of one job execute one at a time: a run stays queued while an earlier run of its job has
not finished, and only starts counting polls (or seconds) once that run is complete.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ._runs import Job, Run, Trigger
from ._scenarios import Scenario

# 14-digit ids, like real dbt Cloud ids, and still exact as JavaScript numbers.
_FIRST_RUN_ID = 70_471_823_500_001
_FIRST_TRIGGER_ID = 70_471_823_600_001


class RunScheduler:
    """Owns every run of a simulator; callers hold the simulator's lock."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        polls_per_status: int,
        seconds_per_status: float | None,
        ui_host: str,
    ) -> None:
        self.scenario = scenario
        self.polls_per_status = polls_per_status
        self.seconds_per_status = seconds_per_status
        self.ui_host = ui_host
        self._runs: dict[int, Run] = {}
        self._runs_by_job: dict[int, list[Run]] = {}

    def trigger(self, job: Job, cause: str, overrides: dict[str, Any], now: datetime) -> Run:
        sequence = len(self._runs)
        trigger = Trigger(_FIRST_TRIGGER_ID + sequence, cause, dict(overrides), now)
        run = Run(
            id=_FIRST_RUN_ID + sequence,
            sequence=sequence,
            job=job,
            trigger=trigger,
            scenario=self.scenario,
            created_at=now,
            ui_host=self.ui_host,
        )
        self._runs[run.id] = run
        self._runs_by_job.setdefault(job.id, []).append(run)
        return run

    def find(self, run_id: int) -> Run | None:
        return self._runs.get(run_id)

    def all_runs(self) -> list[Run]:
        return list(self._runs.values())

    def observe(self, run: Run, now: datetime) -> None:
        """A GET of the run: in poll mode this is what moves it along."""
        if self.seconds_per_status is not None or self._is_blocked(run):
            return
        run.ticks += 1
        run.advance_to(run.ticks // self.polls_per_status, now)

    def catch_up(self, now: datetime) -> None:
        """In time mode, bring every run to where the clock says it is."""
        if self.seconds_per_status is None:
            return
        step = timedelta(seconds=self.seconds_per_status)
        for runs in self._runs_by_job.values():
            previous: Run | None = None
            for run in runs:
                if previous is not None and not previous.is_complete:
                    break
                if run.unblocked_at is None:
                    run.unblocked_at = run.created_at
                    if previous is not None and previous.finished_at is not None:
                        run.unblocked_at = max(run.created_at, previous.finished_at)
                reached = int((now - run.unblocked_at) / step)
                for stage in range(run.stage + 1, min(reached, run.last_stage) + 1):
                    run.advance_to(stage, run.unblocked_at + stage * step)
                previous = run

    def _is_blocked(self, run: Run) -> bool:
        for earlier in self._runs_by_job[run.job.id]:
            if earlier is run:
                return False
            if not earlier.is_complete:
                return True
        return False

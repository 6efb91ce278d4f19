"""Creates runs and moves them along their lifecycle, by elapsed time or, scripted, by polls.

Runs of one job execute one at a time: a run stays queued while an earlier run of its job has
not finished, and only starts counting seconds (or polls) once that run is complete. In time
mode a run moves on whether anyone polls it or not, as in dbt Cloud, so an abandoned run
finishes on its own and releases its job's queue; poll mode is a scripted lifecycle for tests.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ._runs import Job, Run, Trigger
from ._scenarios import Scenario

#: A status change, as ``(run, old status, new status)``, for the simulator's log.
Transition = tuple[Run, int, int]

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
        self._transitions: list[Transition] = []

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
        self.explain(run)
        return run

    def find(self, run_id: int) -> Run | None:
        return self._runs.get(run_id)

    def all_runs(self) -> list[Run]:
        return list(self._runs.values())

    def observe(self, run: Run, now: datetime) -> None:
        """A GET of the run: in poll mode this is what moves it along."""
        if self.seconds_per_status is None and self._blocker(run) is None:
            run.ticks += 1
            self._advance(run, run.ticks // self.polls_per_status, now)
        self.explain(run)

    def explain(self, run: Run) -> None:
        """Says on the run why it is queued: which earlier run of its job it waits for."""
        blocker = self._blocker(run)
        run.queued_behind = blocker.id if blocker is not None else None

    def take_transitions(self) -> list[Transition]:
        """The status changes since the last call, oldest first."""
        taken, self._transitions = self._transitions, []
        return taken

    def _advance(self, run: Run, stage: int, at: datetime) -> None:
        before = run.status
        run.advance_to(stage, at)
        if run.status != before:
            self._transitions.append((run, before, run.status))

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
                    self._advance(run, stage, run.unblocked_at + stage * step)
                previous = run

    def _blocker(self, run: Run) -> Run | None:
        """The earliest unfinished earlier run of the same job, which ``run`` waits for."""
        for earlier in self._runs_by_job[run.job.id]:
            if earlier is run:
                return None
            if not earlier.is_complete:
                return earlier
        return None

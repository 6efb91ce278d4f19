"""The recorder's grouping rule: which checkpoints are committed at once and which wait for the
next commit (``RunRecorder.record``), on a clock the test moves."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from arazzo_engine.executor import Frame, RunState, StepExecution
from arazzo_engine.store import RunStore

_GET = {"kind": "send", "stepId": "poll", "method": "GET", "url": "http://x/jobs/1"}
_POST = {"kind": "send", "stepId": "trigger", "method": "POST", "url": "http://x/jobs"}


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _state(polls: int) -> RunState:
    frame = Frame(document="d", workflow_id="w", steps={"poll": {"outputs": {"n": polls}}})
    return RunState(workflow_id="w", document="d", frames=[frame], step_count=polls)


def _recorder(store: RunStore, clock: _Clock, interval: float = 0.25) -> Any:
    recorder = store.begin(document="/x/flow.yaml", document_hash="h", state=_state(0),
                           inputs={}, secret_inputs={}, options={},
                           checkpoint_interval=interval)
    recorder.clock = clock
    recorder._committed_at = clock()
    return recorder


def _poll(recorder: Any, n: int, *, repeatable: bool = True, action: dict[str, Any] = _GET,
          wait: float = 0.0) -> bool:
    recorder.append(StepExecution(step_id="poll", workflow_id="w", outcome="succeeded",
                                  outputs={"n": n}))
    return bool(recorder.record(_state(n), lambda: action, repeatable=repeatable, wait=wait))


def _stored(store: RunStore, run_id: str) -> tuple[int, int, dict[str, Any] | None]:
    run = store.get(run_id)
    return run.step_count, run.state["stepCount"], run.action


def test_repeatable_polls_are_grouped_until_the_interval_has_passed(tmp_path: Path) -> None:
    clock = _Clock()
    with RunStore(tmp_path / "runs.db") as store:
        recorder = _recorder(store, clock)
        for n in range(1, 11):
            clock.now += 0.02
            assert not _poll(recorder, n)  # 0.2 s: not yet
        assert _stored(store, recorder.id) == (0, 0, None)  # nothing written since begin
        assert recorder.deferred and len(recorder) == 10
        clock.now += 0.06
        assert _poll(recorder, 11)  # 0.26 s since the last commit: all eleven rows at once
        assert _stored(store, recorder.id) == (11, 11, _GET)
        assert [s.outputs["n"] for s in store.steps(recorder.id)] == list(range(1, 12))
        assert not recorder.deferred


def test_a_request_that_must_not_be_repeated_and_the_step_after_it_commit_at_once(
        tmp_path: Path) -> None:
    clock = _Clock()
    with RunStore(tmp_path / "runs.db") as store:
        recorder = _recorder(store, clock, interval=3600)
        assert not _poll(recorder, 1)
        assert _poll(recorder, 2, repeatable=False, action=_POST)  # on record before it is sent
        assert _stored(store, recorder.id) == (2, 2, _POST)
        # Its response is on record before anything else happens, even a repeatable poll:
        # a crash after it must not leave the POST looking in flight.
        assert _poll(recorder, 3)
        assert _stored(store, recorder.id) == (3, 3, _GET)
        assert not _poll(recorder, 4)  # then grouping resumes


def test_a_wait_as_long_as_the_interval_is_committed_and_a_short_one_grouped(
        tmp_path: Path) -> None:
    clock = _Clock()
    wait = {"kind": "wait", "seconds": 0.05, "reason": "poll", "until": time.time() + 0.05}
    with RunStore(tmp_path / "runs.db") as store:
        recorder = _recorder(store, clock)
        assert not _poll(recorder, 1, action=wait, wait=0.05)
        clock.now += 0.1
        assert _poll(recorder, 2, action=wait, wait=0.2)  # 0.1 s gone + 0.2 s of sleep
        assert _stored(store, recorder.id)[2] == wait
        assert _poll(recorder, 3, action=wait, wait=1.5)  # a sleeping run is on record


def test_interval_zero_commits_every_checkpoint(tmp_path: Path) -> None:
    clock = _Clock()
    with RunStore(tmp_path / "runs.db") as store:
        recorder = _recorder(store, clock, interval=0)
        for n in range(1, 4):
            assert _poll(recorder, n)
            assert _stored(store, recorder.id) == (n, n, _GET)


def test_flush_writes_the_deferred_checkpoint_and_discard_drops_it(tmp_path: Path) -> None:
    clock = _Clock()
    with RunStore(tmp_path / "runs.db") as store:
        recorder = _recorder(store, clock, interval=3600)
        _poll(recorder, 1)
        _poll(recorder, 2)
        recorder.flush()
        assert _stored(store, recorder.id) == (2, 2, _GET)
        recorder.flush()  # nothing deferred: nothing written
        assert _stored(store, recorder.id) == (2, 2, _GET)
        _poll(recorder, 3)
        recorder.discard()  # the state it belonged to is gone: the last commit stands
        recorder.interrupted(_state(99))
        run = store.get(recorder.id)
        assert (run.step_count, run.state["stepCount"], run.recorded_status) == \
            (2, 2, "interrupted")
        assert len(store.steps(recorder.id)) == 2


def test_interrupted_after_a_flush_keeps_the_latest_state_and_every_step(
        tmp_path: Path) -> None:
    clock = _Clock()
    with RunStore(tmp_path / "runs.db") as store:
        recorder = _recorder(store, clock, interval=3600)
        for n in range(1, 6):
            _poll(recorder, n)
        recorder.flush()
        recorder.append(StepExecution(step_id="poll", workflow_id="w", outcome="interrupted"))
        recorder.interrupted(_state(6))  # the machine's interrupted ending is not written
        run = store.get(recorder.id)
        assert run.recorded_status == "interrupted" and run.step_count == 6
        assert run.state["stepCount"] == 5 and run.action == _GET
        assert store.steps(recorder.id)[-1].outcome == "interrupted"

"""Grouped checkpoints as drivers use them: a tight GET loop commits seldom, a POST and its
response are always on record, and a stop (a stop signal, Ctrl-C outside the machine's
decision) loses no finished poll; Ctrl-C inside the decision keeps the last commit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from local_http import LocalServer
from test_resume import _POLL, _TRIGGER, TOKEN, _jobs, _write

from arazzo_engine._resume import resume
from arazzo_engine.executor import (
    Machine,
    ManualClock,
    RunOptions,
    Scheduler,
    StopSignal,
    run_workflow,
)
from arazzo_engine.store import RunRecorder, RunStore

POLLS = 30


def _options(tmp_path: Path, interval: float = 3600) -> RunOptions:
    return RunOptions(trust_env=False, loop_delay=0, state=tmp_path / "runs.db",
                      checkpoint_interval=interval)


def _commits(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any] | None]:
    actions: list[dict[str, Any] | None] = []
    original = RunRecorder.checkpoint

    def counted(self: RunRecorder, state: Any, action: Any) -> None:
        actions.append(action)
        original(self, state, action)

    monkeypatch.setattr(RunRecorder, "checkpoint", counted)
    return actions


def _stored(tmp_path: Path) -> Any:
    with RunStore(tmp_path / "runs.db") as store:
        (run,) = store.runs()
        return run, [s.step_id for s in store.steps(run.id)]


def test_a_tight_get_loop_commits_the_post_its_response_and_the_end_only(
        tmp_path: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    _jobs(server, polls_before_done=POLLS)
    commits = _commits(monkeypatch)
    result = run_workflow(_write(tmp_path, server, [_TRIGGER, _POLL]), inputs={"token": TOKEN},
                          options=_options(tmp_path), clock=ManualClock())
    assert result.succeeded and len(result.steps) == POLLS + 2
    # before the POST; before the first GET (the POST's response on record); the finish
    assert [(a or {}).get("method", (a or {}).get("kind")) for a in commits] == \
        ["POST", "GET", "finish"]
    run, steps = _stored(tmp_path)
    assert run.status == "succeeded" and steps == ["trigger"] + ["poll"] * (POLLS + 1)


def test_interval_zero_commits_before_every_action(
        tmp_path: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    _jobs(server, polls_before_done=5)
    commits = _commits(monkeypatch)
    result = run_workflow(_write(tmp_path, server, [_TRIGGER, _POLL]), inputs={"token": TOKEN},
                          options=_options(tmp_path, interval=0), clock=ManualClock())
    assert result.succeeded and len(commits) == 1 + 6 + 1  # POST, six GETs, finish


def _stopping_observer(after_polls: int, stop: Any) -> Any:
    seen = {"polls": 0}

    def observe(event: Any) -> None:
        if event.kind == "step-finished" and event.data["execution"].step_id == "poll":
            seen["polls"] += 1
            if seen["polls"] == after_polls:
                stop()

    return observe


def _raise_interrupt() -> None:
    raise KeyboardInterrupt


@pytest.mark.parametrize("how", ["stop-signal", "keyboard-interrupt"])
def test_a_stop_mid_poll_keeps_every_finished_poll_and_resume_sends_none_again(
        tmp_path: Path, server: LocalServer, how: str) -> None:
    counts = _jobs(server, polls_before_done=POLLS)
    path = _write(tmp_path, server, [_TRIGGER, _POLL])
    stop = StopSignal()
    halt = (lambda: stop.stop("stopped by the test")) if how == "stop-signal" \
        else _raise_interrupt
    if how == "stop-signal":
        result = run_workflow(path, inputs={"token": TOKEN}, options=_options(tmp_path),
                              clock=ManualClock(), stop=stop,
                              observer=_stopping_observer(12, halt))
        assert result.interrupted
    else:
        with pytest.raises(KeyboardInterrupt):
            run_workflow(path, inputs={"token": TOKEN}, options=_options(tmp_path),
                         clock=ManualClock(), observer=_stopping_observer(12, halt))
    run, steps = _stored(tmp_path)
    assert run.status == "interrupted"
    assert steps == ["trigger"] + ["poll"] * 12  # every finished poll, grouped or not
    assert run.state["stepCount"] == 14  # the latest state: the 13th poll about to be sent
    assert counts["polls"] == 12
    result = resume(run.id, inputs={"token": TOKEN}, state=tmp_path / "runs.db",
                    clock=ManualClock())
    assert result.succeeded and counts["triggers"] == 1 and counts["polls"] == POLLS + 1
    # the history has each poll once: none lost, none recorded twice
    assert [s.step_id for s in result.steps] == ["trigger"] + ["poll"] * (POLLS + 1)


def test_ctrl_c_inside_the_decision_keeps_the_last_commit_as_a_crash_would(
        tmp_path: Path, server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    counts = _jobs(server, polls_before_done=POLLS)
    decide = Machine.decide
    calls = {"n": 0}

    def interrupted_decide(self: Machine, state: Any, outcome: Any = None) -> Any:
        calls["n"] += 1
        if calls["n"] == 10:  # the 8th poll's response, half-way through its decision
            state.step_count += 1000
            raise KeyboardInterrupt
        return decide(self, state, outcome)

    monkeypatch.setattr(Machine, "decide", interrupted_decide)
    with pytest.raises(KeyboardInterrupt):
        run_workflow(_write(tmp_path, server, [_TRIGGER, _POLL]), inputs={"token": TOKEN},
                     options=_options(tmp_path), clock=ManualClock())
    monkeypatch.setattr(Machine, "decide", decide)
    run, steps = _stored(tmp_path)
    assert run.status == "interrupted"
    assert steps == ["trigger"]  # the commit before the first GET stands; no half state
    assert run.state["stepCount"] == 2 and run.action["method"] == "GET"
    assert counts["polls"] == 8
    result = resume(run.id, inputs={"token": TOKEN}, state=tmp_path / "runs.db",
                    clock=ManualClock())
    assert result.succeeded and counts["triggers"] == 1  # the POST is never in doubt
    # The eight grouped polls were lost with the half-made state: resume polled again from
    # the first poll (the server, counting, answered "done" at its 31st GET all the same).
    assert counts["polls"] == POLLS + 1
    assert [s.step_id for s in result.steps] == ["trigger"] + ["poll"] * (POLLS + 1 - 8)


def test_a_scheduled_run_stopped_mid_poll_keeps_every_finished_poll(
        tmp_path: Path, server: LocalServer) -> None:
    counts = _jobs(server, polls_before_done=POLLS)
    from arazzo_engine import load

    document = load(_write(tmp_path, server, [_TRIGGER, _POLL]))
    stop = StopSignal()
    scheduler = Scheduler(stop=stop)
    handle = scheduler.submit(document, inputs={"token": TOKEN}, options=_options(tmp_path),
                              observer=_stopping_observer(12, lambda: stop.stop("stopped")))
    (result,) = scheduler.run()
    assert result.interrupted and handle.run_id is not None
    run, steps = _stored(tmp_path)
    assert run.status == "interrupted" and counts["triggers"] == 1
    # The run may have sent its 13th poll before the stop was noticed (in flight on a worker)
    assert steps[:13] == ["trigger"] + ["poll"] * 12 and len(steps) in (13, 14)
    assert run.state["stepCount"] == 14

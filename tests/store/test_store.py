"""The run store itself: checkpoints as single transactions, several processes at once, a
process killed mid-write, nothing secret in the file."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from arazzo_engine.executor import Frame, RunState, StepExecution
from arazzo_engine.store import RunRecorder, RunStore, default_store_path

SECRET = "s3cr3t-Value-99"


def _state(workflow: str = "w", steps: int = 0) -> RunState:
    frame = Frame(document="d", workflow_id=workflow, inputs={"token": SECRET, "n": steps},
                  steps={"s": {"outputs": {"seen": steps}}})
    return RunState(workflow_id=workflow, document="d", frames=[frame], step_count=steps,
                    secrets=[SECRET])


def _begin(store: RunStore, state: RunState):
    return store.begin(document="/x/flow.yaml", document_hash="h", state=state,
                       inputs=state.frames[0].inputs, secret_inputs={"token": SECRET},
                       options={"servers": {}})


def test_default_path_follows_xdg_and_the_override(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    monkeypatch.delenv("ARAZZO_STATE")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_store_path() == tmp_path / "arazzo-engine" / "runs.db"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    if sys.platform.startswith("linux"):
        assert default_store_path() == tmp_path / "home/.local/state/arazzo-engine/runs.db"
    monkeypatch.setenv("ARAZZO_STATE", str(tmp_path / "mine.db"))
    assert default_store_path() == tmp_path / "mine.db"


def test_wal_mode_and_checkpoints_with_their_steps(tmp_path: Path) -> None:
    with RunStore(tmp_path / "runs.db") as store:
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        recorder = _begin(store, _state())
        for n in range(1, 4):
            recorder.append(StepExecution(step_id="s", workflow_id="w", outcome="succeeded"))
            recorder.checkpoint(_state(steps=n), {"kind": "wait", "seconds": 2.0,
                                                  "until": time.time() + 2, "reason": "poll"})
        run = store.get(recorder.id[:12])
        assert run.step_count == 3 and len(store.steps(run.id)) == 3
        assert run.status == "running" and run.last_step == "s"
        assert run.action is not None and run.action["kind"] == "wait"
        assert [s.step_id for s in store.steps(run.id)] == ["s", "s", "s"]
        assert store.steps(run.id)[-1].outcome == "succeeded"


def test_no_secret_reaches_the_file(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    with RunStore(path) as store:
        recorder = _begin(store, _state())
        state = _state(steps=1)
        state.pending = {"request": {"headers": {"Authorization": f"Bearer {SECRET}"}}}
        recorder.checkpoint(state, {"kind": "send", "method": "GET", "url": "http://x/"})
    for name in ("runs.db", "runs.db-wal"):
        file = tmp_path / name
        if file.exists():
            assert SECRET.encode() not in file.read_bytes()


def test_forget_and_prefixes(tmp_path: Path) -> None:
    with RunStore(tmp_path / "runs.db") as store:
        first = _begin(store, _state()).id
        second = _begin(store, _state()).id
        assert {r.id for r in store.runs()} == {first, second}
        with pytest.raises(Exception, match="matches 2 runs"):
            store.find(first[:4])
        assert store.forget(first) == first
        assert [r.id for r in store.runs()] == [second]
        with pytest.raises(Exception, match="no run"):
            store.get(first)


def test_a_run_whose_process_died_reads_as_interrupted(tmp_path: Path) -> None:
    with RunStore(tmp_path / "runs.db") as store:
        run_id = _begin(store, _state()).id
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        store.db.execute("UPDATE runs SET pid = ? WHERE id = ?", (dead.pid, run_id))
        assert store.get(run_id).status == "interrupted"
        assert store.get(run_id).recorded_status == "running"


def _writer(path: str, runs: int, steps: int) -> None:
    store = RunStore(path)
    for _ in range(runs):
        recorder = _begin(store, _state())
        for n in range(steps):
            recorder.append(StepExecution(step_id=f"s{n}", workflow_id="w", outcome="succeeded"))
            recorder.checkpoint(_state(steps=n + 1), {"kind": "finish"})
    store.close()


def test_processes_sharing_one_store_do_not_corrupt_it(tmp_path: Path) -> None:
    path = str(tmp_path / "runs.db")
    RunStore(path).close()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(path, 5, 20)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    with RunStore(path) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        runs = store.runs()
        assert len(runs) == 20
        assert all(r.step_count == 20 and len(store.steps(r.id)) == 20 for r in runs)


_KILLED_WRITER = """
import sys, time
sys.path.insert(0, {root!r})
from tests.store.test_store import _writer
_writer({path!r}, 10_000, 50)
"""


def test_a_writer_killed_mid_transaction_leaves_earlier_runs_whole(tmp_path: Path) -> None:
    path = str(tmp_path / "runs.db")
    _writer(path, 3, 10)  # earlier runs, complete
    root = str(Path(__file__).resolve().parents[2])
    writer = subprocess.Popen([sys.executable, "-c",
                               _KILLED_WRITER.format(root=root, path=path)])
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with sqlite3.connect(path, timeout=30) as db:
                if db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] > 6:
                    break
            time.sleep(0.05)
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
    with RunStore(path) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        runs = store.runs()
        assert len(runs) > 6
        for run in runs:  # each run row and its steps agree: no half-written checkpoint
            assert run.step_count == len(store.steps(run.id))
        oldest = sorted(runs, key=lambda r: r.started)[:3]
        assert all(r.step_count == 10 for r in oldest)


def test_threads_sharing_one_store_each_write_whole_checkpoints(tmp_path: Path) -> None:
    """A Scheduler's workers record the runs they drive through one open store: the
    connection is not bound to the thread that opened it, and one transaction at a time
    gets in, so every checkpoint lands whole while runs are read back meanwhile."""
    with RunStore(tmp_path / "runs.db") as store:
        recorders = [_begin(store, _state(workflow=f"w{n}")) for n in range(8)]
        failures: list[BaseException] = []

        def write(recorder: RunRecorder, number: int) -> None:
            try:
                for step in range(1, 26):
                    recorder.append(StepExecution(step_id="s", workflow_id=f"w{number}",
                                                  outcome="succeeded"))
                    recorder.checkpoint(_state(f"w{number}", step), None)
                    assert len(store.steps(recorder.id)) == step
            except BaseException as exc:  # reported by the main thread
                failures.append(exc)

        threads = [threading.Thread(target=write, args=(r, n)) for n, r in enumerate(recorders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert failures == []
        for number, recorder in enumerate(recorders):
            run = store.get(recorder.id)
            assert run.step_count == 25 and run.state["stepCount"] == 25
            assert [s.workflow_id for s in store.steps(run.id)] == [f"w{number}"] * 25
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

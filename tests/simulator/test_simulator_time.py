"""Runs move on with time, polled or not, as in dbt Cloud: abandoned runs finish on their own,
and a queued run says why it waits."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN

WORKFLOW = Path(__file__).parents[2] / "specs/dbt/arazzo/dbt-trigger-run-and-poll-workflow.yml"


def _eventually(condition, seconds: float = 10) -> None:  # type: ignore[no-untyped-def]
    give_up = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < give_up, "never happened"
        time.sleep(0.02)


def test_the_background_clock_moves_runs_nobody_polls(launch, clock) -> None:
    moves: list[tuple[int, int, int]] = []
    launched = launch(seconds_per_status=10, clock=clock,
                      on_transition=lambda t: moves.append((t[0].id, t[1], t[2])))
    run_id = launched.client.new_run_id()
    clock.advance(35)
    _eventually(lambda: len(moves) == 3)
    assert moves == [(run_id, 1, 2), (run_id, 2, 3), (run_id, 3, 10)]
    assert [r.method for r in launched.simulator.requests] == ["POST"]  # no poll moved it


def test_an_abandoned_run_finishes_on_its_own_and_frees_its_job(launch, clock) -> None:
    client = launch(seconds_per_status=10, clock=clock).client
    abandoned = client.new_run_id()  # triggered, then never polled again (Ctrl-C, say)
    clock.advance(15)
    waiting = client.trigger().json()["data"]
    assert waiting["status"] == 1
    assert waiting["status_message"] == (
        f"Waiting for run {abandoned} of this job to complete: runs of one job execute one at "
        "a time.")
    clock.advance(20)  # the abandoned run has finished (at 30 s); the next one is on its way
    assert client.get_run(abandoned).json()["data"]["status"] == 10
    later = client.get_run(waiting["id"]).json()["data"]
    assert later["status"] == 1 and later["status_message"] == "Waiting for an available run slot."
    clock.advance(10)
    assert client.get_run(waiting["id"]).json()["data"]["status"] == 2


def test_in_poll_mode_a_queued_run_names_the_run_it_waits_for(launch) -> None:
    client = launch(polls_per_status=1).client
    first, second = client.new_run_id(), client.new_run_id()
    data = client.get_run(second).json()["data"]
    assert (data["status"], data["status_message"]) == (
        1, f"Waiting for run {first} of this job to complete: runs of one job execute one at a "
           "time.")


def _arazzo(*argv: str, **kwargs) -> subprocess.Popen[str]:  # type: ignore[no-untyped-def]
    return subprocess.Popen([sys.executable, "-m", "arazzo_engine", *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ), **kwargs)


class _Log:
    """A process's stdout, read line by line on a thread: the test waits for a line (an event)
    rather than sleeping a fixed time, whatever the machine's load."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(process.stdout,), daemon=True)
        self.thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)
        self.lines.put("")  # the end of the stream

    def wait_for(self, pattern: str, seconds: float = 120) -> re.Match[str]:
        give_up = time.monotonic() + seconds
        while True:
            left = give_up - time.monotonic()
            assert left > 0, f"no line matching {pattern!r} in {seconds} s: {self.seen}"
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            assert line, f"the stream ended before a line matching {pattern!r}: {self.seen}"
            self.seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found

    def rest(self, seconds: float = 120) -> str:
        """Everything still to come, once the process has closed its stdout."""
        self.thread.join(seconds)
        assert not self.thread.is_alive(), "the process never closed its stdout"
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "".join(self.seen)


def test_a_run_interrupted_mid_poll_does_not_block_the_next_one() -> None:
    """The issue's story with real processes: `arazzo simulate dbt`, a run stopped by Ctrl-C
    while it polls, then a second run of the same job, which finishes normally."""
    server = _arazzo("simulate", "dbt", "--port", "0", "--seconds-per-status", "0.3")
    try:
        log = _Log(server)
        found = log.wait_for(r"listening on (http://127\.0\.0\.1:\d+)")
        log.wait_for(r"Press Ctrl-C to stop\.")
        common = ["run", str(WORKFLOW), "--server", f"dbtAdminApi={found.group(1)}",
                  "--input", f"accountId={DEMO_ACCOUNT_ID}", "--input", f"jobId={DEMO_JOB_ID}",
                  "--input", f"token={DEMO_TOKEN}", "--format", "json"]
        first = _arazzo(*common, "--loop-delay", "30")
        # Triggered and polled once (the simulator logs the poll): it is now in, or about to
        # start, its 30-second wait. No fixed sleep: on a loaded machine `arazzo run` may
        # still be importing after seconds.
        log.wait_for(r"^GET /api/v2/accounts/\d+/runs/70471823500001/ -> 200")
        first.send_signal(signal.SIGINT)
        out, err = first.communicate(timeout=60)
        assert first.returncode == 130, err
        assert json.loads(out)["outcome"] == "interrupted"
        second = _arazzo(*common, "--loop-delay", "0.2", "--loop-delay-max", "0.4")
        out, err = second.communicate(timeout=120)
        assert second.returncode == 0, err
        result = json.loads(out)
        assert result["outputs"]["finalStatus"] == 10
        assert result["outputs"]["runId"] == 70_471_823_500_002
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=120)  # under load, stopping (threads joined) can take a while
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
    text = log.rest()
    assert server.returncode == 0, text
    assert "run 70471823500001: Running -> Success" in text  # nobody polled it to the end

"""``arazzo run`` progress as people see it: live on a real terminal (tmux), plain in a log.

The dbt reference workflow runs against the dbt Cloud simulator, paced so that it polls a
dozen times: on a terminal the polls are one line updated in place, then one summary line;
in a file every event is its own line and there is no escape character.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from _terminal import Terminal

from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN, DbtCloudSimulator

ROOT = Path(__file__).resolve().parents[2]
DBT = str(ROOT / "specs" / "dbt" / "arazzo" / "dbt-trigger-run-and-poll-workflow.yml")
LIVE_LINE = re.compile(r"^\S pollRun\s+(\d+) polls?\s")
COLOR = re.compile(r"\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;[25])[0-9;]*m")


@pytest.fixture
def simulator() -> Iterator[DbtCloudSimulator]:
    # Each status lasts 4 polls: queued, starting, running, then success at about the 12th.
    with DbtCloudSimulator("success", polls_per_status=4) as running:
        yield running


def _command(simulator: DbtCloudSimulator, *extra: str) -> list[str]:
    return [sys.executable, "-m", "arazzo_engine", "run", DBT,
            "--server", f"dbtAdminApi={simulator.base_url}",
            "--input", f"accountId={DEMO_ACCOUNT_ID}", "--input", f"jobId={DEMO_JOB_ID}",
            "--input", f"token={DEMO_TOKEN}", "--loop-delay", "0.4", "--loop-delay-max", "0.4",
            *extra]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
            "TERM": "xterm-256color", "LANG": "C.UTF-8", "NO_PROXY": "127.0.0.1", **extra}


def _watch(terminal: Terminal, timeout: float = 60) -> tuple[list[str], str]:
    """Screens captured while the run goes on, and the last screen once it has ended."""
    screens: list[str] = []
    deadline = time.monotonic() + timeout
    while not terminal.finished():
        assert time.monotonic() < deadline, "the run did not end"
        screens.append(terminal.screen())
        time.sleep(0.15)
    return screens, terminal.screen()


def test_a_polling_loop_is_one_line_updated_in_place(
        tmp_path: Path, simulator: DbtCloudSimulator) -> None:
    with Terminal(_command(simulator), cwd=tmp_path, env=_env(tmp_path)) as terminal:
        screens, final = _watch(terminal)
    live = []  # (row, polls) of the live line on each screen that shows one
    for screen in screens:
        rows = [(row, LIVE_LINE.match(line)) for row, line in enumerate(screen.splitlines())]
        found = [(row, int(m.group(1))) for row, m in rows if m]
        assert len(found) <= 1, f"more than one live line:\n{screen}"
        live += found
    assert len({row for row, _ in live}) == 1, "the live line moved"
    counts = [polls for _, polls in live]
    assert counts == sorted(counts) and counts[-1] - counts[0] >= 4, counts
    assert any("next in" in s for s in screens), "no countdown to the next poll"
    lines = final.splitlines()
    summary = [line for line in lines if "↻ pollRun" in line]
    assert len(summary) == 1 and re.search(r"polled \d+ times in", summary[0]), final
    assert "status 1 → 2 → 3" in summary[0]
    assert sum("pollRun" in line for line in lines) == 2, final  # the summary, the last poll
    assert any("✓ pollRun" in line and "→ listArtifacts (runSucceeded)" in line
               for line in lines), final
    assert any("✓ triggerRun" in line and "POST" in line and "200" in line for line in lines)
    assert "finalStatus: 10" in final
    assert not any(LIVE_LINE.match(line) for line in lines), "the live line was left behind"


def test_a_request_in_flight_has_a_spinner(tmp_path: Path) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    release = threading.Event()

    class Slow(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            release.wait(20)
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    command = [sys.executable, "-m", "arazzo_engine", "run", DBT, "--server",
               f"dbtAdminApi={url}", "--input", "accountId=1", "--input", "jobId=2",
               "--input", "token=abc"]
    try:
        with Terminal(command, cwd=tmp_path, env=_env(tmp_path)) as terminal:
            first = terminal.wait_for(
                lambda s: re.search(r"^\S triggerRun\s+POST /api/v2/accounts/1/jobs/2/run/",
                                    s, re.M) is not None, what="the in-flight line")
            time.sleep(0.5)
            second = terminal.screen()
            release.set()
            terminal.wait_for(lambda s: "✗ triggerRun" in s, what="the failed step")
    finally:
        release.set()
        server.shutdown()
    spinner = [line[0] for line in (first + second).splitlines() if "POST /api/v2" in line]
    assert len(set(spinner)) > 1, "the spinner did not turn"
    assert re.search(r"run/\s+\d", second), "no time in flight shown"


def test_colors_on_a_terminal_and_none_with_no_color(
        tmp_path: Path, simulator: DbtCloudSimulator) -> None:
    for env, extra, colored in ((_env(tmp_path), (), True),
                                (_env(tmp_path, NO_COLOR="1"), (), False),
                                (_env(tmp_path), ("--no-color",), False)):
        quick = ("--loop-delay", "0", *extra)  # the colors, not the pace, are checked here
        with Terminal(_command(simulator, *quick), cwd=tmp_path, env=env) as terminal:
            terminal.wait_for(lambda s: "finalStatus" in s, what="the end of the run")
            screen = terminal.screen(escapes=True)
            plain = terminal.screen()
        assert bool(COLOR.search(screen)) is colored, (extra, env.get("NO_COLOR"), screen)
        assert "✓ triggerRun" in plain


def test_an_80_column_terminal_keeps_each_line_whole_where_it_matters(
        tmp_path: Path, simulator: DbtCloudSimulator) -> None:
    """On the terminal a newcomer has, the path gives way (cut in its middle), not the status
    code, time and action; and the live line never wraps onto a second row."""
    with Terminal(_command(simulator), cwd=tmp_path, env=_env(tmp_path), width=80,
                  height=30) as terminal:
        screens, final = _watch(terminal)
    counting = [screen for screen in screens if "next in" in screen]
    assert counting, "no countdown to the next poll"
    for screen in counting:
        [row] = [line for line in screen.splitlines() if "next in" in line]
        assert LIVE_LINE.match(row) and re.search(r"next in \d+(\.\d)? s$", row.rstrip()), (
            f"the live line does not fit on one row:\n{screen}")
    lines = final.splitlines()
    trigger = next(line for line in lines if "✓ triggerRun" in line)
    assert re.search(r"POST +/api/.*….*/run/  200  \d+ ms  → next$", trigger.rstrip()), trigger
    last = next(line for line in lines if "✓ listArtifacts" in line)
    assert last.rstrip().endswith("→ end of workflow"), last
    progress = [line for line in lines if "✓" in line or "↻" in line]
    assert len(progress) == 4 and all(len(line) <= 80 for line in progress), final


def test_plain_lines_when_stdout_is_not_a_terminal(simulator: DbtCloudSimulator) -> None:
    done = subprocess.run(_command(simulator), capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\r" not in done.stdout
    polls = [line for line in done.stdout.splitlines() if line.lstrip().startswith("pollRun")]
    assert len(polls) >= 12, done.stdout  # one line per poll: a log keeps them all
    assert "finalStatus: 10" in done.stdout


def test_quiet_prints_only_the_result(simulator: DbtCloudSimulator) -> None:
    done = subprocess.run(_command(simulator, "-q"), capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0
    assert "pollRun" not in done.stdout and "triggerRun" not in done.stdout
    assert "finalStatus: 10" in done.stdout


def test_verbose_shows_requests_and_responses_masked(simulator: DbtCloudSimulator) -> None:
    done = subprocess.run(_command(simulator, "-v"), capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0
    out = done.stdout
    assert "> POST " in out and "> Authorization: Bearer ***" in out
    assert "< 200 in " in out and '"status": 10' in out
    assert DEMO_TOKEN not in out


def test_verbose_on_a_terminal_shows_every_exchange(
        tmp_path: Path, simulator: DbtCloudSimulator) -> None:
    with Terminal(_command(simulator, "-v"), cwd=tmp_path, env=_env(tmp_path)) as terminal:
        _watch(terminal)
        final = terminal.screen(history=True)
    assert final.count("> GET ") >= 12 and "< 200 in" in final
    assert DEMO_TOKEN not in final and "↻" not in final


def test_ctrl_c_on_the_live_line_then_resume_shows_live_progress(
        tmp_path: Path, simulator: DbtCloudSimulator) -> None:
    store = str(tmp_path / "runs.db")
    with Terminal(_command(simulator, "--state", store, "--loop-delay", "1"), cwd=tmp_path,
                  env=_env(tmp_path)) as terminal:
        terminal.wait_for(lambda s: any(LIVE_LINE.match(line) for line in s.splitlines()),
                          what="the live polling line")
        terminal.press("C-c")  # a real SIGINT from the terminal, while the live line is up
        terminal.wait_for(terminal_done(terminal), what="the run to stop")
        stopped = terminal.screen()
    resume = re.search(r"arazzo resume (\S+) --state", stopped)
    assert resume is not None, stopped
    assert not any(LIVE_LINE.match(line) for line in stopped.splitlines()), stopped
    assert "Traceback" not in stopped
    command = [sys.executable, "-m", "arazzo_engine", "resume", resume.group(1), "--state",
               store, "--input", f"token={DEMO_TOKEN}"]
    with Terminal(command, cwd=tmp_path, env=_env(tmp_path)) as terminal:
        _watch(terminal)
        resumed = terminal.screen()
    assert "✓ listArtifacts" in resumed and "finalStatus: 10" in resumed, resumed
    assert DEMO_TOKEN not in resumed


def terminal_done(terminal: Terminal) -> Callable[[str], bool]:
    return lambda _screen: terminal.finished()

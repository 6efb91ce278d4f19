"""``arazzo simulate dbt``: argument parsing, the banner, serving, and a clean stop."""

from __future__ import annotations

import argparse
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from arazzo_engine.cli import simulate
from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="arazzo")
    simulate.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["simulate", "dbt", *argv])


def test_defaults_are_the_demo_fixture() -> None:
    args = parse()
    assert (args.port, args.scenario, args.token, args.account_id) == (
        8000, "success", DEMO_TOKEN, DEMO_ACCOUNT_ID,
    )
    assert (args.job_ids, args.polls_per_status, args.seconds_per_status) == (None, None, None)


def test_options_are_parsed() -> None:
    args = parse("--port", "0", "--scenario", "rate-limit", "--token", "t", "--account-id", "5",
                 "--job-id", "7", "--job-id", "8", "--seconds-per-status", "0.5")
    assert (args.port, args.scenario, args.token, args.account_id, args.job_ids) == (
        0, "rate-limit", "t", 5, [7, 8],
    )
    assert (args.polls_per_status, args.seconds_per_status) == (None, 0.5)
    assert parse("--polls-per-status", "3").polls_per_status == 3


def test_time_and_polls_are_two_paces_not_one(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse("--polls-per-status", "3", "--seconds-per-status", "0.5")
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_help_shows_the_demo_fixture(capsys) -> None:
    with pytest.raises(SystemExit):
        parse("--help")
    out = " ".join(capsys.readouterr().out.split())
    for value in (DEMO_TOKEN, str(DEMO_ACCOUNT_ID), str(DEMO_JOB_ID)):
        assert f"(default {value})" in out


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--scenario", "flaky"], "invalid choice: 'flaky'"),
        (["--port", "http"], "'http' is not an integer"),
        (["--port", "70000"], "70000 is not a port"),
        (["--polls-per-status", "0"], "0 must be at least 1"),
        (["--seconds-per-status", "-1"], "-1 must be greater than 0"),
        (["--seconds-per-status", "soon"], "'soon' is not a number"),
    ],
)
def test_bad_options_are_usage_errors(capsys, argv: list[str], complaint: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse(*argv)
    assert exit_info.value.code == 2
    assert complaint in capsys.readouterr().err


def wait_for_banner(capsys) -> str:
    """Collect stdout until the banner is complete (the server thread prints it)."""
    out = ""
    for _ in range(500):
        out += capsys.readouterr().out
        if "Press Ctrl-C to stop." in out:
            return out
        time.sleep(0.01)
    raise AssertionError(f"no banner; stdout so far: {out!r}")


def test_serves_until_stopped_and_logs_each_request(capsys) -> None:
    stop = threading.Event()
    result: list[int] = []
    args = parse("--port", "0", "--scenario", "error")
    thread = threading.Thread(target=lambda: result.append(simulate.main(args, stop=stop)))
    thread.start()
    try:
        banner = wait_for_banner(capsys)
        base_url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", banner).group(1)
        assert "(error)" in banner
        for credential in (DEMO_TOKEN, str(DEMO_ACCOUNT_ID), str(DEMO_JOB_ID)):
            assert credential in banner
        with requests.Session() as session:
            session.trust_env = False
            response = session.post(
                f"{base_url}/api/v2/accounts/{DEMO_ACCOUNT_ID}/jobs/{DEMO_JOB_ID}/run/",
                json={"cause": "cli"},
                headers={"Authorization": f"Token {DEMO_TOKEN}"},
            )
        assert response.status_code == 200
    finally:
        stop.set()
        thread.join()
    assert result == [0]
    assert f"POST /api/v2/accounts/{DEMO_ACCOUNT_ID}/jobs/{DEMO_JOB_ID}/run/ -> 200" in (
        capsys.readouterr().out
    )


def test_busy_port_is_a_clear_error(capsys) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert simulate.main(parse("--port", str(port)), stop=threading.Event()) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"arazzo simulate dbt: cannot listen on 127.0.0.1:{port}: ")
    assert "--port 0" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_real_process_stops_cleanly_on_sigterm_as_on_ctrl_c(stop_signal: int) -> None:
    """``kill PID`` (a service manager, a container stopping) ends it as Ctrl-C does: the
    "stopped" line, exit 0, no traceback."""
    server = subprocess.Popen([sys.executable, "-m", "arazzo_engine", "simulate", "dbt",
                               "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        assert server.stdout is not None
        banner = ""
        while "Press Ctrl-C to stop." not in banner:  # serving: its signal handler is in place
            line = server.stdout.readline()
            assert line, server.communicate(timeout=60)
            banner += line
        server.send_signal(stop_signal)
        out, err = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode == 0, err
    assert out.splitlines()[-1:] == ["stopped"]
    assert err == ""

"""``arazzo simulate dbt``: serve the embedded dbt Cloud simulator until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator

from arazzo_engine.cli import EXIT_USAGE
from arazzo_engine.cli._args import port, positive_int, positive_number
from arazzo_engine.simulator import (
    DEFAULT_SECONDS_PER_STATUS,
    DEMO_ACCOUNT_ID,
    DEMO_JOB_ID,
    DEMO_TOKEN,
    SCENARIOS,
    DbtCloudSimulator,
    RecordedRequest,
)
from arazzo_engine.simulator._scenarios import STATUS_HUMANIZED
from arazzo_engine.simulator._scheduler import Transition


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``simulate`` (with its one target, ``dbt``) on the CLI's subparsers."""
    simulate = subparsers.add_parser(
        "simulate",
        help="serve a local API simulator",
        description="Serve a local simulator of a real API, to try workflows without an account.",
    )
    targets = simulate.add_subparsers(dest="target", metavar="TARGET", required=True)
    dbt = targets.add_parser(
        "dbt",
        help="dbt Cloud Administrative API v2 (trigger run, get run, list artifacts)",
        description=(
            "Serve dbt Cloud's trigger-run, get-run and list-artifacts endpoints on 127.0.0.1 "
            "until Ctrl-C (or SIGTERM). Runs move on with time, as in dbt Cloud, whether "
            "anyone polls them or not (runs of one job execute one at a time; a queued run "
            "says why in status_message)."
        ),
    )
    dbt.add_argument(
        "--port", type=port, metavar="N", default=8000,
        help="port to listen on (default 8000; 0 picks one)",
    )
    dbt.add_argument(
        "--scenario", choices=SCENARIOS, default="success", help="how runs end (default success)"
    )
    dbt.add_argument(
        "--token", default=DEMO_TOKEN, help=f"the token to accept (default {DEMO_TOKEN})"
    )
    dbt.add_argument(
        "--account-id", type=int, metavar="ID", default=DEMO_ACCOUNT_ID,
        help=f"the account the token is scoped to (default {DEMO_ACCOUNT_ID})",
    )
    dbt.add_argument(
        "--job-id",
        type=int,
        action="append",
        dest="job_ids",
        metavar="ID",
        help=f"a job that exists (repeatable) (default {DEMO_JOB_ID})",
    )
    pace = dbt.add_mutually_exclusive_group()
    pace.add_argument(
        "--seconds-per-status",
        metavar="SECONDS",
        type=positive_number,
        default=None,
        help="seconds a run spends in each status, polled or not "
             f"(default {DEFAULT_SECONDS_PER_STATUS:g})",
    )
    pace.add_argument(
        "--polls-per-status",
        metavar="N",
        type=positive_int,
        default=None,
        help="script the lifecycle instead: GETs a run spends in each status (runs then move "
             "only when polled, and an abandoned run holds its job's queue)",
    )


def main(args: argparse.Namespace, *, stop: threading.Event | None = None) -> int:
    """Serve until Ctrl-C or SIGTERM (or until ``stop`` is set, for embedding); 0 on a clean
    exit, either way."""
    simulator = DbtCloudSimulator(
        args.scenario,
        token=args.token,
        account_id=args.account_id,
        job_ids=tuple(args.job_ids or (DEMO_JOB_ID,)),
        polls_per_status=args.polls_per_status or 1,
        seconds_per_status=None if args.polls_per_status else (
            args.seconds_per_status or DEFAULT_SECONDS_PER_STATUS),
        port=args.port,
        on_request=_RequestPrinter(),
        on_transition=_print_transition,
    )
    try:
        simulator.start()
    except OSError as error:
        print(f"arazzo simulate dbt: cannot listen on 127.0.0.1:{args.port}: {error.strerror} "
              "(choose another with --port N, or --port 0 for a free one)", file=sys.stderr)
        return EXIT_USAGE
    if stop is None:
        stop = threading.Event()
    terminated = threading.Event()
    try:
        with _stopped_by_sigterm(stop, terminated):
            _print_banner(simulator)
            while not stop.wait(0.2):
                pass
        if terminated.is_set():
            print("stopped", flush=True)
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        simulator.stop()
    return 0


@contextlib.contextmanager
def _stopped_by_sigterm(stop: threading.Event, terminated: threading.Event) -> Iterator[None]:
    """SIGTERM (``kill``, a service manager, a container stopping) ends serving as Ctrl-C
    does, instead of killing the process mid-answer without a word."""
    if threading.current_thread() is not threading.main_thread():
        yield  # embedded in a thread: only ``stop`` ends it
        return

    def on_sigterm(_signum: int, _frame: object) -> None:
        terminated.set()
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _print_banner(simulator: DbtCloudSimulator) -> None:
    jobs = ", ".join(str(job_id) for job_id in simulator.job_ids)
    print(
        f"dbt Cloud simulator ({simulator.scenario.value}) listening on {simulator.base_url}\n"
        f"  token:      {simulator.token}\n"
        "              (send 'Authorization: Token <token>' or 'Bearer <token>')\n"
        f"  account id: {simulator.account_id}\n"
        f"  job ids:    {jobs}\n"
        f"  pace:       {_pace(simulator)}\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )


def _pace(simulator: DbtCloudSimulator) -> str:
    if simulator.seconds_per_status is not None:
        return (f"{simulator.seconds_per_status:g} s per status, polled or not (queued, "
                "starting, running, then the scenario's ending)")
    return "by polls (scripted: a run moves only when polled)"


def _print_transition(transition: Transition) -> None:
    run, old, new = transition
    print(f"  run {run.id}: {STATUS_HUMANIZED[old]} -> {STATUS_HUMANIZED[new]}", flush=True)


class _RequestPrinter:
    """One line per request; trigger POSTs are numbered, so a second one stands out."""

    def __init__(self) -> None:
        self.triggers = 0

    def __call__(self, entry: RecordedRequest) -> None:
        query = "&".join(f"{name}={value}" for name, values in entry.query.items()
                         for value in values)
        target = f"{entry.path}?{query}" if query else entry.path
        note = ""
        if entry.method == "POST" and entry.path.rstrip("/").endswith("/run") \
                and entry.status == 200:
            self.triggers += 1
            note = f"  (trigger #{self.triggers})"
        print(f"{entry.method} {target} -> {entry.status}{note}", flush=True)

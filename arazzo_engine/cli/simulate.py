"""``arazzo simulate dbt``: serve the embedded dbt Cloud simulator until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import threading

from arazzo_engine.cli._args import port, positive_int, positive_number
from arazzo_engine.simulator import (
    DEMO_ACCOUNT_ID,
    DEMO_JOB_ID,
    DEMO_TOKEN,
    SCENARIOS,
    DbtCloudSimulator,
    RecordedRequest,
)


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
            "until Ctrl-C."
        ),
    )
    dbt.add_argument(
        "--port", type=port, default=8000, help="port to listen on (default 8000; 0 picks one)"
    )
    dbt.add_argument(
        "--scenario", choices=SCENARIOS, default="success", help="how runs end (default success)"
    )
    dbt.add_argument(
        "--token", default=DEMO_TOKEN, help="the token to accept (default: the demo token)"
    )
    dbt.add_argument(
        "--account-id", type=int, default=DEMO_ACCOUNT_ID, help="the account the token is scoped to"
    )
    dbt.add_argument(
        "--job-id",
        type=int,
        action="append",
        dest="job_ids",
        help="a job that exists (repeatable; default: the demo job)",
    )
    dbt.add_argument(
        "--polls-per-status",
        type=positive_int,
        default=1,
        help="GETs a run spends in each status (default 1)",
    )
    dbt.add_argument(
        "--seconds-per-status",
        type=positive_number,
        default=None,
        help="move runs on by time instead of by polls",
    )


def main(args: argparse.Namespace, *, stop: threading.Event | None = None) -> int:
    """Serve until Ctrl-C (or until ``stop`` is set, for embedding); 0 on a clean exit."""
    simulator = DbtCloudSimulator(
        args.scenario,
        token=args.token,
        account_id=args.account_id,
        job_ids=tuple(args.job_ids or (DEMO_JOB_ID,)),
        polls_per_status=args.polls_per_status,
        seconds_per_status=args.seconds_per_status,
        port=args.port,
        on_request=_print_request,
    )
    try:
        simulator.start()
    except OSError as error:
        print(f"error: cannot listen on 127.0.0.1:{args.port}: {error.strerror}", file=sys.stderr)
        return 1
    if stop is None:
        stop = threading.Event()
    try:
        _print_banner(simulator)
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        simulator.stop()
    return 0


def _print_banner(simulator: DbtCloudSimulator) -> None:
    jobs = ", ".join(str(job_id) for job_id in simulator.job_ids)
    print(
        f"dbt Cloud simulator ({simulator.scenario.value}) listening on {simulator.base_url}\n"
        f"  token:      {simulator.token}\n"
        "              (send 'Authorization: Token <token>' or 'Bearer <token>')\n"
        f"  account id: {simulator.account_id}\n"
        f"  job ids:    {jobs}\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )


def _print_request(entry: RecordedRequest) -> None:
    query = "&".join(f"{name}={value}" for name, values in entry.query.items() for value in values)
    target = f"{entry.path}?{query}" if query else entry.path
    print(f"{entry.method} {target} -> {entry.status}", flush=True)

"""``arazzo worker``: host runs started with ``arazzo run --temporal`` until stopped.

Deploy it like any stateless service (a container with a restart policy, a Kubernetes
Deployment): runs live in Temporal, so a worker can die, be replaced or be scaled at any time.
Exit codes: 0 stopped by Ctrl-C or SIGTERM, 2 Temporal unreachable, the extra missing or bad usage.
"""

from __future__ import annotations

import argparse

from arazzo_engine.cli import EXIT_OK
from arazzo_engine.cli import _temporal as temporal_options
from arazzo_engine.cli._args import positive_int
from arazzo_engine.temporal import TemporalError


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "worker", help="run a Temporal worker that hosts runs",
        description="Poll a Temporal task queue and host the Arazzo runs started there "
                    "(arazzo run --temporal): their state machines, durable waits and HTTP "
                    "requests. Stop it with Ctrl-C or SIGTERM; another worker carries on.",
    )
    temporal_options.add_target_options(parser, required=True)
    parser.add_argument("--concurrent-requests", metavar="N", type=positive_int, default=None,
                        help="HTTP requests sent at once (default 32)")


def main(args: argparse.Namespace) -> int:
    from arazzo_engine import temporal

    try:
        target = temporal_options.target_of(args)
        temporal.serve(target, concurrent_requests=args.concurrent_requests,
                       ready=lambda: temporal_options.note(
                           f"worker polling task queue {target.task_queue!r} on "
                           f"{target.address} (namespace {target.namespace}); "
                           "Ctrl-C or SIGTERM stops it"))
    except (TemporalError, ValueError) as exc:
        return temporal_options.temporal_error_exit("worker", exc)
    temporal_options.note("worker stopped")
    return EXIT_OK

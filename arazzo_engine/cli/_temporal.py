"""The ``--temporal`` options that ``run``, ``worker`` and ``runs`` share, and the run path.

Nothing here imports the Temporal SDK: ``arazzo_engine.temporal`` imports it when a run, a worker
or a query really goes to Temporal, and says how to install it when it is missing.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Mapping
from typing import Any

from arazzo_engine._api import ArazzoDocument
from arazzo_engine.executor import Observer, RunEvent, RunOptions, RunResult
from arazzo_engine.temporal import (
    DEFAULT_NAMESPACE,
    DEFAULT_TASK_QUEUE,
    Temporal,
    TemporalError,
)

__all__ = ["add_target_options", "run_on_temporal", "target_of"]


def add_target_options(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    group = parser.add_argument_group("Temporal (docs/distributed.md)")
    group.add_argument("--temporal", metavar="HOST:PORT", required=required,
                       help="the Temporal frontend to use (needs arazzo-engine[temporal])")
    group.add_argument("--namespace", metavar="NS", default=DEFAULT_NAMESPACE,
                       help=f"Temporal namespace (default {DEFAULT_NAMESPACE})")
    group.add_argument("--task-queue", metavar="Q", default=DEFAULT_TASK_QUEUE,
                       help=f"task queue the workers poll (default {DEFAULT_TASK_QUEUE})")


def add_run_options(parser: argparse.ArgumentParser) -> None:
    add_target_options(parser)
    group = parser.add_argument_group("Temporal runs")
    group.add_argument("--detach", action="store_true",
                       help="with --temporal: print the run id and return at once")
    group.add_argument("--run-id", metavar="ID",
                       help="with --temporal: the run id (Temporal refuses one it knows)")
    group.add_argument("--resend-in-doubt", action="store_true",
                       help="with --temporal: a POST or PATCH whose worker died mid-request "
                            "may be sent again (default: never; the step fails as in doubt)")


def target_of(args: argparse.Namespace) -> Temporal:
    """The ``Temporal`` the options name; ``ValueError`` with a usable message otherwise."""
    return Temporal(args.temporal, namespace=args.namespace, task_queue=args.task_queue)


def check_run_options(args: argparse.Namespace) -> str | None:
    """The usage error in the Temporal run options, if any."""
    if args.temporal:
        local = [flag for flag, value in (("--dry-run", getattr(args, "dry_run", False)),
                                          ("--har", getattr(args, "har", None)),
                                          ("--junit", getattr(args, "junit", None))) if value]
        return f"{', '.join(local)} run locally; leave out --temporal" if local else None
    used = [flag for flag, value in (("--detach", args.detach), ("--run-id", args.run_id),
                                     ("--resend-in-doubt", args.resend_in_doubt)) if value]
    return f"{', '.join(used)} only apply with --temporal" if used else None


def run_on_temporal(args: argparse.Namespace, document: ArazzoDocument,
                    inputs: Mapping[str, Any], options: RunOptions,
                    observer: Observer | None) -> RunResult | str:
    """Starts the run on Temporal; returns its id when detached, else follows it to its
    result. Raises ``TemporalError`` (exit 2) when Temporal cannot take it."""
    from arazzo_engine import temporal

    target = target_of(args)
    options = dataclasses.replace(options, backend=target)
    label = str(document.path) if document.path is not None else None
    run_id = temporal.start(document.bundle, args.workflow, inputs, options, run_id=args.run_id,
                            resend_in_doubt=args.resend_in_doubt, document=label)
    if args.detach:
        return run_id
    note(f"run {run_id} started on Temporal at {target.address} (task queue "
         f"{target.task_queue}); Ctrl-C stops following, not the run")
    return follow(target, run_id, observer)


def follow(target: Temporal, run_id: str, observer: Observer | None) -> RunResult:
    from arazzo_engine import temporal

    try:
        return temporal.follow(target, run_id, observer, notice=_notice)
    except KeyboardInterrupt:
        note(f"stopped following; run {run_id} goes on: arazzo runs show {run_id} "
             f"--temporal {target.address}")
        raise


def note(text: str) -> None:
    print(f"arazzo: {text}", file=sys.stderr, flush=True)


def _notice(event: RunEvent) -> None:
    note(str(event.data.get("text")))


def temporal_error_exit(command: str, exc: TemporalError | ValueError) -> int:
    from arazzo_engine.cli import EXIT_USAGE

    print(f"arazzo {command}: {exc}", file=sys.stderr)
    return EXIT_USAGE

"""``arazzo runs list|show|forget``: the runs in the run store."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from arazzo_engine.cli import EXIT_OK, EXIT_USAGE
from arazzo_engine.cli import _temporal as temporal_options
from arazzo_engine.cli._state import store_argument
from arazzo_engine.store import RunStore, StoredRun, StoreError, default_store_path
from arazzo_engine.store._vault import masked


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "runs", help="list, show or forget recorded runs (--temporal: runs on Temporal)",
        description="The runs recorded in the run store (every arazzo run, unless --no-state); "
                    "with --temporal HOST:PORT, the runs on Temporal (also follow, cancel).")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every run, newest first")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.add_argument("--limit", type=int, default=None, metavar="N",
                         help="the N newest runs only")
    show = actions.add_parser("show", help="one run: its steps, outputs, the request in flight")
    show.add_argument("id", metavar="ID", help="the run id (or a unique prefix of it)")
    show.add_argument("--format", choices=("text", "json"), default="text")
    forget = actions.add_parser("forget", help="delete a run and its history from the store")
    forget.add_argument("id", metavar="ID", help="the run id (or a unique prefix of it)")
    for sub in (listing, show, forget):
        sub.add_argument("--state", metavar="PATH", help="the run store (default: the user's)")
    follow = actions.add_parser("follow", help="report a run's progress on Temporal until it "
                                               "ends, as arazzo run does")
    cancel = actions.add_parser("cancel", help="stop a run on Temporal: a wait ends at once and "
                                               "the run fails as cancelled")
    for sub in (follow, cancel):
        sub.add_argument("id", metavar="ID", help="the run id")
    follow.add_argument("--format", choices=("text", "json"), default="text")
    for sub in (listing, show):
        temporal_options.add_target_options(sub)
    for sub in (follow, cancel):
        temporal_options.add_target_options(sub, required=True)


def main(args: argparse.Namespace) -> int:
    if getattr(args, "temporal", None):  # runs on Temporal are read there, not in the store
        from arazzo_engine.cli import _temporal_runs

        return _temporal_runs.main(args)
    try:
        store = RunStore(None if store_argument(args) is True else str(args.state))
        with store:
            return {"list": _list, "show": _show, "forget": _forget}[args.action](
                store, args, sys.stdout)
    except StoreError as exc:
        print(f"arazzo runs: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _list(store: RunStore, args: argparse.Namespace, out: TextIO) -> int:
    runs = store.runs(args.limit)
    if args.format == "json":
        out.write(json.dumps([r.summary() for r in runs]) + "\n")
        return EXIT_OK
    if not runs:
        out.write(f"no runs recorded in {store.path}\n")
        return EXIT_OK
    rows = [("ID", "STATUS", "STARTED", "WORKFLOW", "LAST STEP", "DOCUMENT")]
    for run in runs:
        summary = run.summary()
        rows.append((run.id, run.status, summary["started"], run.workflow_id,
                     run.last_step or "-", run.document))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        out.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
                  + "  " + row[5] + "\n")
    return EXIT_OK


def _show(store: RunStore, args: argparse.Namespace, out: TextIO) -> int:
    run = store.get(args.id)
    steps = store.steps(run.id)
    if args.format == "json":
        data = {**run.summary(), "outputs": _outputs(run),
                "unresolvedOutputs": _unresolved(run), "error": run.error,
                "inFlight": _in_flight(run), "waiting": _waiting(run),
                "steps": [s.to_dict() for s in steps]}
        out.write(json.dumps(data, default=str) + "\n")
        return EXIT_OK
    out.write(f"run {run.id}: {run.status}\n  document: {run.document}\n"
              f"  workflow: {run.workflow_id}\n  started:  {run.summary()['started']}\n"
              f"  updated:  {run.summary()['updated']}\n")
    out.write(f"steps ({len(steps)}):\n")
    for step in steps:
        request = step.request
        line = f"{request.method} {request.url} -> {step.status_code}" if request else \
            f"workflow {step.child_workflow_id}"
        out.write(f"  {step.step_id}: {line}  [{step.outcome}]\n")
        if step.outputs:
            shown = ", ".join(f"{k}={json.dumps(v, default=str)[:60]}"
                              + (" (unresolved)" if k in step.unresolved else "")
                              for k, v in step.outputs.items())
            out.write(f"      outputs: {shown}\n")
    flight = _in_flight(run)
    if flight:
        out.write(f"in flight: step {flight['stepId']}: {flight['method']} {flight['url']} "
                  "(sent or about to be; its response was never recorded)\n")
    waiting = _waiting(run)
    if waiting:
        out.write(f"waiting: {waiting['seconds']:g} s ({waiting['reason']})\n")
    outputs = _outputs(run)
    if outputs:
        out.write("outputs:\n")
        unresolved = _unresolved(run)
        for name, value in outputs.items():
            note = "  (unresolved)" if name in unresolved else ""
            out.write(f"  {name}: {json.dumps(value, default=str)}{note}\n")
    if run.error:
        out.write(f"error: {run.error}\n")
    if run.status == "interrupted":
        hint = "" if store.path == default_store_path() else f" --state {store.path}"
        out.write(f"resume it with: arazzo resume {run.id}{hint}\n")
    return EXIT_OK


def _in_flight(run: StoredRun) -> dict[str, Any] | None:
    action = run.action or {}
    return action if action.get("kind") == "send" and run.state.get("pending") else None


def _waiting(run: StoredRun) -> dict[str, Any] | None:
    action = run.action or {}
    return action if action.get("kind") == "wait" else None


def _outputs(run: StoredRun) -> dict[str, Any]:
    """Workflow outputs of a finished run; secrets stay placeholders, shown masked."""
    outputs = run.state.get("outputs")
    return masked(outputs) if isinstance(outputs, dict) else {}


def _unresolved(run: StoredRun) -> dict[str, str]:
    """Why each workflow output that could not be resolved is null (``unresolvedOutputs``, as
    in ``arazzo run --format json``)."""
    unresolved = run.state.get("unresolved")
    return {str(k): str(v) for k, v in masked(unresolved).items()} \
        if isinstance(unresolved, dict) else {}


def _forget(store: RunStore, args: argparse.Namespace, out: TextIO) -> int:
    forgotten = store.forget(args.id)
    out.write(f"forgot run {forgotten}\n")
    return EXIT_OK

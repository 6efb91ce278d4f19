"""``arazzo runs ... --temporal``: list, show, follow and cancel runs on Temporal.

What it reads comes from Temporal itself (its visibility store and queries answered by a
worker), not from a second store. Exit codes: 0 done, 2 Temporal unreachable, an unknown run,
the extra missing or bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from arazzo_engine.cli import EXIT_FAILED, EXIT_OK
from arazzo_engine.cli import _temporal as temporal_options
from arazzo_engine.temporal import TemporalError


def main(args: argparse.Namespace) -> int:
    from arazzo_engine import temporal

    try:
        target = temporal_options.target_of(args)
        if args.action == "list":
            found = temporal.runs(target, limit=args.limit or 50)
            _print_list([run.to_dict() for run in found], args.format, sys.stdout)
        elif args.action == "show":
            _print_run(temporal.describe(target, args.id), args.format, sys.stdout)
        elif args.action == "cancel":
            temporal.cancel(target, args.id)
            temporal_options.note(f"asked run {args.id} to stop")
        else:
            return _follow(target, args)
    except (TemporalError, ValueError) as exc:
        return temporal_options.temporal_error_exit(f"runs {args.action}", exc)
    return EXIT_OK


def _follow(target: Any, args: argparse.Namespace) -> int:
    from arazzo_engine.cli.run import TextReporter, _print_summary

    observer = TextReporter(sys.stdout) if args.format == "text" else None
    result = temporal_options.follow(target, args.id, observer)
    if args.format == "json":
        sys.stdout.write(json.dumps(result.to_dict(), default=str) + "\n")
    else:
        _print_summary(result, sys.stdout)
    if not result.succeeded:
        print(f"arazzo runs follow: workflow {result.workflow_id!r} failed: {result.error}",
              file=sys.stderr)
    return EXIT_OK if result.succeeded else EXIT_FAILED


def _print_list(found: list[dict[str, Any]], form: str, out: TextIO) -> None:
    if form == "json":
        out.write(json.dumps(found) + "\n")
        return
    if not found:
        out.write("no runs\n")
        return
    rows = [("ID", "STATUS", "WORKFLOW", "STARTED", "DOCUMENT")]
    rows += [(r["id"], r["status"], r["workflowId"] or "", r["started"] or "",
              r["document"] or "") for r in found]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        out.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
                  + "  " + row[4] + "\n")


def _print_run(run: dict[str, Any], form: str, out: TextIO) -> None:
    if form == "json":
        out.write(json.dumps(run, default=str) + "\n")
        return
    result = run.get("result") or {}
    status = run.get("temporalStatus")
    if run.get("status") and status == "running":
        status = f"running ({run['status']})"
    out.write(f"run {run['id']}: {status}\n")
    for label, key in (("document", "document"), ("workflow", "workflowId"),
                       ("started", "started"), ("closed", "closed")):
        if run.get(key):
            out.write(f"  {label}: {run[key]}\n")
    if run.get("queryError"):
        out.write(f"  (no worker answered, so no steps to show: {run['queryError']})\n")
    if run.get("inputs"):
        shown = ", ".join(f"{k}={json.dumps(v, default=str)}" for k, v in run["inputs"].items())
        out.write(f"  inputs: {shown}\n")
    steps = run.get("steps") or []
    if steps or run.get("omittedSteps"):
        omitted = run.get("omittedSteps") or 0
        out.write(f"  steps ({run.get('stepCount', len(steps))} executed"
                  + (f", the first {omitted} not kept" if omitted else "") + "):\n")
        for step in steps:
            request = step.get("request") or {}
            status_code = step.get("statusCode")
            out.write(f"    {step['stepId']}: {request.get('method', 'workflow')} "
                      f"{request.get('url', '')} -> "
                      f"{status_code if status_code is not None else 'no response'} "
                      f"[{step['outcome']}]\n")
    if run.get("inFlight"):
        flight = run["inFlight"]
        out.write(f"  in flight: {flight['stepId']}: {flight['method']} {flight['url']} "
                  f"(since {flight['since']})\n")
    if run.get("waiting"):
        wait = run["waiting"]
        out.write(f"  waiting {wait['seconds']:g} s until {wait['until']} ({wait['reason']})\n")
    if result:
        out.write(f"  outcome: {result.get('outcome')}\n")
        if result.get("error"):
            out.write(f"  error: {result['error']}\n")
        for name, value in (result.get("outputs") or {}).items():
            out.write(f"  output {name}: {json.dumps(value, default=str)}\n")

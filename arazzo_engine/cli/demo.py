"""``arazzo demo``: the dbt Cloud reference workflow against the embedded simulator.

It is exactly ``arazzo run`` on the shipped workflow with the simulator's address and demo
credentials filled in, so a newcomer sees the real runner at work without a dbt Cloud account.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from arazzo_engine._resources import specs_dir
from arazzo_engine.cli import run as run_command
from arazzo_engine.cli._args import non_negative_number, positive_int
from arazzo_engine.simulator import (
    DEMO_ACCOUNT_ID,
    DEMO_JOB_ID,
    DEMO_TOKEN,
    SCENARIOS,
    DbtCloudSimulator,
)

WORKFLOW = ("dbt", "arazzo", "dbt-trigger-run-and-poll-workflow.yml")
SOURCE_NAME = "dbtAdminApi"
DEMO_LOOP_DELAY = 1.0


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo", help="run the dbt Cloud reference workflow on the embedded simulator",
        description="Start the embedded dbt Cloud simulator on 127.0.0.1 and run the reference "
                    "workflow (trigger a job run, poll it to completion, list its artifacts) "
                    "against it.",
    )
    parser.add_argument("--scenario", choices=SCENARIOS, default="success",
                        help="how the simulated run ends (default: success)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--loop-delay", metavar="SECONDS", type=non_negative_number,
                        default=DEMO_LOOP_DELAY,
                        help=f"wait between polls (default {DEMO_LOOP_DELAY:g})")
    parser.add_argument("--max-steps", metavar="N", type=positive_int, default=50,
                        help="fail after N step executions (default 50)")


def main(args: argparse.Namespace) -> int:
    workflow = specs_dir().joinpath(*WORKFLOW)
    with DbtCloudSimulator(args.scenario) as simulator:
        argv = [
            "run", str(workflow),
            "--server", f"{SOURCE_NAME}={simulator.base_url}",
            "--input", f"accountId={DEMO_ACCOUNT_ID}",
            "--input", f"jobId={DEMO_JOB_ID}",
            "--input", f"token={DEMO_TOKEN}",
            "--loop-delay", f"{args.loop_delay:g}",
            "--max-steps", str(args.max_steps),
            "--format", args.format,
        ]
        notes = sys.stderr if args.format == "json" else sys.stdout
        print(f"dbt Cloud simulator listening on {simulator.base_url} "
              f"(scenario: {args.scenario})", file=notes)
        print("equivalent command: arazzo " + shlex.join(argv), file=notes)
        print(file=notes, flush=True)
        from arazzo_engine.cli import build_parser

        run_args = build_parser().parse_args(argv)
        return int(run_command.main(run_args))

"""``arazzo demo``: the dbt Cloud reference workflow against the embedded simulator.

It is exactly ``arazzo run`` on the shipped workflow with the simulator's address and demo
credentials filled in, so a newcomer sees the real runner at work without a dbt Cloud account.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from arazzo_engine._resources import specs_dir
from arazzo_engine.cli._args import non_negative_number, positive_int, positive_number
from arazzo_engine.cli._output import PipeSafe
from arazzo_engine.cli._progress import add_progress_options
from arazzo_engine.simulator import (
    DEFAULT_SECONDS_PER_STATUS,
    DEMO_ACCOUNT_ID,
    DEMO_JOB_ID,
    DEMO_TOKEN,
    SCENARIOS,
    DbtCloudSimulator,
)

WORKFLOW = ("dbt", "arazzo", "dbt-trigger-run-and-poll-workflow.yml")
SOURCE_NAME = "dbtAdminApi"
#: Polls 0.5 s apart at first, growing to 2 s: the demo run is over in about 4 s.
DEMO_LOOP_DELAY = 0.5
DEMO_LOOP_DELAY_MAX = 2.0
DEMO_MAX_STEPS = 20
#: The port ``arazzo simulate dbt`` listens on by default (the OpenAPI document's simulator).
SIMULATE_PORT = 8000


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo", help="run the dbt Cloud reference workflow on the embedded simulator",
        description="Start the embedded dbt Cloud simulator on 127.0.0.1 and run the reference "
                    "workflow (trigger a job run, poll it to completion, list its artifacts) "
                    "against it. The simulator stops when the demo ends; `arazzo simulate dbt` "
                    "keeps one running.",
    )
    parser.add_argument("--scenario", choices=SCENARIOS, default="success",
                        help="how the simulated run ends (default: success)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text: the run's progress for people (default); json: the run's "
                             "result as one JSON object on stdout, notes on stderr")
    parser.add_argument("--seconds-per-status", metavar="SECONDS", type=positive_number,
                        default=DEFAULT_SECONDS_PER_STATUS,
                        help="how long the simulated run spends in each status "
                             f"(default {DEFAULT_SECONDS_PER_STATUS:g})")
    parser.add_argument("--loop-delay", metavar="SECONDS", type=non_negative_number,
                        default=DEMO_LOOP_DELAY,
                        help=f"the first wait between polls (default {DEMO_LOOP_DELAY:g}; 0: "
                             "no waiting, and the simulated run then moves on at each poll)")
    parser.add_argument("--loop-delay-max", metavar="SECONDS", type=non_negative_number,
                        default=DEMO_LOOP_DELAY_MAX,
                        help="the longest wait between polls, as the wait grows "
                             f"(default {DEMO_LOOP_DELAY_MAX:g})")
    parser.add_argument("--max-steps", metavar="N", type=positive_int, default=DEMO_MAX_STEPS,
                        help=f"fail after N step executions (default {DEMO_MAX_STEPS})")
    parser.add_argument("--test", action="store_true",
                        help="run `arazzo test` instead of `arazzo run`: every exchange checked "
                             "against the OpenAPI description (try --scenario drift)")
    add_progress_options(parser)


def main(args: argparse.Namespace) -> int:
    workflow = specs_dir().joinpath(*WORKFLOW)
    # Without waits between polls, time would barely move between them: each poll moves the run.
    seconds = args.seconds_per_status if args.loop_delay > 0 else None
    with DbtCloudSimulator(args.scenario, seconds_per_status=seconds) as simulator:
        argv = [
            "test" if args.test else "run", str(workflow),
            "--server", f"{SOURCE_NAME}={simulator.base_url}",
            "--input", f"accountId={DEMO_ACCOUNT_ID}",
            "--input", f"jobId={DEMO_JOB_ID}",
            "--input", f"token={DEMO_TOKEN}",
            "--loop-delay", f"{args.loop_delay:g}",
            "--loop-delay-max", f"{args.loop_delay_max:g}",
            "--max-steps", str(args.max_steps),
            *([] if args.test else ["--format", args.format]),
            *(["--quiet"] if args.quiet else []),
            # arazzo test prints its own table: -v and --no-color are arazzo run's
            *(["--verbose"] if args.verbose and not args.test else []),
            *(["--no-color"] if args.no_color and not args.test else []),
        ]
        notes = PipeSafe(sys.stderr if args.format == "json" else sys.stdout)
        pace = f"{seconds:g} s per status" if seconds else "one status per poll"
        print(f"dbt Cloud simulator listening on {simulator.base_url} "
              f"(scenario: {args.scenario}, {pace})", file=notes)
        print("equivalent command: arazzo " + shlex.join(argv), file=notes)
        keep = shlex.join(["arazzo", "simulate", "dbt", "--port", str(SIMULATE_PORT),
                           "--scenario", args.scenario,
                           *(["--seconds-per-status", f"{seconds:g}"] if seconds
                             else ["--polls-per-status", "1"])])
        print(f"  (this simulator and its port {simulator.port} are gone once the demo ends; "
              f"to keep one, run `{keep}` in another terminal and use "
              f"--server {SOURCE_NAME}=http://127.0.0.1:{SIMULATE_PORT})", file=notes)
        print(file=notes, flush=True)
        from arazzo_engine.cli import build_parser

        command = argv[0]
        parsed = build_parser([command]).parse_args(argv)
        return int(parsed.handler(parsed))

"""``arazzo resume ID``: carry on a stopped run from its last checkpoint.

Exit codes as for ``arazzo run`` (0 succeeded, 1 failed), and 1 when the run stopped with a
POST or PATCH in flight that is not sent again without ``--resend-in-doubt``; 2 when the run
cannot be resumed (finished, running, its document changed, a secret input missing or wrong).
"""

from __future__ import annotations

import argparse
import sys

from arazzo_engine._resume import InDoubtRequest, ResumeRefused, resume
from arazzo_engine.cli import EXIT_FAILED, EXIT_USAGE
from arazzo_engine.cli import run as run_command
from arazzo_engine.cli._output import PipeSafe
from arazzo_engine.cli._progress import add_progress_options, progress_for
from arazzo_engine.cli._state import RunWatcher, store_argument
from arazzo_engine.errors import ArazzoError
from arazzo_engine.executor import StopSignal, stop_on_signals
from arazzo_engine.store import StoreError


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "resume", help="continue a stopped run from its checkpoint",
        description="Continue a run that was interrupted or killed, from its last checkpoint, "
                    "with the documents and inputs it started with. Secret inputs are asked "
                    "for again. A GET, PUT or DELETE in flight is sent again; a POST or PATCH "
                    "is not, unless --resend-in-doubt or the step is marked "
                    "x-arazzo-safe-to-repeat: true.")
    parser.add_argument("id", metavar="ID", help="the run id (or a unique prefix of it)")
    parser.add_argument("--input", metavar="NAME=VALUE", action="append", default=[],
                        help="a secret input, given again (also: ARAZZO_INPUT_NAME)")
    parser.add_argument("--inputs-file", metavar="FILE",
                        help="a JSON or YAML object of inputs (--input wins)")
    parser.add_argument("--server", metavar="SOURCE=URL", action="append", default=[],
                        help="replace the base URL of a source description's API")
    parser.add_argument("--server-variable", metavar="[SOURCE.]NAME=VALUE", action="append",
                        default=[], help="set an OpenAPI server variable")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--resend-in-doubt", action="store_true",
                        help="send a POST or PATCH in flight again (after checking the API "
                             "did not act on it)")
    parser.add_argument("--trace", metavar="FILE",
                        help="write every step execution (requests masked) as JSON to FILE")
    parser.add_argument("--state", metavar="PATH", help="the run store (default: the user's)")
    add_progress_options(parser)


def main(args: argparse.Namespace) -> int:
    try:
        given = run_command.given_inputs(args)
        inputs = {**given.from_file, **given.texts}  # texts: secrets are compared as text
        servers = dict(run_command.pair(t, "--server") for t in args.server)
        variables = dict(run_command.pair(t, "--server-variable") for t in args.server_variable)
    except ValueError as exc:
        return _usage(str(exc))
    out = PipeSafe(sys.stdout)
    reporter = progress_for(args, sys.stdout, out, lambda: run_command.TextReporter(out))
    watcher = RunWatcher(reporter, out)
    try:
        with StopSignal() as stop, stop_on_signals(stop):
            result = resume(args.id, inputs=inputs, servers=servers, server_variables=variables,
                            resend_in_doubt=args.resend_in_doubt, state=store_argument(args),
                            observer=watcher, stop=stop)
    except InDoubtRequest as exc:
        print(f"arazzo resume: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (ResumeRefused, StoreError) as exc:
        return _usage(str(exc))
    except ArazzoError as exc:
        return _usage(str(exc))
    finally:
        if reporter is not None:
            reporter.close()
    args.path = result.run_id  # the trace names the run
    return run_command.report_result(args, result, out, "arazzo resume", stop, watcher)


def _usage(message: str) -> int:
    print(f"arazzo resume: {message}", file=sys.stderr)
    return EXIT_USAGE

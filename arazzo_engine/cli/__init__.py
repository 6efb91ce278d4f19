"""The ``arazzo`` command: a thin argparse front end over the public Python API.

Each subcommand lives in its own module with ``add_parser(subparsers)`` and ``main(args) -> int``.
Exit codes are a contract (README): 0 success, 1 the workflow or document failed, 2 unusable input
or bad usage, 3 an internal error (a bug in arazzo-engine: the message asks for a report).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence

from arazzo_engine._version import __version__

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

_SUBCOMMANDS = ("run", "validate", "list", "describe", "graph", "demo", "simulate")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="arazzo",
        description="Validate, run and test OpenAPI Initiative Arazzo 1.0.x workflows.",
    )
    parser.add_argument("--version", action="version", version=f"arazzo-engine {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in _SUBCOMMANDS:
        module = importlib.import_module(f"arazzo_engine.cli.{name}")
        module.add_parser(subparsers)
        subparsers.choices[name].set_defaults(handler=module.main)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse reports usage errors itself, with exit code 2
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("arazzo: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the last line of defence: never show a user a traceback
        if os.environ.get("ARAZZO_DEBUG"):
            traceback.print_exc()
        print(f"arazzo: internal error: {type(exc).__name__}: {exc}\n"
              "This is a bug in arazzo-engine; please report it "
              "(set ARAZZO_DEBUG=1 to see the traceback).", file=sys.stderr)
        return EXIT_INTERNAL

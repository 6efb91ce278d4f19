"""The ``arazzo`` command: a thin argparse front end over the public Python API.

Each subcommand lives in its own module with ``add_parser(subparsers)`` and ``main(args) -> int``.
Exit codes are a contract (README): 0 success, 1 the workflow or document failed, 2 unusable input
or bad usage, 3 an internal error (a bug in arazzo-engine: the message asks for a report),
130 and 143 a run stopped by SIGINT (Ctrl-C) or SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence

from arazzo_engine._version import __version__

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
#: 128 + the signal's number, as shells report a process a signal ended.
EXIT_INTERRUPTED = 130  # SIGINT (Ctrl-C)
EXIT_TERMINATED = 143  # SIGTERM

_SUBCOMMANDS = ("run", "resume", "runs", "test", "validate", "list", "describe", "graph", "demo",
                "simulate", "worker", "completion")
#: Subcommands whose module has another name (a module ``list`` would shadow the builtin here).
_MODULES = {"list": "listing"}


def build_parser(commands: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command line: every subcommand, or only those in ``commands``.

    A subcommand's module (and so the layers it needs) is imported only when its parser is
    built, so ``main`` builds just the one a command line names: ``arazzo validate`` never
    imports the executor, ``arazzo --version`` imports no layer at all.
    """
    parser = argparse.ArgumentParser(
        prog="arazzo",
        description="Validate, run and test OpenAPI Initiative Arazzo 1.0.x and 1.1.x workflows.",
    )
    parser.add_argument("--version", action="version", version=f"arazzo-engine {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in _SUBCOMMANDS if commands is None else commands:
        module = importlib.import_module(f"arazzo_engine.cli.{_MODULES.get(name, name)}")
        module.add_parser(subparsers)
        subparsers.choices[name].set_defaults(handler=module.main)
        _name_the_parser(subparsers.choices[name])
    return parser


def _name_the_parser(parser: argparse.ArgumentParser) -> None:
    """Each (sub)command remembers its parser, so that an unknown option is reported with
    that command's usage (``arazzo run --formt``), not the top-level one."""
    parser.set_defaults(_usage_parser=parser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _name_the_parser(child)


def _commands_needed(argv: Sequence[str]) -> list[str] | None:
    """The subcommand the command line names (``[]`` for a bare ``--version``), or None when
    the whole parser is needed: top-level help, no command, an unknown one."""
    for token in argv:
        if token in ("-h", "--help"):
            return None
        if token == "--version":
            return []
        if not token.startswith("-"):
            return [token] if token in _SUBCOMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """The command; a Ctrl-C at any moment ends it with 130 and one line, never a traceback:
    while the chosen subcommand's layers are still being imported (the first second or so of
    ``arazzo run`` on a loaded machine) as well as while it runs."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        with contextlib.suppress(OSError, ValueError, KeyboardInterrupt):
            print("arazzo: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _main(argv: Sequence[str] | None) -> int:
    # Not list(): importing the ``list`` subcommand binds that name in this package.
    argv = sys.argv[1:] if argv is None else [*argv]
    if argv[:1] == ["__complete"]:  # the shell completion scripts' callback (cli/_complete.py)
        from arazzo_engine.cli import _complete

        return _complete.main(argv[1:])
    parser = build_parser(_commands_needed(argv))
    try:
        args, unknown = parser.parse_known_args(argv)
        if unknown:
            getattr(args, "_usage_parser", parser).error(
                f"unrecognized arguments: {' '.join(unknown)}")
    except SystemExit as exc:  # argparse reports usage errors itself, with exit code 2
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    try:
        return int(args.handler(args))
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the last line of defence: never show a user a traceback
        if os.environ.get("ARAZZO_DEBUG"):
            import traceback  # only on a bug: its import costs every command

            traceback.print_exc()
        print(f"arazzo: internal error: {type(exc).__name__}: {exc}\n"
              "This is a bug in arazzo-engine; please report it "
              "(set ARAZZO_DEBUG=1 to see the traceback).", file=sys.stderr)
        return EXIT_INTERNAL


#: The Temporal SDK's native (Rust) extension; see ``entry``.
_TEMPORAL_BRIDGE = "temporalio.bridge.temporal_sdk_bridge"


def entry() -> None:
    """The ``arazzo`` program: ``main()``, then exit with its code.

    The Temporal SDK keeps native threads that may call into Python while the interpreter shuts
    down; now and then that aborts the process (SIGABRT, exit 134) after the command succeeded
    (temporalio/sdk-python issue 300). A command that loaded the SDK's native extension
    therefore flushes its output and leaves without the interpreter's teardown, so the exit
    code is always the command's own. Every other command exits normally.
    """
    code = main()
    if _TEMPORAL_BRIDGE in sys.modules:
        for stream in (sys.stdout, sys.stderr):
            # a closed pipe never decides the exit code
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)
    sys.exit(code)

"""The run store on the command line: --state/--no-state, and the run id a stopped run
prints in its resume command."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from arazzo_engine.cli._args import non_negative_number
from arazzo_engine.cli._output import Writer
from arazzo_engine.executor import RunEvent
from arazzo_engine.executor._options import DEFAULT_CHECKPOINT_INTERVAL
from arazzo_engine.store import default_store_path


def add_state_options(parser: Any) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--state", metavar="PATH",
                       help=f"the run store, a SQLite file (default {_shown_default()})")
    group.add_argument("--no-state", action="store_true",
                       help="record nothing: the run cannot be resumed")
    parser.add_argument("--checkpoint-interval", metavar="SECONDS", type=non_negative_number,
                        default=DEFAULT_CHECKPOINT_INTERVAL,
                        help="group the run store's commits of idempotent polls for up to this "
                             f"long (default {DEFAULT_CHECKPOINT_INTERVAL:g}; 0: commit before "
                             "every request); a crash may re-send that many seconds' polls")


def _shown_default() -> str:
    path = default_store_path()
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def state_choice(args: argparse.Namespace) -> bool | str:
    """``RunOptions.state`` for these options: False, True (the default store) or a path."""
    if getattr(args, "no_state", False):
        return False
    return str(args.state) if getattr(args, "state", None) else True


def store_argument(args: argparse.Namespace) -> Literal[True] | str:
    """For commands that read the store: ``--state PATH`` or the default."""
    return str(args.state) if getattr(args, "state", None) else True


class RunWatcher:
    """Passes events on to the text reporter and remembers the run's id and store."""

    def __init__(self, reporter: Callable[[RunEvent], None] | None, out: Writer) -> None:
        self.reporter = reporter
        self.out = out
        self.run_id: str | None = None
        self.store: str | None = None

    def __call__(self, event: RunEvent) -> None:
        if event.kind == "recorded":
            self.run_id = str(event.data["runId"])
            self.store = str(event.data["store"])
            if self.reporter is not None:
                verb = "resuming run" if event.data.get("resumed") else "run"
                self.out.write(f"{verb} {self.run_id}\n")
                self.out.flush()
            return
        if self.reporter is not None:
            self.reporter(event)

    def resume_command(self) -> str | None:
        if self.run_id is None:
            return None
        store = "" if self.store == str(default_store_path()) else f" --state {self.store}"
        return f"arazzo resume {self.run_id}{store}"

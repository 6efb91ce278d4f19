"""Which progress a run shows: live on a terminal, plain lines elsewhere, or none.

- stdout a terminal (and ``TERM`` not ``dumb``): the live view (cli/_live.py), in color unless
  ``--no-color`` or ``NO_COLOR`` (https://no-color.org) says otherwise.
- stdout a file or a pipe (CI logs): plain lines, one event a line, never a control character.
- ``-q``: no progress at all, only the result. ``-v``: every request and response too
  (masked), and loops are not collapsed.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TextIO

from arazzo_engine.cli._exchange import exchange_lines
from arazzo_engine.cli._output import Writer
from arazzo_engine.errors import ArazzoError
from arazzo_engine.executor import RunEvent, StepExecution

__all__ = ["Progress", "add_progress_options", "colors_wanted", "progress_for", "step_order"]


class Progress(Protocol):
    def __call__(self, event: RunEvent) -> None: ...

    def close(self) -> None: ...


def add_progress_options(parser: Any) -> None:
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress: print only the result")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print every request and response (secrets masked)")
    parser.add_argument("--no-color", action="store_true",
                        help="no colors (as NO_COLOR does)")


def step_order(document: Any) -> dict[str, list[str]]:
    """workflowId -> its step ids in order, for every workflow of the document (the live view
    needs to know where a ``next`` leads)."""
    try:
        return {w.workflow_id: [s.step_id for s in w.steps] for w in document.workflows()}
    except ArazzoError:  # an outline is a nicety here; a run never fails for want of one
        return {}


def colors_wanted(args: argparse.Namespace, environ: Mapping[str, str]) -> bool:
    return not getattr(args, "no_color", False) and not environ.get("NO_COLOR")


def is_terminal(stream: TextIO, environ: Mapping[str, str]) -> bool:
    try:
        return stream.isatty() and environ.get("TERM", "") != "dumb"
    except (AttributeError, ValueError):
        return False


def progress_for(args: argparse.Namespace, stream: TextIO, out: Writer,
                 plain: Callable[[], Callable[[RunEvent], None]],
                 step_order: Mapping[str, list[str]] | None = None,
                 environ: Mapping[str, str] | None = None) -> Progress | None:
    """The progress observer for a text run, or None (``-q``, or JSON output).

    ``stream`` is the real stdout (a terminal or not); ``out`` the pipe-safe writer plain
    lines go to; ``plain`` makes the line-by-line reporter.
    """
    environ = os.environ if environ is None else environ
    if getattr(args, "format", "text") != "text" or getattr(args, "quiet", False):
        return None
    verbose = bool(getattr(args, "verbose", False))
    if is_terminal(stream, environ):
        from rich.console import Console

        from arazzo_engine.cli._live import LiveReporter

        color = colors_wanted(args, environ)
        console = Console(file=stream, force_terminal=True, no_color=not color,
                          color_system="auto" if color else None, highlight=False,
                          soft_wrap=False)
        return LiveReporter(console, verbose=verbose, step_order=step_order)
    return _Plain(plain(), out, verbose)


class _Plain:
    """The line-by-line reporter, with ``-v``'s exchanges after each step's lines."""

    def __init__(self, inner: Callable[[RunEvent], None], out: Writer, verbose: bool) -> None:
        self.inner = inner
        self.out = out
        self.verbose = verbose
        self.response_body: str | None = None

    def __call__(self, event: RunEvent) -> None:
        if event.kind == "response":
            self.response_body = str(event.data.get("body") or "")
        self.inner(event)
        if self.verbose and event.kind == "step-finished":
            execution: StepExecution = event.data["execution"]
            pad = "  " * execution.depth
            for line in exchange_lines(execution, self.response_body):
                self.out.write(f"{pad}      {line}\n")
            self.out.flush()
            self.response_body = None

    def close(self) -> None:
        self.out.flush()

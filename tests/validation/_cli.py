"""Runs ``arazzo validate`` in-process and captures what it prints."""

from __future__ import annotations

import argparse
import contextlib
import io
from dataclasses import dataclass

from arazzo_engine.cli import validate


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: str
    stderr: str


def run_validate(*argv: str) -> Outcome:
    parser = argparse.ArgumentParser(prog="arazzo")
    validate.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["validate", *argv])
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = validate.main(args)
    return Outcome(code, out.getvalue(), err.getvalue())

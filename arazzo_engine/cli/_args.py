"""Argument types and option groups that several subcommands share, so they agree exactly."""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any


def integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None


def number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def positive_int(text: str) -> int:
    value = integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be at least 1")
    return value


def positive_number(text: str) -> float:
    value = number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be greater than 0")
    return value


def non_negative_number(text: str) -> float:
    value = number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must not be negative")
    return value


def port(text: str) -> int:
    value = integer(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a port (0-65535)")
    return value


def add_source_options(parser: Any) -> None:
    """Where source descriptions may be read from: the same options everywhere."""
    parser.add_argument("--root", metavar="DIR",
                        help="refuse local source descriptions outside DIR (for documents you "
                             "do not trust; by default relative and file: URLs are read "
                             "wherever they lead)")
    parser.add_argument("--allow-remote", action="store_true",
                        help="fetch http(s) source descriptions (off by default)")
    # Retired in 0.2: nothing is confined without --root. Accepted so that scripts keep working.
    parser.add_argument("--allow-outside-root", action="store_true", help=argparse.SUPPRESS)


def source_root(args: argparse.Namespace, command: str) -> str | None:
    """``--root`` after the retired ``--allow-outside-root``: a note, or a usage error when the
    two contradict each other (``ValueError``)."""
    if not args.allow_outside_root:
        return args.root
    if args.root is not None:
        raise ValueError("--allow-outside-root contradicts --root: local sources are read "
                         "wherever they lead unless --root confines them; drop one of the two")
    print(f"arazzo {command}: note: --allow-outside-root is no longer needed (local sources are "
          "read wherever they lead unless --root DIR is given) and will be removed",
          file=sys.stderr)
    return None

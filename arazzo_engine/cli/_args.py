"""Argument types and option groups that several subcommands share, so they agree exactly."""

from __future__ import annotations

import argparse
import math
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
    """Where source descriptions may be read from: the same three options everywhere."""
    parser.add_argument("--root", metavar="DIR",
                        help="the folder tree local source descriptions must stay in (default: "
                             "the current folder when the document is under it, else the "
                             "document's folder)")
    parser.add_argument("--allow-outside-root", action="store_true",
                        help="read local source descriptions outside --root")
    parser.add_argument("--allow-remote", action="store_true",
                        help="fetch http(s) source descriptions")

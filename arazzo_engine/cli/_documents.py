"""Loading documents for the commands that read them, with the same errors everywhere."""

from __future__ import annotations

import argparse
import sys

from arazzo_engine._api import ArazzoDocument, load
from arazzo_engine.cli import EXIT_USAGE
from arazzo_engine.errors import DocumentError

__all__ = ["load_for", "usage"]


def load_for(command: str, path: str, args: argparse.Namespace) -> ArazzoDocument | str:
    """The loaded document, or why it cannot be read (already said on stderr)."""
    try:
        return load(path, root=getattr(args, "root", None),
                    allow_remote=getattr(args, "allow_remote", False),
                    allow_outside_root=getattr(args, "allow_outside_root", False))
    except DocumentError as exc:
        print(f"arazzo {command}: {exc}", file=sys.stderr)
        return str(exc)


def usage(command: str, message: str) -> int:
    print(f"arazzo {command}: {message}", file=sys.stderr)
    return EXIT_USAGE

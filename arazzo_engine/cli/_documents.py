"""Loading documents for the commands that only read them, with the same errors everywhere."""

from __future__ import annotations

import argparse
import sys

from arazzo_engine._api import ArazzoDocument, load
from arazzo_engine.cli import EXIT_USAGE
from arazzo_engine.cli._args import source_root
from arazzo_engine.errors import DocumentError

__all__ = ["Loader", "usage"]


class Loader:
    """Loads documents under the command's source options (``--root``, ``--allow-remote``)."""

    def __init__(self, command: str, args: argparse.Namespace) -> None:
        self.command = command
        self.allow_remote = bool(args.allow_remote)
        #: ``ValueError`` for contradicting options: the caller's usage error.
        self.root = source_root(args, command)

    def load(self, path: str) -> ArazzoDocument | str:
        """The loaded document, or why it cannot be read (already said on stderr)."""
        try:
            return load(path, root=self.root, allow_remote=self.allow_remote)
        except DocumentError as exc:
            print(f"arazzo {self.command}: {exc}", file=sys.stderr)
            return str(exc)


def usage(command: str, message: str) -> int:
    print(f"arazzo {command}: {message}", file=sys.stderr)
    return EXIT_USAGE

"""``arazzo completion bash|zsh|fish``: prints the shell's completion script.

It completes subcommands, flags and fixed choices from the script itself, and the workflow
ids, input names and source names of the document already on the command line by asking
``arazzo __complete``. Regenerate it after upgrading arazzo-engine: new options appear then.
"""

from __future__ import annotations

import argparse
import sys

from arazzo_engine.cli import EXIT_OK
from arazzo_engine.cli._completion import command_spec
from arazzo_engine.cli._completion_scripts import SHELLS, script

_INSTALL = {
    "bash": "arazzo completion bash > ~/.local/share/bash-completion/completions/arazzo "
            "(or add eval \"$(arazzo completion bash)\" to ~/.bashrc)",
    "zsh": "arazzo completion zsh > \"${fpath[1]}/_arazzo\" (or add "
           "eval \"$(arazzo completion zsh)\" to ~/.zshrc after compinit)",
    "fish": "arazzo completion fish > ~/.config/fish/completions/arazzo.fish",
}


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "completion", help="print a shell completion script (bash, zsh, fish)",
        description="Print the completion script for a shell: subcommands, options, and the "
                    "workflow ids and input names of the document on the command line.",
        epilog="Install: " + "; ".join(f"{shell}: {how}" for shell, how in _INSTALL.items()),
    )
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete in")


def main(args: argparse.Namespace) -> int:
    from arazzo_engine.cli import build_parser

    sys.stdout.write(script(args.shell, command_spec(build_parser())))
    return EXIT_OK

"""What shell completion needs to know about the ``arazzo`` command line, read from argparse.

The shell scripts (``arazzo completion bash|zsh|fish``) are generated from this, so a new
option completes without anyone editing a script. Subcommands, flags and fixed choices are
written into the script (instant); values only the document knows (workflow ids, input
names, source names) are asked of ``arazzo __complete`` when the user presses TAB there.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

__all__ = ["CommandSpec", "OptionSpec", "command_spec", "value_kind"]

#: Value kinds a script knows how to complete. ``workflows``, ``inputs`` and ``sources`` are
#: read from the document on the command line by ``arazzo __complete``.
VALUE_KINDS = ("files", "dirs", "choices", "workflows", "inputs", "sources", "text")
#: Options whose values come from the document, by ``dest``.
_DYNAMIC = {"workflow": "workflows", "input": "inputs", "server": "sources"}


@dataclass(frozen=True)
class OptionSpec:
    flags: tuple[str, ...]
    help: str
    #: None for a flag that takes no value, else one of ``VALUE_KINDS``.
    value: str | None = None
    choices: tuple[str, ...] = ()
    metavar: str = ""
    repeatable: bool = False


@dataclass
class CommandSpec:
    #: The words that lead here: ``()`` for ``arazzo`` itself, ``("simulate", "dbt")``.
    path: tuple[str, ...]
    help: str
    options: list[OptionSpec] = field(default_factory=list)
    #: The value kind of each positional argument in order (``files`` for a document path).
    positionals: list[str] = field(default_factory=list)
    #: True when the last positional takes any number of words (``PATH...``).
    many: bool = False
    subcommands: list[CommandSpec] = field(default_factory=list)

    @property
    def name(self) -> str:
        return " ".join(self.path)

    def walk(self) -> list[CommandSpec]:
        """This command and every command below it, parents first."""
        found = [self]
        for sub in self.subcommands:
            found += sub.walk()
        return found

    def option(self, flag: str) -> OptionSpec | None:
        return next((o for o in self.options if flag in o.flags), None)

    def subcommand(self, name: str) -> CommandSpec | None:
        return next((s for s in self.subcommands if s.path[-1] == name), None)


def command_spec(parser: argparse.ArgumentParser, path: tuple[str, ...] = (),
                 help_text: str = "") -> CommandSpec:
    """The completion view of ``parser`` and its subcommands (hidden ones left out)."""
    spec = CommandSpec(path, help_text or (parser.description or "").split(". ")[0])
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                if name in helps:  # a subcommand without help is hidden
                    spec.subcommands.append(command_spec(sub, (*path, name), helps[name]))
            continue
        if action.help == argparse.SUPPRESS:
            continue
        if action.option_strings:
            spec.options.append(_option(action))
        else:
            spec.positionals.append(value_kind(action) or "text")
            spec.many = action.nargs in ("+", "*")
    return spec


def _option(action: argparse.Action) -> OptionSpec:
    kind = value_kind(action)
    return OptionSpec(
        flags=tuple(action.option_strings),
        help=" ".join((action.help or "").split()).replace("%%", "%"),
        value=kind,
        choices=tuple(str(c) for c in action.choices or ()),
        metavar=str(action.metavar or action.dest.upper()) if kind else "",
        repeatable=isinstance(action, argparse._AppendAction),
    )


def value_kind(action: argparse.Action) -> str | None:
    """How a value of ``action`` completes, or None when it takes no value."""
    if action.nargs == 0:
        return None
    if action.choices:
        return "choices"
    if action.dest in _DYNAMIC and action.option_strings:
        return _DYNAMIC[action.dest]
    metavar = str(action.metavar or "")
    if metavar == "DIR":
        return "dirs"
    if metavar in ("FILE", "PATH"):
        return "files"
    return "text"

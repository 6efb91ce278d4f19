"""Inputs from the environment and from a person at the terminal, after the command line.

The order, first wins: ``--input NAME=VALUE``, then ``--inputs-file``, then the environment
(``ARAZZO_INPUT_<NAME>``: the exact-case name first, then the name upper-cased with anything
that is not a letter or digit as ``_``), then, when stdin and stderr are a terminal, a prompt
for each required input still missing that has no default (secrets are read without echo).
Text from the environment or a prompt is read as ``--input`` text is: with the inputs schema
in mind.
"""

from __future__ import annotations

import getpass
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

from arazzo_engine.outline import InputOutline

__all__ = ["ENV_PREFIX", "HOW_TO_GIVE", "Prompter", "environment_names", "from_environment",
           "missing_required"]

ENV_PREFIX = "ARAZZO_INPUT_"
#: Said after an inputs problem: every way there is to give an input.
HOW_TO_GIVE = (f"give inputs with --input NAME=VALUE, --inputs-file FILE or {ENV_PREFIX}<NAME> "
               "in the environment")
#: Times an empty answer to a required input is asked again before giving up.
_ASKS = 3


def environment_names(name: str) -> tuple[str, str]:
    """(exact-case, upper-cased) variable names for an input: ``accountId`` ->
    ``ARAZZO_INPUT_accountId``, ``ARAZZO_INPUT_ACCOUNTID``."""
    return ENV_PREFIX + name, ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def from_environment(inputs: Sequence[InputOutline],
                     environ: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """``{input name: (text, variable it came from)}`` for each declared input found.

    Two inputs whose upper-cased names collide (``id`` and ``ID``) are read by exact case
    only: an upper-cased variable cannot say which one it means.
    """
    upper_owners: dict[str, list[str]] = {}
    for item in inputs:
        upper_owners.setdefault(environment_names(item.name)[1], []).append(item.name)
    found: dict[str, tuple[str, str]] = {}
    for item in inputs:
        exact, upper = environment_names(item.name)
        if exact in environ:
            found[item.name] = (environ[exact], exact)
        elif upper in environ and len(upper_owners[upper]) == 1:
            found[item.name] = (environ[upper], upper)
    return found


def missing_required(inputs: Sequence[InputOutline], given: set[str]) -> list[InputOutline]:
    """Required inputs without a default that no source gave."""
    return [i for i in inputs if i.required and not i.has_default and i.name not in given]


@dataclass
class Prompter:
    """Asks a person for inputs on the terminal; secrets are read without echo."""

    stdin: TextIO
    stderr: TextIO
    read_secret: Callable[[str, TextIO], str] = getpass.getpass

    @classmethod
    def for_terminal(cls) -> Prompter | None:
        """A prompter when a person can answer (stdin and stderr are terminals), else None."""
        if sys.stdin is None or sys.stderr is None:
            return None
        try:
            interactive = sys.stdin.isatty() and sys.stderr.isatty()
        except (AttributeError, ValueError):
            return None
        return cls(sys.stdin, sys.stderr) if interactive else None

    def ask(self, missing: Sequence[InputOutline], workflow_id: str) -> dict[str, str]:
        """The texts typed for ``missing``; an input left empty is asked again, then left out
        (the inputs check then says it is required). End of input stops asking."""
        if not missing:
            return {}
        self.stderr.write(f"workflow {workflow_id} needs {len(missing)} more input(s) "
                          "(Ctrl-C to stop):\n")
        self.stderr.flush()
        answers: dict[str, str] = {}
        for item in missing:
            text = self._one(item)
            if text is None:
                break
            if text != "":
                answers[item.name] = text
        return answers

    def _one(self, item: InputOutline) -> str | None:
        notes = [item.type_text]
        if item.secret:
            notes.append("secret, not echoed")
        # "... Bearer Token).: " reads badly: the prompt's colon ends the sentence
        description = " ".join((item.description or "").split()).rstrip(".")
        about = f" - {description}" if description else ""
        prompt = f"  {item.name} ({', '.join(notes)}){about}: "
        for _ in range(_ASKS):
            if item.secret:
                try:
                    text = self.read_secret(prompt, self.stderr)
                except EOFError:
                    return None
            else:
                self.stderr.write(prompt)
                self.stderr.flush()
                line = self.stdin.readline()
                if line == "":
                    return None
                text = line.rstrip("\r\n")
            if text.strip():
                return text
            self.stderr.write(f"  {item.name} is required.\n")
        return ""

"""``arazzo __complete KIND CURRENT WORD...``: the values only the document knows.

The completion scripts call this when TAB is pressed after ``--workflow`` (workflow ids),
``--input`` (``name=`` for each input the workflow declares and the command line does not give
yet, then the values of an enum or boolean input) or ``--server`` (``source=``). It prints one
candidate a line, ``value<TAB>description``, and never fails loudly: a document that cannot
be read simply has nothing to offer.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from arazzo_engine._api import ArazzoDocument, load
from arazzo_engine.cli._completion import CommandSpec
from arazzo_engine.errors import ArazzoError

__all__ = ["Scanned", "candidates", "main", "scan"]

_DESCRIPTION_WIDTH = 60


@dataclass
class Scanned:
    """A partial command line read the way argparse would read it."""

    command: CommandSpec
    options: dict[str, list[str]] = field(default_factory=dict)
    positionals: list[str] = field(default_factory=list)

    def last(self, flag: str) -> str | None:
        values = self.options.get(flag)
        return values[-1] if values else None

    @property
    def document(self) -> str | None:
        kinds = self.command.positionals
        for index, value in enumerate(self.positionals):
            kind = kinds[min(index, len(kinds) - 1)] if kinds else None
            if kind == "files":
                return value
        return None


def scan(root: CommandSpec, words: Sequence[str]) -> Scanned:
    """Which command the words lead to, the option values given and the positionals."""
    found = Scanned(root)
    index = 0
    only_positionals = False
    while index < len(words):
        word = words[index]
        index += 1
        if word == "--" and not only_positionals:
            only_positionals = True
        elif word.startswith("-") and len(word) > 1 and not only_positionals:
            flag, equals, value = word.partition("=")
            option = found.command.option(flag)
            if option is None or option.value is None:
                continue
            if not equals:
                if index < len(words) and words[index] == "=":  # bash splits --flag=value
                    index += 1
                if index >= len(words):
                    continue
                value, index = words[index], index + 1
            found.options.setdefault(option.flags[-1], []).append(value)
        elif not found.positionals and found.command.subcommand(word) is not None:
            sub = found.command.subcommand(word)
            assert sub is not None
            found.command = sub
        else:
            found.positionals.append(word)
    return found


def candidates(kind: str, current: str, scanned: Scanned) -> list[tuple[str, str]]:
    """(value, description) pairs starting with ``current``."""
    path = scanned.document
    if path is None:
        return []
    try:
        found = _CANDIDATES[kind](load(path), current, scanned)
    except (ArazzoError, OSError):
        return []
    return [(value, _short(text)) for value, text in found if value.startswith(current)]


def _workflows(document: ArazzoDocument, current: str, scanned: Scanned) -> list[tuple[str, str]]:
    return [(w.workflow_id, w.summary or "") for w in document.workflows()]


def _inputs(document: ArazzoDocument, current: str, scanned: Scanned) -> list[tuple[str, str]]:
    chosen = scanned.last("--workflow")
    workflows = [document.workflow(chosen)] if chosen else document.workflows()
    name, equals, _value = current.partition("=")
    found: list[tuple[str, str]] = []
    given = {text.partition("=")[0] for text in scanned.options.get("--input", [])}
    for workflow in workflows:
        for item in workflow.inputs:
            if equals:  # NAME= typed: offer the values an enum or boolean allows
                if item.name == name:
                    values = (item.enum if item.enum is not None else
                              [True, False] if item.type == "boolean" else [])
                    found += [(f"{name}={_plain(v)}", item.type_text) for v in values]
                continue
            if item.name in given or any(v == f"{item.name}=" for v, _ in found):
                continue
            notes = [item.type_text, "required" if item.required else "optional"]
            if item.secret:
                notes.append("secret")
            where = f" ({workflow.workflow_id})" if len(workflows) > 1 else ""
            text = ", ".join(notes) + where + (f": {item.description}"
                                               if item.description else "")
            found.append((f"{item.name}=", text))
    return found


def _sources(document: ArazzoDocument, current: str, scanned: Scanned) -> list[tuple[str, str]]:
    data = document.data
    declared = data.get("sourceDescriptions") if isinstance(data, dict) else None
    found = []
    for source in declared if isinstance(declared, list) else []:
        if isinstance(source, dict) and isinstance(source.get("name"), str):
            found.append((f"{source['name']}=",
                          f"{source.get('type', 'openapi')} {source.get('url', '')}".strip()))
    return found


_CANDIDATES = {"workflows": _workflows, "inputs": _inputs, "sources": _sources}


def _plain(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _short(text: str) -> str:
    text = " ".join(text.split()).replace("\t", " ")
    return text if len(text) <= _DESCRIPTION_WIDTH else text[: _DESCRIPTION_WIDTH - 3] + "..."


def main(argv: Sequence[str]) -> int:
    """``KIND CURRENT WORD...``: prints candidates; exit 0 whatever happens."""
    if len(argv) < 2 or argv[0] not in _CANDIDATES:
        return 0
    from arazzo_engine.cli import _commands_needed, build_parser
    from arazzo_engine.cli._completion import command_spec

    kind, current, words = argv[0], argv[1], list(argv[2:])
    with contextlib.redirect_stderr(io.StringIO()):  # a warning must not garble the line
        parser = build_parser(_commands_needed(words))  # only the command on the line
        found = candidates(kind, current, scan(command_spec(parser), words))
    sys.stdout.write("".join(f"{value}\t{text}\n" for value, text in found))
    return 0

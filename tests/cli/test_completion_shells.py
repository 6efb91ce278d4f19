"""Shell completion typed for real: bash, zsh and fish under tmux, TAB pressed, screen read.

Each shell loads the script ``arazzo completion SHELL`` prints and nothing else (no user
configuration); ``arazzo`` on its PATH is this checkout's. What is checked is what a person
sees: the command line after TAB, or the candidates listed.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from _terminal import Terminal
from _tools import require_tool

ROOT = Path(__file__).resolve().parents[2]
DBT = "dbt/arazzo/dbt-trigger-run-and-poll-workflow.yml"


@dataclass(frozen=True)
class Shell:
    name: str
    prompt: str
    list_keys: tuple[str, ...]  # the keys that list ambiguous candidates


SHELLS = {
    "bash": Shell("bash", "$ ", ("Tab", "Tab")),
    "zsh": Shell("zsh", "% ", ("Tab",)),
    "fish": Shell("fish", "> ", ("Tab",)),
}


def _workspace(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    shutil.copytree(ROOT / "specs" / "dbt", work / "dbt")
    shutil.copy(ROOT / "specs" / "examples" / "pet-coupons.arazzo.yaml",
                work / "flows.arazzo.yaml")
    shutil.copy(ROOT / "specs" / "examples" / "petstore.openapi.yaml", work)
    return work


def _start(shell: Shell, tmp_path: Path) -> Terminal:
    program = require_tool(shell.name)
    home = tmp_path / "home"
    bin_dir = tmp_path / "bin"
    home.mkdir()
    bin_dir.mkdir()
    launcher = bin_dir / "arazzo"  # `arazzo` as installed: the console script of this checkout
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m arazzo_engine "$@"\n')
    launcher.chmod(0o755)
    from arazzo_engine.cli import main as arazzo

    script = tmp_path / f"arazzo.{shell.name}"
    import contextlib
    import io

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert arazzo(["completion", shell.name]) == 0
    script.write_text(printed.getvalue())
    env = {"HOME": str(home), "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
           "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    if shell.name == "bash":
        rc = home / "bashrc"
        rc.write_text(f"PS1='$ '\nsource '{script}'\n")
        command = [program, "--noprofile", "--rcfile", str(rc), "-i"]
    elif shell.name == "zsh":
        (home / ".zshrc").write_text(
            f"PS1='%% '\nautoload -U compinit && compinit -u -D\nsource '{script}'\n")
        env["ZDOTDIR"] = str(home)
        command = [program, "-i"]
    else:
        command = [program, "--no-config", "-C",
                   f"source '{script}'; function fish_prompt; echo '> '; end"]
    terminal = Terminal(command, cwd=_workspace(tmp_path), env=env)
    terminal.wait_for(lambda screen: screen.rstrip().endswith(shell.prompt.strip()),
                      what=f"the {shell.name} prompt")
    return terminal


@pytest.fixture(params=sorted(SHELLS))
def shell(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Shell, Terminal]]:
    chosen = SHELLS[request.param]
    terminal = _start(chosen, tmp_path)
    try:
        yield chosen, terminal
    finally:
        terminal.close()


def _line(shell: Shell, screen: str) -> str:
    """The command line being edited: the last prompt line on the screen."""
    lines = [line for line in screen.splitlines() if line.startswith(shell.prompt)]
    return lines[-1][len(shell.prompt):].rstrip() if lines else ""


def _completed(shell: Shell, terminal: Terminal, typed: str, then: str, *expected: str) -> None:
    """Types ``typed``, presses TAB, types ``then``: the line must read one of ``expected``."""
    terminal.press("C-u")
    terminal.type(typed)
    terminal.press("Tab")
    terminal.type(then)
    terminal.wait_for(lambda screen: _line(shell, screen) in expected, timeout=40,
                      what=f"{expected} after TAB on {typed!r}")
    _clear(shell, terminal)


def _listed(shell: Shell, terminal: Terminal, typed: str, shown: list[str],
            hidden: list[str]) -> None:
    terminal.press("C-u")
    terminal.type(typed)
    terminal.press(*shell.list_keys)
    screen = terminal.wait_for(lambda s: all(word in s for word in shown), timeout=40,
                               what=f"{shown} listed after TAB on {typed!r}")
    for word in hidden:
        assert word not in screen.replace(typed, ""), screen
    _clear(shell, terminal)


def _clear(shell: Shell, terminal: Terminal) -> None:
    """Abandons the line and clears the screen, waiting for the shell at each stage (keys
    typed while a shell handles Ctrl-C can be lost, so Ctrl-C is pressed again if need be)."""

    def fresh(screen: str) -> bool:
        lines = screen.rstrip().splitlines()
        return bool(lines) and lines[-1].rstrip() == shell.prompt.rstrip()

    for attempt in range(3):
        terminal.press("C-c")
        try:
            terminal.wait_for(fresh, timeout=10, what="a fresh prompt")
            break
        except AssertionError:
            if attempt == 2:
                raise
    terminal.type("clear")
    terminal.press("Enter")
    terminal.wait_for(lambda screen: screen.strip() == shell.prompt.strip(),
                      what="a cleared screen")


def test_subcommands_options_and_choices(shell: tuple[Shell, Terminal]) -> None:
    chosen, terminal = shell
    # "ru" is no longer unique (run, runs): a unique prefix completes with its space
    _completed(chosen, terminal, "arazzo vali", "X", "arazzo validate X")
    # zsh offers an option that takes a value as --option= (both forms are valid)
    _completed(chosen, terminal, "arazzo simulate dbt --scen", "X",
               "arazzo simulate dbt --scenario X", "arazzo simulate dbt --scenario=X")
    _completed(chosen, terminal, "arazzo graph flows.arazzo.yaml --format=d", "X",
               "arazzo graph flows.arazzo.yaml --format=dot X")
    _completed(chosen, terminal, "arazzo list fl", "X", "arazzo list flows.arazzo.yaml X")


def test_workflow_ids_and_sources_come_from_the_document(
        shell: tuple[Shell, Terminal]) -> None:
    chosen, terminal = shell
    _completed(chosen, terminal, f"arazzo run {DBT} --workflow ", "X",
               f"arazzo run {DBT} --workflow trigger-run-and-poll X")
    _completed(chosen, terminal, "arazzo describe flows.arazzo.yaml --workflow b", "X",
               "arazzo describe flows.arazzo.yaml --workflow buy-available-pet X")
    _completed(chosen, terminal, f"arazzo run {DBT} --server ", "h",
               f"arazzo run {DBT} --server dbtAdminApi=h")


def test_input_names_come_from_the_chosen_workflow(shell: tuple[Shell, Terminal]) -> None:
    chosen, terminal = shell
    _completed(chosen, terminal, f"arazzo run {DBT} --input acc", "7",
               f"arazzo run {DBT} --input accountId=7")
    _completed(chosen, terminal, f"arazzo run {DBT} --input=to", "t",
               f"arazzo run {DBT} --input=token=t")
    typed = "arazzo run flows.arazzo.yaml --workflow place-order --input petId=1 --input "
    _listed(chosen, terminal, typed, ["couponCode=", "quantity="], ["petId=", "tags="])

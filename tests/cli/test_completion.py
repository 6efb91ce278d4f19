"""The completion scripts hold every subcommand and flag; ``arazzo __complete`` reads documents.

The scripts are exercised in real shells by test_completion_shells.py; this checks what they
are built from and the callback's answers, quickly and without a terminal.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from arazzo_engine.cli import build_parser, main
from arazzo_engine.cli._complete import candidates, scan
from arazzo_engine.cli._completion import command_spec

ROOT = Path(__file__).resolve().parents[2]
DBT = str(ROOT / "specs" / "dbt" / "arazzo" / "dbt-trigger-run-and-poll-workflow.yml")
PETS = str(ROOT / "specs" / "examples" / "pet-coupons.arazzo.yaml")
SPEC = command_spec(build_parser())


def _complete(kind: str, current: str, *words: str) -> list[str]:
    return [value for value, _ in candidates(kind, current, scan(SPEC, list(words)))]


def test_every_subcommand_and_visible_option_is_in_every_script(
        capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for shell in ("bash", "zsh", "fish"):
        assert main(["completion", shell]) == 0
        text = capsys.readouterr().out
        for name, sub in subparsers.choices.items():
            assert name in text
            for action in sub._actions:
                for flag in action.option_strings:
                    if action.help == argparse.SUPPRESS:
                        assert flag not in text, (shell, flag)  # hidden stays hidden
                    elif flag.startswith("--"):
                        assert (flag in text) or (f"-l {flag[2:]}" in text), (shell, flag)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_scripts_are_valid_in_their_shell(shell: str, tmp_path: Path) -> None:
    from _tools import require_tool

    program = require_tool(shell)
    script = tmp_path / f"arazzo.{shell}"
    done = subprocess.run([sys.executable, "-m", "arazzo_engine", "completion", shell],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    script.write_text(done.stdout)
    checked = subprocess.run([program, "-n", str(script)], capture_output=True, text=True,
                             timeout=60)
    assert checked.returncode == 0, checked.stderr


def test_the_scan_reads_the_line_as_argparse_would() -> None:
    scanned = scan(SPEC, ["run", DBT, "--workflow=w1", "--input", "a=1", "--no-validate",
                          "--input", "=", "b=2"])
    assert scanned.command.name == "run"
    assert scanned.document == DBT
    assert scanned.options == {"--workflow": ["w1"], "--input": ["a=1", "b=2"]}
    nested = scan(SPEC, ["simulate", "dbt", "--port", "0"])
    assert nested.command.name == "simulate dbt" and nested.positionals == []


def test_workflow_ids_filtered_by_what_is_typed() -> None:
    assert _complete("workflows", "", "run", PETS, "--workflow") == [
        "order-with-coupon", "buy-available-pet", "place-order"]
    assert _complete("workflows", "p", "describe", PETS, "--workflow") == ["place-order"]


def test_input_names_of_the_chosen_workflow_without_those_given() -> None:
    assert _complete("inputs", "", "run", DBT, "--input") == [
        "accountId=", "jobId=", "token=", "cause="]
    assert _complete("inputs", "", "run", DBT, "--input", "jobId=1", "--input") == [
        "accountId=", "token=", "cause="]
    assert _complete("inputs", "", "run", PETS, "--workflow", "place-order", "--input") == [
        "petId=", "quantity=", "couponCode="]


def test_input_descriptions_say_type_required_and_secret() -> None:
    found = dict(candidates("inputs", "tok", scan(SPEC, ["run", DBT, "--input"])))
    assert found == {"token=": "string, required, secret: The dbt Cloud service token (se..."}


def test_enum_and_boolean_values_after_name_equals(tmp_path: Path) -> None:
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\nsourceDescriptions: []\n"
        "workflows:\n- workflowId: w\n  inputs:\n    type: object\n    properties:\n"
        "      mode: {enum: [fast, slow]}\n      dry: {type: boolean}\n  steps: []\n")
    assert _complete("inputs", "mode=", "run", str(path), "--input") == [
        "mode=fast", "mode=slow"]
    assert _complete("inputs", "dry=t", "run", str(path), "--input") == ["dry=true"]


def test_sources_for_server() -> None:
    assert _complete("sources", "", "run", DBT, "--server") == ["dbtAdminApi="]


def test_the_callback_is_silent_on_nonsense(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["__complete"], ["__complete", "bogus", ""],
                 ["__complete", "workflows", "", "run", "no/such.yaml", "--workflow"],
                 ["__complete", "inputs", "", "run"]):
        assert main(argv) == 0
        captured = capsys.readouterr()
        assert captured.out == "" and captured.err == ""

"""The ``arazzo`` entry point: dispatch, exit codes, and never a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from arazzo_engine import __version__
from arazzo_engine.cli import EXIT_INTERNAL, EXIT_USAGE, main
from arazzo_engine.cli import run as run_command


def test_python_dash_m_is_the_same_command() -> None:
    done = subprocess.run([sys.executable, "-m", "arazzo_engine", "--version"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert done.stdout.strip() == f"arazzo-engine {__version__}"


def test_no_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == EXIT_USAGE
    assert "COMMAND" in capsys.readouterr().err


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--no-such-option", "x.yaml"]) == EXIT_USAGE
    assert "unrecognized arguments" in capsys.readouterr().err


def test_an_internal_error_is_reported_without_a_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def explode(args: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(run_command, "main", explode)
    monkeypatch.delenv("ARAZZO_DEBUG", raising=False)
    assert main(["run", "whatever.yaml"]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err
    assert "Traceback" not in err


#: The demo's simulator moves runs on with time: a quick pace, and polls a little apart.
_FAST = ["--seconds-per-status", "0.1", "--loop-delay", "0.05", "--loop-delay-max", "0.1"]


def test_demo_runs_the_reference_workflow(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", *_FAST]) == 0
    out = capsys.readouterr().out
    assert "dbt Cloud simulator listening on http://127.0.0.1:" in out
    assert "equivalent command: arazzo run " in out
    for step in ("triggerRun", "pollRun", "listArtifacts"):
        assert step in out
    assert "finalStatus: 10" in out
    assert "manifest.json" in out


@pytest.mark.parametrize(("scenario", "status"), [("error", 20), ("cancelled", 30)])
def test_demo_scenarios_in_json(scenario: str, status: int,
                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--scenario", scenario, "--format", "json", *_FAST]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["outputs"]["finalStatus"] == status
    assert result["outputs"]["artifacts"] is None
    assert "simulator listening" in captured.err


def test_demo_stuck_scenario_hits_the_loop_guard(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--scenario", "stuck", *_FAST, "--max-steps", "5"]) == 1
    assert "--max-steps" in capsys.readouterr().err


def _help_texts() -> dict[str, str]:
    """``--help`` of the command and of every subcommand (nested ones too)."""
    import argparse

    from arazzo_engine.cli import build_parser

    texts: dict[str, str] = {}
    pending = [("arazzo", build_parser())]
    while pending:
        name, parser = pending.pop()
        texts[name] = parser.format_help()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending += [(f"{name} {child}", sub) for child, sub in action.choices.items()]
    return texts


def test_help_never_names_arazzo_1_0_alone() -> None:
    """Both versions run: a help text that says 1.0.x says 1.1.x too."""
    texts = _help_texts()
    assert {"arazzo", "arazzo validate", "arazzo runs show", "arazzo simulate dbt"} <= set(texts)
    assert "1.0.x and 1.1.x" in " ".join(texts["arazzo"].split())
    alone = [name for name, text in texts.items() if "1.0.x" in text and "1.1.x" not in text]
    assert alone == []
    from arazzo_engine.validation._registry import SCHEMA_RULES

    assert "1.1.x" in SCHEMA_RULES["schema"]


def test_ctrl_c_while_the_command_is_still_importing_is_quiet(tmp_path: Path) -> None:
    """On a loaded machine ``arazzo run`` spends a second or more importing its layers; a
    Ctrl-C then ends it as one later would: 130 and one line, no traceback. The import is
    held here by a ``requests`` that announces itself and waits (first on the path)."""
    (tmp_path / "requests.py").write_text(
        "import sys, time\nsys.stderr.write('importing requests\\n')\nsys.stderr.flush()\n"
        "time.sleep(120)\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    command = subprocess.Popen([sys.executable, "-m", "arazzo_engine", "run", "flow.yaml"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    try:
        assert command.stderr is not None
        first = command.stderr.readline()
        assert first == "importing requests\n", first + command.communicate(timeout=60)[1]
        command.send_signal(signal.SIGINT)
        out, err = command.communicate(timeout=60)
    finally:
        if command.poll() is None:
            command.kill()
            command.communicate()
    assert command.returncode == 130, err
    assert err == "arazzo: interrupted\n"
    assert out == ""

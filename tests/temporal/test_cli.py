"""The Temporal commands and options without a server: usage errors, the missing extra, and
``arazzo --version`` never importing the SDK."""

from __future__ import annotations

import subprocess
import sys

import pytest

from arazzo_engine._resources import specs_dir
from arazzo_engine.cli import EXIT_USAGE, main

WORKFLOW = str(specs_dir() / "dbt" / "arazzo" / "dbt-trigger-run-and-poll-workflow.yml")
INPUTS = ["--input", "accountId=1", "--input", "jobId=2", "--input", "token=abc123"]


def python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)


def test_version_and_local_runs_never_import_the_temporal_sdk() -> None:
    done = python("import sys\nfrom arazzo_engine.cli import main\n"
                  "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
                  "main(['validate', " + repr(WORKFLOW) + "])\n"
                  "print(sorted(m for m in sys.modules if m.startswith('temporalio')))")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("argv", [
    ["worker", "--temporal", "127.0.0.1:7233"],
    ["runs", "list", "--temporal", "127.0.0.1:7233"],
    ["run", WORKFLOW, *INPUTS, "--temporal", "127.0.0.1:7233"],
])
def test_without_the_extra_the_message_says_how_to_install_it(argv: list[str]) -> None:
    done = python("import sys\nsys.modules['temporalio'] = None\n"
                  "from arazzo_engine.cli import main\n"
                  f"sys.exit(main({argv!r}))")
    assert done.returncode == EXIT_USAGE, done.stderr
    assert "pip install 'arazzo-engine[temporal]'" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("argv", "message"), [
    (["run", WORKFLOW, *INPUTS, "--detach"], "only apply with --temporal"),
    (["run", WORKFLOW, *INPUTS, "--temporal", "localhost"], "HOST:PORT"),
    (["run", WORKFLOW, *INPUTS, "--temporal", "localhost:99999"], "HOST:PORT"),
    (["worker", "--temporal", "nohost"], "HOST:PORT"),
    (["runs", "show", "x", "--temporal", ":7233"], "HOST:PORT"),
])
def test_bad_temporal_options_are_usage_errors(argv: list[str], message: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_worker_needs_temporal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["worker"]) == EXIT_USAGE
    assert "--temporal" in capsys.readouterr().err


def test_an_unreachable_temporal_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    from temporal_servers import free_port

    address = f"127.0.0.1:{free_port()}"
    assert main(["run", WORKFLOW, *INPUTS, "--temporal", address]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"cannot reach Temporal at {address}" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("loaded", [True, False])
def test_a_command_that_loaded_the_sdk_exits_with_its_own_code(loaded: bool) -> None:
    """The SDK's native threads can abort the interpreter's teardown (SIGABRT, exit 134) after
    a Temporal command succeeded; such a process leaves without the teardown, its output
    flushed. ``atexit`` handlers run only in a teardown, so they tell which way it left."""
    done = python("import atexit, sys\n"
                  + ("import temporalio.bridge.temporal_sdk_bridge\n" if loaded else "")
                  + "atexit.register(lambda: print('torn down'))\n"
                  "sys.argv = ['arazzo', 'worker']\n"
                  "print('partial line without a newline', end='')\n"
                  "from arazzo_engine.cli import entry\nentry()")
    assert done.returncode == EXIT_USAGE, done.stderr
    assert done.stdout.startswith("partial line without a newline")
    assert ("torn down" in done.stdout) is not loaded
    assert "--temporal" in done.stderr

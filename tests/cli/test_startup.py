"""Start-up: each command imports only the layers it needs (lazy package, lazy subcommands).

How fast start-up is belongs to ``python -m benchmarks.run`` (target 2); what is tested here is
what makes it fast and could silently regress: which libraries a command imports at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "specs" / "dbt" / "arazzo" / "dbt-trigger-run-and-poll-workflow.yml"

# Run a command in a fresh interpreter and report which top-level modules it imported.
_PROBE = """
import json, sys
from arazzo_engine.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "modules": sorted({m.split('.')[0] for m in sys.modules}),
                  "ours": sorted(m for m in sys.modules if m.startswith('arazzo_engine'))}))
"""

HEAVY = {"elementpath", "jsonpath_ng", "openapi_core", "requests", "urllib3",
         "jsonschema_path", "werkzeug", "rich"}  # the last three: arazzo test only
# The reference document's JSONPath criteria are all comparisons on singular queries (direct
# lookups): the RFC 9535 library is not needed to validate it, nor regex (it has no regex
# criterion; lark, which looks for regex as it loads, is handed a stand-in: expressions/_lark).
NOT_FOR_THE_REFERENCE = {"jsonpath_rfc9535", "iregexp_check", "regex",
                         "xml",  # XPath criteria and selectors only
                         "difflib"}  # did-you-mean, only for a misspelt name
PARSING = {"lark", "jsonschema", "yaml", "jsonpath_rfc9535", "referencing", "regex"}


def _imported(*argv: str, tmp_path: Path) -> dict[str, object]:
    env = dict(os.environ, ARAZZO_CACHE_DIR=str(tmp_path / "cache"))
    completed = subprocess.run([sys.executable, "-c", _PROBE, *argv], cwd=REPO, env=env,
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    found: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return found


def test_version_imports_no_layer_and_no_library(tmp_path: Path) -> None:
    found = _imported("--version", tmp_path=tmp_path)
    assert found["code"] == 0
    modules = set(found["modules"])  # type: ignore[arg-type]
    assert not modules & (HEAVY | PARSING), sorted(modules & (HEAVY | PARSING))
    assert "traceback" not in modules  # only ARAZZO_DEBUG's internal error prints one
    assert found["ours"] == ["arazzo_engine", "arazzo_engine._version", "arazzo_engine.cli",
                             "arazzo_engine.errors"]


def test_validate_imports_what_validation_needs_and_nothing_else(tmp_path: Path) -> None:
    found = _imported("validate", str(REFERENCE), tmp_path=tmp_path)
    assert found["code"] == 0
    modules = set(found["modules"])  # type: ignore[arg-type]
    assert not modules & HEAVY, sorted(modules & HEAVY)
    assert not modules & NOT_FOR_THE_REFERENCE, sorted(modules & NOT_FOR_THE_REFERENCE)
    ours = found["ours"]
    assert not [m for m in ours if m.startswith(("arazzo_engine.executor",  # type: ignore[union-attr]
                                                  "arazzo_engine.simulator",
                                                  "arazzo_engine.outline",
                                                  "arazzo_engine.asyncapi"))]


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["nope"], []])
def test_help_usage_and_unknown_commands_still_see_every_command(argv: list[str]) -> None:
    from arazzo_engine.cli import _SUBCOMMANDS

    completed = subprocess.run([sys.executable, "-m", "arazzo_engine", *argv], cwd=REPO,
                               capture_output=True, text=True, timeout=120)
    text = completed.stdout + completed.stderr
    if argv == ["run", "--help"]:
        assert completed.returncode == 0 and "--loop-delay" in text
    elif argv == ["--help"]:
        assert completed.returncode == 0
        assert all(name in text for name in _SUBCOMMANDS)
    else:
        assert completed.returncode == 2
        assert "COMMAND" in text
        if argv:
            assert all(repr(name) in text for name in _SUBCOMMANDS)  # the choices listed


def test_the_package_imports_its_layers_on_first_use() -> None:
    probe = ("import sys, arazzo_engine; before = 'arazzo_engine._api' in sys.modules; "
             "load = arazzo_engine.load; after = 'arazzo_engine._api' in sys.modules; "
             "from arazzo_engine import *; "
             "print(before, after, callable(load), arazzo_engine.executor.Machine.__name__)")
    completed = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                               text=True, timeout=120)
    assert completed.stdout.split() == ["False", "True", "True", "Machine"], completed.stderr


def test_every_public_name_resolves_and_unknown_names_are_attribute_errors() -> None:
    import arazzo_engine

    for name in arazzo_engine.__all__:
        assert getattr(arazzo_engine, name) is not None, name
    assert set(arazzo_engine.__all__) <= set(dir(arazzo_engine))
    with pytest.raises(AttributeError, match="no attribute 'no_such_thing'"):
        _ = arazzo_engine.no_such_thing  # type: ignore[attr-defined]

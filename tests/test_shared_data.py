"""Fetched data is read from ../shared only; without it tests skip, and CI makes skips failures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _shared import REPOSITORY, REQUIRE_VARIABLE, require, shared_params


def test_no_copy_of_fetched_data_is_committed() -> None:
    assert not (REPOSITORY / "tests" / "conformance").exists()


def test_a_missing_folder_skips_naming_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(REQUIRE_VARIABLE, raising=False)
    with pytest.raises(pytest.skip.Exception, match="gone-folder is missing"):
        require(tmp_path / "gone-folder")


def test_a_missing_folder_fails_when_shared_data_is_required(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(REQUIRE_VARIABLE, "1")
    with pytest.raises(pytest.fail.Exception, match=f"gone-folder is missing.*{REQUIRE_VARIABLE}"):
        require(tmp_path / "gone-folder")


def test_a_present_folder_passes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(REQUIRE_VARIABLE, "1")
    require(tmp_path)


def test_missing_parameters_become_one_marked_placeholder() -> None:
    params = shared_params(("no-such-folder-here",), lambda folder: [1, 2])
    assert len(params) == 1 and params[0].id == "shared-data-missing"
    assert params[0].marks[0].name == "needs_shared"


def test_ci_requires_shared_data_then_runs_exactly_the_readme_test_command() -> None:
    readme = (REPOSITORY / "README.md").read_text()
    command = re.search(r"Run the whole test suite.*?```sh\n(.+?)\n```", readme, re.S)
    assert command is not None
    script = (REPOSITORY / ".ci" / "run").read_text().splitlines()
    assert f"export {REQUIRE_VARIABLE}=1" in script
    assert script[-1] == command.group(1)
    assert script.index(f"export {REQUIRE_VARIABLE}=1") < len(script) - 1

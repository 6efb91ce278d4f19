"""The user guide (docs/guide/) shows what the commands print today.

Every command output in the guide was captured by docs/guide/capture.py from a real run; here
each page's commands run again, as a newcomer would run them, and an output that no longer
matches the page fails the test with a diff (regenerate: ``python docs/guide/capture.py``).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from _tools import require_tool

REPO = Path(__file__).resolve().parent.parent
GUIDE = REPO / "docs" / "guide"


def _load_capture() -> ModuleType:
    spec = importlib.util.spec_from_file_location("guide_capture", GUIDE / "capture.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


capture = _load_capture()
PAGES = sorted(GUIDE.glob("*.md"))
CAPTURED = [page for page in PAGES
            if capture.parse_page(page.read_text(encoding="utf-8").split("\n"))]


def test_the_guide_has_captured_pages_and_the_readme_links_it() -> None:
    assert (GUIDE / "README.md").exists()
    assert len(CAPTURED) >= 5
    assert "docs/guide/README.md" in (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("page", CAPTURED, ids=lambda p: p.stem)
def test_every_output_in_the_page_is_what_the_command_prints_now(page: Path) -> None:
    require_tool("bash")
    problems = capture.capture_page(page, check=True)
    assert not problems, ("the guide is stale; run `python docs/guide/capture.py "
                          f"{page.name}` and review the change:\n"
                          + "\n\n".join(problem.diff for problem in problems))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_every_relative_link_in_the_page_leads_to_a_file(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = (page.parent / target.split("#")[0]).resolve()
        assert path.exists(), f"{page.name} links to {target}, which does not exist"


def _page(tmp_path: Path, body: str) -> Path:
    page = tmp_path / "page.md"
    page.write_text(f"# t\n\n{body}\n", encoding="utf-8")
    return page


def test_a_stale_output_is_found_and_rewritten(tmp_path: Path) -> None:
    require_tool("bash")
    page = _page(tmp_path, "<!-- capture -->\n```console\n$ arazzo --version\n"
                           "arazzo-engine 0.0.0-old\n```")
    problems = capture.capture_page(page, check=True)
    assert len(problems) == 1 and "+arazzo-engine " in problems[0].diff
    assert "0.0.0-old" in page.read_text(encoding="utf-8"), "--check changed the page"
    assert capture.capture_page(page, check=False) == []
    assert "0.0.0-old" not in page.read_text(encoding="utf-8")
    assert capture.capture_page(page, check=True) == []


def test_a_wrong_exit_code_is_a_problem_and_volatile_values_are_not(tmp_path: Path) -> None:
    require_tool("bash")
    page = _page(tmp_path, "<!-- capture -->\n```console\n$ arazzo validate missing.yml\n```")
    problems = capture.capture_page(page, check=False)
    assert len(problems) == 1 and "exited 2" in problems[0].diff
    lines = ["  a: GET http://x/ -> 200 in 3.1 ms  [ok]", "  waiting 2 s (polling for 1.3 s)"]
    other = ["  a: GET http://x/ -> 200 in 17 ms  [ok]", "  waiting 2 s (polling for 1.4 s)"]
    assert capture.Normaliser.masked(lines) == capture.Normaliser.masked(other)
    assert capture.Normaliser.masked(["waiting 2 s"]) != capture.Normaliser.masked(["waiting 3 s"])


def test_ports_and_run_ids_are_shown_the_same_way_every_time() -> None:
    normaliser = capture.Normaliser(replacements=[("127.0.0.1:45678", "127.0.0.1:8000")])
    text = ("run 20261201-144359-1380cc at http://127.0.0.1:45678/ and 127.0.0.1:51234, "
            "port 51234; run 20261201-150000-abcdef; again 20261201-144359-1380cc")
    shown = normaliser.shown(text)
    assert "127.0.0.1:8000/" in shown and "127.0.0.1:40001" in shown and "port 40001" in shown
    ids = re.findall(r"\d{8}-\d{6}-[0-9a-f]{6}", shown)
    assert ids[0] == ids[2] != ids[1]
    assert normaliser.real(f"arazzo resume {ids[1]} --server x=http://127.0.0.1:8000") == (
        "arazzo resume 20261201-150000-abcdef --server x=http://127.0.0.1:45678")


CI_EXAMPLES = sorted((GUIDE / "ci").glob("*.yml"))


def _arazzo_commands(node: object) -> list[str]:
    if isinstance(node, dict):
        return [c for value in node.values() for c in _arazzo_commands(value)]
    if isinstance(node, list):
        return [c for value in node for c in _arazzo_commands(value)]
    if isinstance(node, str) and node.lstrip().startswith("arazzo "):
        return [node]
    return []


@pytest.mark.parametrize("example", CI_EXAMPLES, ids=lambda p: p.stem)
def test_the_ci_examples_run_commands_the_cli_accepts_and_keep_the_junit_file(
        example: Path) -> None:
    import shlex

    import yaml

    from arazzo_engine.cli import build_parser

    config = yaml.safe_load(example.read_text(encoding="utf-8"))
    commands = _arazzo_commands(config)
    assert commands, f"{example.name} runs no arazzo command"
    for command in commands:
        # CI variables stand for a URL: ${{ vars.STAGING_URL }} (GitHub), $STAGING_URL (GitLab)
        text = re.sub(r"\$\{\{[^}]*\}\}|\$(?!outputs)[A-Z_]+", "https://staging.example", command)
        argv = shlex.split(text)[1:]
        args = build_parser([argv[0]]).parse_args(argv)
        assert args.junit, f"{example.name}: `{command}` writes no JUnit report"
        assert args.junit in example.read_text(encoding="utf-8").replace(
            command, ""), f"{example.name} does not keep {args.junit} for the CI system"

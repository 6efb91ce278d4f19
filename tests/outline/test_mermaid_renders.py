"""The diagrams ``arazzo graph`` draws parse with Mermaid's own parser, the one GitHub and
GitLab run before they draw a ```` ```mermaid ```` block.

test_mermaid_syntax.py holds the output to the small part of the syntax we chose, with a
grammar of our own; this test asks Mermaid itself (``.ci/mermaid``, installed by ``.ci/tools``),
so a construct that Mermaid reads differently from us (``end`` as a node id, ``$$`` as math)
is caught.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml
from _tools import require_tool

import arazzo_engine

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
CHECKER = ROOT / ".ci" / "mermaid"
DOCUMENTS = sorted([*(ROOT / "specs" / "examples").glob("*.arazzo.yaml"),
                    *(ROOT / "specs" / "dbt" / "arazzo").glob("*.yml"),
                    *(HERE / "documents").glob("*.arazzo.yaml")])
HOSTILE = ['end" --> x[pwn] | `md` & <b>#1;</b> %% comment', "a $$x^2$$ b $$$",
           "click end call alert(1)", '\\"; }; {{ ]] (( ;; subgraph', "%%{init: {}}%%"]


def _parse(files: list[Path]) -> list[dict[str, object]]:
    node = require_tool("node", "nodejs")
    if not (CHECKER / "node_modules" / "mermaid" / "package.json").exists():
        message = "Mermaid's parser is not installed in .ci/mermaid (`bash .ci/tools` does it)"
        if os.environ.get("ARAZZO_REQUIRE_TOOLS"):
            pytest.fail(message)
        pytest.skip(message)
    done = subprocess.run([node, str(CHECKER / "parse.mjs"), *map(str, files)],
                          cwd=CHECKER, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def _hostile_document(tmp_path: Path, index: int, text: str) -> Path:
    path = tmp_path / f"hostile{index}.arazzo.yaml"
    path.write_text(yaml.safe_dump({
        "arazzo": "1.0.1", "info": {"title": "t", "version": "1"}, "sourceDescriptions": [],
        "workflows": [
            {"workflowId": "graph", "summary": text, "steps": [
                {"stepId": "end", "workflowId": "subgraph", "description": text,
                 "onSuccess": [{"name": text, "type": "end",
                                "criteria": [{"condition": "$statusCode == 200"}]}],
                 "onFailure": [{"name": text, "type": "goto", "stepId": "end"}]}]},
            {"workflowId": "subgraph", "steps": [
                {"stepId": "click", "workflowId": "graph"}]}]}))
    return path


def test_every_diagram_parses_with_mermaid_itself(tmp_path: Path) -> None:
    documents = [*DOCUMENTS, *(_hostile_document(tmp_path, i, text)
                               for i, text in enumerate(HOSTILE))]
    files = []
    for index, document in enumerate(documents):
        diagram = tmp_path / f"{index}.mmd"
        diagram.write_text(arazzo_engine.load(document).graph().to_mermaid())
        files.append(diagram)
    broken = tmp_path / "broken.mmd"  # the checker must be able to fail
    broken.write_text('flowchart TD\n  a["x"] -->|"y"| b(\n')
    results = _parse([*files, broken])
    assert [r["file"] for r in results] == [str(f) for f in [*files, broken]]
    failures = {documents[files.index(Path(str(r["file"])))].name: r["error"]
                for r in results[:-1] if not r["ok"]}
    assert not failures, failures
    assert {r["type"] for r in results[:-1]} == {"flowchart-v2"}
    assert results[-1]["ok"] is False

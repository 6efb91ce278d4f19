"""``arazzo graph --format dot`` is DOT that Graphviz itself reads and draws without a warning."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from _tools import require_tool

import arazzo_engine

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
DOCUMENTS = sorted([*(ROOT / "specs" / "examples").glob("*.arazzo.yaml"),
                    *(ROOT / "specs" / "dbt" / "arazzo").glob("*.yml"),
                    *(HERE / "documents").glob("*.arazzo.yaml")])


def _draw(text: str) -> str:
    dot = require_tool("dot", "graphviz")
    done = subprocess.run([dot, "-Tsvg"], input=text, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_graphviz_draws_every_shipped_document(path: Path) -> None:
    graph = arazzo_engine.load(path).graph()
    svg = _draw(graph.to_dot())
    assert svg.count('class="node"') == len(graph.nodes)
    assert svg.count('class="edge"') == len(graph.edges)
    assert svg.count('class="cluster"') == len(graph.clusters)


def test_quotes_and_backslashes_show_as_written(tmp_path: Path) -> None:
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump({
        "arazzo": "1.0.1", "info": {"title": "t", "version": "1"}, "sourceDescriptions": [],
        "workflows": [{"workflowId": "w", "steps": [
            {"stepId": "a", "workflowId": "w",
             "onSuccess": [{"name": 'say "hi"', "type": "end", "criteria": [
                 {"context": "$statusCode", "type": "regex", "condition": r"^\d+$"}]}]}]}]}))
    svg = _draw(arazzo_engine.load(path).graph().to_dot())
    assert r"say &quot;hi&quot;: $statusCode matches ^\d+$" in svg

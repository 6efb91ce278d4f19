"""``arazzo graph --format mermaid`` stays inside the Mermaid syntax we checked, whatever the
document says: every output parses with our grammar of that syntax, every label decodes back to
the text it shows, and no document text reaches the diagram unescaped."""

from __future__ import annotations

import html
import re
from pathlib import Path

import lark
import pytest
import yaml

import arazzo_engine

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
GRAMMAR = lark.Lark((HERE / "mermaid_flowchart.lark").read_text(), parser="lalr")
DOCUMENTS = sorted([*(ROOT / "specs" / "examples").glob("*.arazzo.yaml"),
                    *(ROOT / "specs" / "dbt" / "arazzo").glob("*.yml"),
                    *(HERE / "documents").glob("*.arazzo.yaml")])
#: What may appear inside a label: entity codes, the one line break we write, plain text.
_LABEL = re.compile(r'^"(?:#\w+;|<br/>|[^"#|<>`&])*"$')


def _check(text: str) -> lark.Tree:
    tree = GRAMMAR.parse(text)
    declared = [str(t.children[0]) for t in tree.find_data("node")]
    assert len(declared) == len(set(declared)), "a node is declared twice"
    edges = list(tree.find_data("edge"))
    for edge in edges:
        ends = [str(c) for c in edge.children if isinstance(c, lark.Token)
                and c.type == "NODE_ID"]
        assert set(ends) <= set(declared), f"an edge names an undeclared node: {ends}"
    for style in tree.find_data("link_style"):
        indexes = [int(c) for c in style.children if isinstance(c, lark.Token) and
                   c.type == "INT"]
        assert all(i < len(edges) for i in indexes)
    for use in tree.find_data("class_use"):
        named = [str(c) for c in use.children if c.type == "NODE_ID"]
        assert set(named) <= set(declared)
    for token in tree.scan_values(lambda v: isinstance(v, lark.Token) and v.type == "STRING"):
        assert _LABEL.match(token), f"unescaped text in {token}"
    return tree


def _decoded(label: str) -> str:
    """The text Mermaid shows: its ``#name;`` codes are HTML entities without the ``&``."""
    return html.unescape(re.sub(r"#(\w+);", lambda m: f"&{'#' if m.group(1).isdigit() else ''}"
                                f"{m.group(1)};", label.strip('"')))


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_every_shipped_document_draws_valid_mermaid(path: Path) -> None:
    graph = arazzo_engine.load(path).graph()
    tree = _check(graph.to_mermaid())
    assert len(list(tree.find_data("edge"))) == len(graph.edges)
    assert len(list(tree.find_data("subgraph"))) == len(graph.clusters)


def test_hostile_text_is_escaped_and_decodes_back(tmp_path: Path) -> None:
    hostile = 'end" --> x[pwn] | `md` & <b>#1;</b> %% comment $$x^2$$ $$$'
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump({
        "arazzo": "1.0.1", "info": {"title": "t", "version": "1"}, "sourceDescriptions": [],
        "workflows": [{"workflowId": "graph", "steps": [
            {"stepId": "end", "workflowId": "graph",
             "onSuccess": [{"name": hostile, "type": "end",
                            "criteria": [{"condition": "$statusCode == 200"}]}]}]}]}))
    text = arazzo_engine.load(path).graph().to_mermaid()
    assert "$$" not in text, "Mermaid 10.9+ would read $$ as the start of KaTeX math"
    tree = _check(text)
    labels = [_decoded(str(t)) for t in tree.scan_values(
        lambda v: isinstance(v, lark.Token) and v.type == "STRING")]
    assert f"{hostile}: $statusCode == 200" in labels
    assert "end<br/>runs workflow graph" in [label for label in labels]


def test_long_labels_are_cut_with_an_ellipsis_and_json_keeps_them_whole(
        tmp_path: Path) -> None:
    condition = "$response.body#/status == " + "'" + "x" * 200 + "'"
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump({
        "arazzo": "1.0.1", "info": {"title": "t", "version": "1"}, "sourceDescriptions": [],
        "workflows": [{"workflowId": "w", "steps": [
            {"stepId": "a", "workflowId": "w",
             "onSuccess": [{"name": "long", "type": "end",
                            "criteria": [{"condition": condition}]}]}]}]}))
    graph = arazzo_engine.load(path).graph()
    tree = _check(graph.to_mermaid())
    labels = [_decoded(str(t)) for t in tree.scan_values(
        lambda v: isinstance(v, lark.Token) and v.type == "STRING")]
    cut = next(label for label in labels if label.startswith("long: "))
    assert len(cut) == 80 and cut.endswith("\u2026")
    assert any(e.label == f"long: {condition}" for e in graph.edges)

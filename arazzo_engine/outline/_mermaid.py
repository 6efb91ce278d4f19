"""Mermaid flowchart text for a ``FlowGraph``: renders on GitHub, GitLab and in most wikis.

Every piece of document text goes inside double quotes with Mermaid's entity codes for the
characters its parser or its HTML labels would read as syntax (quotes, pipes, angle brackets,
``#``, backticks, ``&``, and ``$$``, which newer Mermaid reads as the start of KaTeX math), so
no criterion or step id can break the diagram. Node ids are ours
(``w0_s1``), never the document's: a step called ``end`` or ``graph`` is only a label.
"""

from __future__ import annotations

from arazzo_engine.outline._graph import FlowGraph, GraphEdge, GraphNode, one_line

__all__ = ["render_mermaid"]

_ENTITIES = {'"': "#quot;", "#": "#35;", "|": "#124;", "<": "#lt;", ">": "#gt;",
             "`": "#96;", "&": "#amp;"}
_SHAPES = {"start": ('(("', '"))'), "step": ('["', '"]'), "workflow-step": ('[["', '"]]'),
           "end": ('(["', '"])'), "fail": ('(["', '"])'), "missing": ('{{"', '"}}')}
#: Class names by node kind: never a Mermaid keyword (``end`` would end a subgraph).
_CLASS_NAMES = {"start": "startNode", "end": "endNode", "fail": "failNode",
                "missing": "missingNode", "workflow-step": "workflowStep"}
_CLASSES = {
    "startNode": "fill:#e0f2fe,stroke:#0369a1",
    "endNode": "fill:#dcfce7,stroke:#15803d",
    "failNode": "fill:#fee2e2,stroke:#b91c1c",
    "missingNode": "fill:#fef9c3,stroke:#a16207,stroke-dasharray:4",
    "workflowStep": "fill:#f3e8ff,stroke:#7e22ce",
}
_LINK_STYLES = {
    "loop": "stroke:#d97706,stroke-width:2px",
    "failure": "stroke:#b91c1c",
}


def render_mermaid(graph: FlowGraph) -> str:
    lines = ["flowchart TD"]
    for cluster in graph.clusters:
        lines.append(f'  subgraph {cluster.id}["{_escape(cluster.label)}"]')
        lines.append("    direction TB")
        lines += [f"    {_node(node)}" for node in graph.nodes_in(cluster.id)]
        lines.append("  end")
    lines += [f"  {_edge(edge)}" for edge in graph.edges]
    classes: dict[str, list[str]] = {}
    for node in graph.nodes:
        name = _CLASS_NAMES.get(node.kind)
        if name is not None:
            classes.setdefault(name, []).append(node.id)
    for name, ids in classes.items():
        lines.append(f"  classDef {name} {_CLASSES[name]}")
        lines.append(f"  class {','.join(ids)} {name}")
    styled: dict[str, list[str]] = {}
    for index, edge in enumerate(graph.edges):
        if edge.kind == "loop":
            styled.setdefault("loop", []).append(str(index))
        elif edge.outcome == "failure":
            styled.setdefault("failure", []).append(str(index))
    for name, indexes in styled.items():
        lines.append(f"  linkStyle {','.join(indexes)} {_LINK_STYLES[name]}")
    return "\n".join(lines) + "\n"


def _node(node: GraphNode) -> str:
    opening, closing = _SHAPES[node.kind]
    text = _escape(node.label)
    if node.detail:
        text += "<br/>" + _escape(node.detail)
    return f"{node.id}{opening}{text}{closing}"


def _edge(edge: GraphEdge) -> str:
    if edge.kind == "loop":
        arrow = "==>"
    elif edge.outcome == "failure" or edge.kind in ("call", "return", "dependency"):
        arrow = "-.->"
    else:
        arrow = "-->"
    label = edge.label
    if not label:
        return f"{edge.source} {arrow} {edge.target}"
    return f'{edge.source} {arrow}|"{_escape(label)}"| {edge.target}'


def _escape(text: str) -> str:
    text = "".join(_ENTITIES.get(char, char) for char in one_line(text))
    # A lone $ (every runtime expression has one) is plain text; $$ opens math in Mermaid 10.9+.
    return text.replace("$$", "#36;#36;")

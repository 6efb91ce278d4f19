"""Graphviz DOT text for a ``FlowGraph`` (``arazzo graph --format dot | dot -Tsvg``).

Labels are DOT escape strings: ``"`` and ``\\`` are escaped, so a regex criterion such as
``^\\d+$`` shows as written. Each workflow is a ``cluster_`` subgraph, which Graphviz draws
as a box around its steps.
"""

from __future__ import annotations

from arazzo_engine.outline._graph import FlowGraph, GraphEdge, GraphNode, one_line

__all__ = ["render_dot"]


_NODE_ATTRIBUTES = {
    "start": 'shape=circle, style=filled, fillcolor="#e0f2fe"',
    "step": "shape=box, style=rounded",
    "workflow-step": 'shape=box, style="rounded,filled", fillcolor="#f3e8ff", peripheries=2',
    "end": 'shape=box, style="rounded,filled", fillcolor="#dcfce7"',
    "fail": 'shape=box, style="rounded,filled", fillcolor="#fee2e2"',
    "missing": 'shape=hexagon, style="dashed,filled", fillcolor="#fef9c3"',
}


def render_dot(graph: FlowGraph) -> str:
    lines = [
        "digraph arazzo {",
        '  graph [rankdir=TB, fontname="Helvetica", fontsize=12];',
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for cluster in graph.clusters:
        lines.append(f"  subgraph cluster_{cluster.id} {{")
        lines.append(f'    label="{_escape(cluster.label)}";')
        lines.append('    style="rounded,dashed";')
        lines += [f"    {_node(node)}" for node in graph.nodes_in(cluster.id)]
        lines.append("  }")
    lines += [f"  {_edge(edge)}" for edge in graph.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node(node: GraphNode) -> str:
    text = _escape(node.label)
    if node.detail:
        text += "\\n" + _escape(node.detail)
    return f'{node.id} [label="{text}", {_NODE_ATTRIBUTES[node.kind]}];'


def _edge(edge: GraphEdge) -> str:
    attributes = []
    if edge.label:
        attributes.append(f'label="{_escape(edge.label)}"')
    if edge.kind == "loop":
        attributes.append('color="#d97706", penwidth=2')
    elif edge.outcome == "failure":
        attributes.append('color="#b91c1c", style=dashed')
    elif edge.kind in ("call", "return", "dependency"):
        attributes.append("style=dotted")
    suffix = f" [{', '.join(attributes)}]" if attributes else ""
    return f"{edge.source} -> {edge.target}{suffix};"


def _escape(text: str) -> str:
    text = one_line(text)
    return text.replace("\\", "\\\\").replace('"', '\\"')

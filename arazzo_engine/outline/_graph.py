"""A workflow's control flow as a graph: steps are nodes, what can happen next are edges.

The edges follow the executor's rules exactly (docs/semantics.md, "Success, failure and
actions"): a step's own actions come before the workflow's inherited ones, the first matching
action wins, an action without criteria always matches (so later ones are unreachable and
left out; except a retry, skipped once its limit is used up), a success with no matching
action goes to the next step and a failure with none fails the workflow. Workflows reached
from the drawn ones (workflow steps, ``goto`` and ``retry`` with ``workflowId``,
``dependsOn``) are drawn too, each once, as a cluster of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from arazzo_engine.errors import ArazzoError
from arazzo_engine.executor import Program
from arazzo_engine.outline._build import outline_workflow
from arazzo_engine.outline._model import ActionOutline, CriterionOutline, WorkflowOutline

__all__ = ["FlowGraph", "GraphCluster", "GraphEdge", "GraphNode", "always_matches", "build_graph",
           "one_line"]

#: Longest label a drawing keeps; the JSON form has everything.
MAX_LABEL = 80

#: Node kinds: ``start`` and ``end``/``fail`` of a workflow, its ``step``s (``workflow-step``
#: for a step that runs a workflow), and ``missing`` for a target the document lacks.
NODE_KINDS = ("start", "step", "workflow-step", "end", "fail", "missing")
#: Edge kinds: ``start`` (into the first step), ``next`` (a success with no matching action),
#: ``goto`` (forward), ``loop`` (a goto back to a step at or before this one), ``end``,
#: ``retry``, ``fail`` (a failure with no matching action), ``call`` and ``return`` (a workflow
#: step), ``transfer`` (goto a workflow), ``dependency`` (``dependsOn``: it runs first),
#: ``unknown`` (an action of a type the executor does not know).
EDGE_KINDS = ("start", "next", "goto", "loop", "end", "retry", "fail", "call", "return",
              "transfer", "dependency", "unknown")
_NODE_ORDER = {"start": 0, "step": 1, "workflow-step": 1, "end": 2, "fail": 3, "missing": 4}


@dataclass(frozen=True)
class GraphNode:
    id: str
    kind: str
    label: str
    cluster: str
    #: A second line: the operation (``GET /runs/{id}``) or the workflow a step runs.
    detail: str | None = None
    step_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "label": self.label, "detail": self.detail,
                "cluster": self.cluster, "stepId": self.step_id}


@dataclass(frozen=True)
class GraphEdge:
    source: str
    target: str
    kind: str
    #: ``success`` or ``failure`` for the edges leaving a step, else None.
    outcome: str | None = None
    #: The action's name, ``otherwise`` for a fallback beside conditional actions, or None.
    name: str | None = None
    criteria: tuple[CriterionOutline, ...] = ()
    #: Extra words for the label: the retry's wait and limit, ``calls``, ``dependsOn``.
    note: str | None = None

    @property
    def label(self) -> str:
        """The edge's text: name, note and criteria, as short as the facts allow."""
        head = " ".join(p for p in (self.name, self.note) if p)
        conditions = " and ".join(c.short_text for c in self.criteria)
        text = f"{head}: {conditions}" if head and conditions else head or conditions
        if self.outcome == "failure":
            text = f"on failure: {text}" if text else "on failure"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "kind": self.kind,
                "outcome": self.outcome, "name": self.name,
                "criteria": [c.to_dict() for c in self.criteria], "note": self.note,
                "label": self.label}


@dataclass(frozen=True)
class GraphCluster:
    id: str
    workflow_id: str
    document: str
    #: How the first drawn workflow reaches it: ``main``, ``called`` (a workflow step),
    #: ``goto``, ``retry`` or ``dependency``.
    role: str
    summary: str | None = None

    @property
    def label(self) -> str:
        return f"workflow {self.workflow_id}"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "workflowId": self.workflow_id, "document": self.document,
                "role": self.role, "summary": self.summary, "label": self.label}


@dataclass
class FlowGraph:
    clusters: list[GraphCluster] = field(default_factory=list)
    nodes: list[GraphNode] = field(default_factory=list)
    edges: list[GraphEdge] = field(default_factory=list)

    def node(self, node_id: str) -> GraphNode:
        return next(n for n in self.nodes if n.id == node_id)

    def nodes_in(self, cluster: str) -> list[GraphNode]:
        """A cluster's nodes in reading order: start, steps, end, failed, missing targets."""
        found = [n for n in self.nodes if n.cluster == cluster]
        return sorted(found, key=lambda n: _NODE_ORDER[n.kind])

    def to_dict(self) -> dict[str, Any]:
        return {"clusters": [c.to_dict() for c in self.clusters],
                "nodes": [n.to_dict() for n in self.nodes],
                "edges": [e.to_dict() for e in self.edges]}

    def to_mermaid(self) -> str:
        from arazzo_engine.outline._mermaid import render_mermaid

        return render_mermaid(self)

    def to_dot(self) -> str:
        from arazzo_engine.outline._dot import render_dot

        return render_dot(self)


def build_graph(program: Program, workflows: list[tuple[str, str]]) -> FlowGraph:
    """The graph of ``workflows`` ((document key, workflowId) pairs) and all they reach."""
    return _Builder(program).build(workflows)


class _Builder:
    def __init__(self, program: Program) -> None:
        self.program = program
        self.graph = FlowGraph()
        self.clusters: dict[tuple[str, str], str] = {}
        self.pending: list[tuple[str, WorkflowOutline]] = []
        self.node_ids: set[str] = set()

    def build(self, workflows: list[tuple[str, str]]) -> FlowGraph:
        for key, workflow_id in workflows:
            self._cluster(key, workflow_id, "main")
        while self.pending:
            cluster, outline = self.pending.pop(0)
            self._draw(cluster, outline)
        return self.graph

    # clusters ------------------------------------------------------------------------

    def _cluster(self, key: str, workflow_id: str, role: str) -> str:
        """The cluster id of a workflow, queued for drawing the first time it is met."""
        if (key, workflow_id) in self.clusters:
            return self.clusters[(key, workflow_id)]
        cluster = f"w{len(self.clusters)}"
        self.clusters[(key, workflow_id)] = cluster
        outline = outline_workflow(self.program, key, workflow_id)
        self.graph.clusters.append(GraphCluster(cluster, workflow_id, key, role,
                                                outline.summary))
        self._add(GraphNode(f"{cluster}_start", "start", "start", cluster))
        self.pending.append((cluster, outline))
        return cluster

    def _workflow_cluster(self, key: str, reference: str, role: str) -> str | None:
        """The cluster of the workflow ``reference`` names, or None when there is none."""
        try:
            target_key, workflow_id = self.program.resolve_workflow(key, reference)
        except ArazzoError:
            return None
        return self._cluster(target_key, workflow_id, role)

    def _terminal(self, cluster: str, kind: str) -> str:
        node_id = f"{cluster}_{kind}"
        if node_id not in self.node_ids:
            label = "end" if kind == "end" else "failed"
            self._add(GraphNode(node_id, kind, label, cluster))
        return node_id

    def _missing(self, cluster: str, what: str) -> str:
        node_id = f"{cluster}_missing{sum(n.kind == 'missing' for n in self.graph.nodes)}"
        self._add(GraphNode(node_id, "missing", f"missing: {what}", cluster))
        return node_id

    def _add(self, node: GraphNode) -> None:
        self.node_ids.add(node.id)
        self.graph.nodes.append(node)

    def _edge(self, edge: GraphEdge) -> None:
        self.graph.edges.append(edge)

    # one workflow --------------------------------------------------------------------

    def _draw(self, cluster: str, outline: WorkflowOutline) -> None:
        key = outline.document
        for index, step in enumerate(outline.steps):
            if step.kind == "workflow":
                self._add(GraphNode(f"{cluster}_s{index}", "workflow-step", step.step_id,
                                    cluster, f"runs workflow {step.target}", step.step_id))
            elif step.message is not None:
                self._add(GraphNode(f"{cluster}_s{index}", "step", step.step_id, cluster,
                                    f"{step.message.text} (AsyncAPI)" if not step.message.problem
                                    else f"{step.target} (not found)", step.step_id))
            else:
                self._add(GraphNode(f"{cluster}_s{index}", "step", step.step_id, cluster,
                                    _operation_text(step.operation, step.target), step.step_id))
        start = f"{cluster}_start"
        for reference in outline.depends_on:
            before = self._workflow_cluster(key, reference, "dependency")
            if before is None:
                self._edge(GraphEdge(self._missing(cluster, f"workflow {reference}"), start,
                                     "dependency", note="dependsOn"))
            else:
                self._edge(GraphEdge(self._terminal(before, "end"), start, "dependency",
                                     note="then (dependsOn)"))
        first = f"{cluster}_s0" if outline.steps else self._terminal(cluster, "end")
        self._edge(GraphEdge(start, first, "start"))
        positions = {step.step_id: index for index, step in enumerate(outline.steps)}
        for index, step in enumerate(outline.steps):
            node = f"{cluster}_s{index}"
            if step.kind == "workflow" and step.target is not None:
                child = self._workflow_cluster(key, step.target, "called")
                if child is None:
                    self._edge(GraphEdge(node, self._missing(cluster, f"workflow {step.target}"),
                                         "call", note="calls"))
                else:
                    self._edge(GraphEdge(node, f"{child}_start", "call", note="calls"))
                    self._edge(GraphEdge(self._terminal(child, "end"), node, "return",
                                         note="returns"))
            self._actions(cluster, key, positions, index, step.on_success, "success")
            self._actions(cluster, key, positions, index, step.on_failure, "failure")

    def _actions(self, cluster: str, key: str, positions: dict[str, int], index: int,
                 actions: list[ActionOutline], outcome: str) -> None:
        node = f"{cluster}_s{index}"
        for action in actions:
            target, kind, note = self._action_target(cluster, key, positions, index, action,
                                                     outcome)
            self._edge(GraphEdge(node, target, kind, outcome, action.name,
                                 tuple(action.criteria), note))
            if always_matches(action):  # the actions after it never run
                return
        if outcome == "success":
            fallback = (f"{cluster}_s{index + 1}" if index + 1 < len(positions)
                        else self._terminal(cluster, "end"))
            self._edge(GraphEdge(node, fallback, "next", outcome,
                                 "otherwise" if actions else None))
        else:
            self._edge(GraphEdge(node, self._terminal(cluster, "fail"), "fail", outcome,
                                 "otherwise" if actions else None))

    def _action_target(self, cluster: str, key: str, positions: dict[str, int], index: int,
                       action: ActionOutline, outcome: str) -> tuple[str, str, str | None]:
        """Where an action leads, the edge kind, and a note for its label."""
        if action.type == "end":
            return self._terminal(cluster, "end" if outcome == "success" else "fail"), "end", None
        if action.type == "retry":
            note = _retry_note(action)
            if action.step_id is not None:
                detour = positions.get(action.step_id)
                if detour is None:
                    return self._missing(cluster, f"step {action.step_id}"), "retry", note
                return f"{cluster}_s{detour}", "retry", f"{note}, running {action.step_id} first"
            if action.workflow_id is not None:
                child = self._workflow_cluster(key, action.workflow_id, "retry")
                target = (f"{child}_start" if child is not None
                          else self._missing(cluster, f"workflow {action.workflow_id}"))
                return target, "retry", f"{note}, running workflow {action.workflow_id} first"
            return f"{cluster}_s{index}", "retry", note
        if action.type == "goto" and action.step_id is not None:
            target_index = positions.get(action.step_id)
            if target_index is None:
                return self._missing(cluster, f"step {action.step_id}"), "goto", None
            kind = "loop" if target_index <= index else "goto"
            return f"{cluster}_s{target_index}", kind, None
        if action.type == "goto" and action.workflow_id is not None:
            child = self._workflow_cluster(key, action.workflow_id, "goto")
            if child is None:
                return self._missing(cluster, f"workflow {action.workflow_id}"), "transfer", None
            return f"{child}_start", "transfer", "goto workflow"
        return self._missing(cluster, f"{action.type} action without a target"), "unknown", None


def always_matches(action: ActionOutline) -> bool:
    """An action without criteria always matches, so none after it is ever tried; except a
    retry, which is skipped once its ``retryLimit`` is used up."""
    return not action.criteria and action.type != "retry"


def _operation_text(operation: Any, target: str | None) -> str | None:
    if operation is None:
        return target
    if operation.method and operation.path:
        return f"{operation.method} {operation.path}"
    return f"{target} (not found)" if target else None


def _retry_note(action: ActionOutline) -> str:
    parts = ["retry"]
    if action.retry_after:
        parts.append(f"after {action.retry_after:g} s")
    limit = action.retry_limit if action.retry_limit is not None else 1
    parts.append(f"up to {limit} time{'s' if limit != 1 else ''}")
    return " ".join(parts)


def one_line(text: str, limit: int = MAX_LABEL) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis: labels stay legible."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"

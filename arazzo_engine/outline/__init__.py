"""What a document's workflows say and how their steps connect, read without running anything.

``arazzo list``, ``describe`` and ``graph`` print these; from Python, ask the loaded document:

    >>> document = arazzo_engine.load("specs/dbt/arazzo/dbt-trigger-run-and-poll-workflow.yml")
    >>> [w.workflow_id for w in document.workflows()]
    ['trigger-run-and-poll']
    >>> document.workflow("trigger-run-and-poll").steps[1].operation.path
    '/api/v2/accounts/{accountId}/runs/{runId}/'
    >>> print(document.graph().to_mermaid())
"""

from arazzo_engine.outline._build import outline_workflow, outline_workflows
from arazzo_engine.outline._graph import (
    EDGE_KINDS,
    NODE_KINDS,
    FlowGraph,
    GraphCluster,
    GraphEdge,
    GraphNode,
    always_matches,
    build_graph,
)
from arazzo_engine.outline._model import (
    ActionOutline,
    CriterionOutline,
    InputOutline,
    MessageOutline,
    OperationOutline,
    ParameterOutline,
    StepOutline,
    WorkflowOutline,
)

__all__ = [
    "EDGE_KINDS",
    "NODE_KINDS",
    "ActionOutline",
    "CriterionOutline",
    "FlowGraph",
    "GraphCluster",
    "GraphEdge",
    "GraphNode",
    "InputOutline",
    "MessageOutline",
    "OperationOutline",
    "ParameterOutline",
    "StepOutline",
    "WorkflowOutline",
    "always_matches",
    "build_graph",
    "outline_workflow",
    "outline_workflows",
]

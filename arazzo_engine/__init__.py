"""arazzo-engine: validate, run and test OpenAPI Initiative Arazzo 1.0.x workflows.

    >>> import arazzo_engine
    >>> document = arazzo_engine.load("specs/dbt/arazzo/dbt-trigger-run-and-poll-workflow.yml")
    >>> document.validate().ok
    True
    >>> result = document.run(inputs={...}, options=arazzo_engine.RunOptions(servers={...}))
    >>> result.outcome, result.outputs

Start with `load`; `validate` and `run` are one-call shortcuts. `document.workflows()`,
`document.workflow(id)` and `document.graph(id)` say what a document holds without running it.
Errors raised on purpose all derive from `ArazzoError`.
"""

from __future__ import annotations

from arazzo_engine._api import ArazzoDocument, load, run, validate
from arazzo_engine._version import __version__
from arazzo_engine.errors import (
    ArazzoError,
    DocumentError,
    EvaluationError,
    ExecutionError,
    InputError,
    MissingValueError,
    OptionsError,
    ValidationFailed,
)
from arazzo_engine.executor import (
    RunHandle,
    RunOptions,
    RunResult,
    Scheduler,
    StepExecution,
    run_many,
)
from arazzo_engine.expressions import ExpressionError, jsonpath_query
from arazzo_engine.outline import FlowGraph, WorkflowOutline
from arazzo_engine.validation import Diagnostic, ValidationReport

__all__ = [
    "ArazzoDocument",
    "ArazzoError",
    "Diagnostic",
    "DocumentError",
    "EvaluationError",
    "ExecutionError",
    "ExpressionError",
    "FlowGraph",
    "InputError",
    "MissingValueError",
    "OptionsError",
    "RunHandle",
    "RunOptions",
    "RunResult",
    "Scheduler",
    "StepExecution",
    "ValidationFailed",
    "ValidationReport",
    "WorkflowOutline",
    "__version__",
    "jsonpath_query",
    "load",
    "run",
    "run_many",
    "validate",
]

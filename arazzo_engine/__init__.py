"""arazzo-engine: validate, run and test OpenAPI Initiative Arazzo 1.0.x and 1.1.x workflows.

    >>> import arazzo_engine
    >>> document = arazzo_engine.load("specs/dbt/arazzo/dbt-trigger-run-and-poll-workflow.yml")
    >>> document.validate().ok
    True
    >>> result = document.run(inputs={...}, options=arazzo_engine.RunOptions(servers={...}))
    >>> result.outcome, result.outputs

Start with `load`; `validate` and `run` are one-call shortcuts; `resume(run_id)` carries on a
run recorded in the run store (`RunOptions(state=True)`). `document.workflows()`,
`document.workflow(id)` and `document.graph(id)` say what a document holds without running it.
Errors raised on purpose all derive from `ArazzoError`.

The names below are imported on first use (PEP 562): `import arazzo_engine`, and so every
`arazzo` command, pays only for the layers it touches (`arazzo --version` for none of them).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from arazzo_engine._version import __version__
from arazzo_engine.errors import (
    ArazzoError,
    BrokerRequired,
    DocumentError,
    EvaluationError,
    ExecutionError,
    InputError,
    MissingValueError,
    OptionsError,
    ValidationFailed,
)

if TYPE_CHECKING:
    from arazzo_engine._api import ArazzoDocument, load, run, validate
    from arazzo_engine._resume import InDoubtRequest, ResumeRefused, resume
    from arazzo_engine.executor import (
        RunHandle,
        RunOptions,
        RunResult,
        Scheduler,
        StepExecution,
        StopSignal,
        run_many,
    )
    from arazzo_engine.expressions import ExpressionError, jsonpath_query
    from arazzo_engine.outline import FlowGraph, WorkflowOutline
    from arazzo_engine.validation import Diagnostic, ValidationReport

#: Where each lazily imported name lives.
_LAZY = {
    "ArazzoDocument": "arazzo_engine._api",
    "load": "arazzo_engine._api",
    "run": "arazzo_engine._api",
    "validate": "arazzo_engine._api",
    "InDoubtRequest": "arazzo_engine._resume",
    "ResumeRefused": "arazzo_engine._resume",
    "resume": "arazzo_engine._resume",
    "RunHandle": "arazzo_engine.executor",
    "RunOptions": "arazzo_engine.executor",
    "RunResult": "arazzo_engine.executor",
    "Scheduler": "arazzo_engine.executor",
    "StepExecution": "arazzo_engine.executor",
    "StopSignal": "arazzo_engine.executor",
    "run_many": "arazzo_engine.executor",
    "ExpressionError": "arazzo_engine.expressions",
    "jsonpath_query": "arazzo_engine.expressions",
    "FlowGraph": "arazzo_engine.outline",
    "WorkflowOutline": "arazzo_engine.outline",
    "Diagnostic": "arazzo_engine.validation",
    "ValidationReport": "arazzo_engine.validation",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        return _submodule(name)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup is an ordinary global
    return value


def _submodule(name: str) -> Any:
    """``arazzo_engine.executor`` and the like still work after a bare ``import arazzo_engine``,
    as they did when this module imported every layer itself."""
    if not name.startswith("__"):
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Names this module uses itself; ``dir(arazzo_engine)`` shows the API, not its plumbing.
_PLUMBING = frozenset({"TYPE_CHECKING", "Any", "importlib"})


def __dir__() -> list[str]:
    return sorted((set(globals()) - _PLUMBING) | set(__all__))


__all__ = [
    "ArazzoDocument",
    "ArazzoError",
    "BrokerRequired",
    "Diagnostic",
    "DocumentError",
    "EvaluationError",
    "ExecutionError",
    "ExpressionError",
    "FlowGraph",
    "InDoubtRequest",
    "InputError",
    "MissingValueError",
    "OptionsError",
    "ResumeRefused",
    "RunHandle",
    "RunOptions",
    "RunResult",
    "Scheduler",
    "StepExecution",
    "StopSignal",
    "ValidationFailed",
    "ValidationReport",
    "WorkflowOutline",
    "__version__",
    "jsonpath_query",
    "load",
    "resume",
    "run",
    "run_many",
    "validate",
]

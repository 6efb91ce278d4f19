"""What a run reports: every step execution in order, and the workflow's outcome and outputs.

These objects are the single record of a run. The CLI's text and JSON output, ``--trace`` files
and the Python API all read them; secrets are masked before anything lands here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from arazzo_engine.executor._masking import Masker

__all__ = [
    "ActionRecord",
    "CriterionRecord",
    "RequestRecord",
    "ResponseRecord",
    "RunResult",
    "StepExecution",
]

SUCCEEDED = "succeeded"
FAILED = "failed"
#: A run stopped from outside (Ctrl-C, SIGTERM, a stop signal): neither succeeded nor failed.
INTERRUPTED = "interrupted"

#: Characters of a request body kept in a record; the request itself is sent whole.
MAX_RECORDED_BODY = 64 * 1024


#: Characters of a response body handed to observers (``arazzo run -v``); never recorded.
MAX_RESPONSE_PREVIEW = 4096


def response_preview(text: str) -> str:
    """The start of a response body for people to read, saying when it was cut."""
    if len(text) <= MAX_RESPONSE_PREVIEW:
        return text
    return f"{text[:MAX_RESPONSE_PREVIEW]}... [cut: {len(text)} characters in all]"


def recorded_body(text: str) -> str:
    """A body as the trace keeps it: cut after ``MAX_RECORDED_BODY`` characters, saying so."""
    if len(text) <= MAX_RECORDED_BODY:
        return text
    return f"{text[:MAX_RECORDED_BODY]}... [cut: {len(text)} characters in all]"


@dataclass
class CriterionRecord:
    """One criterion's verdict and the evaluator's explanation."""

    condition: str
    passed: bool
    detail: str = ""
    type: str | None = None
    context: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"condition": self.condition, "type": self.type, "context": self.context,
                "passed": self.passed, "detail": self.detail}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CriterionRecord:
        return cls(condition=data["condition"], passed=data["passed"],
                   detail=data.get("detail", ""), type=data.get("type"),
                   context=data.get("context"))


@dataclass
class ActionRecord:
    """The action chosen after a step and why (``reason`` is for people)."""

    type: str  # "next", "end", "goto", "retry", "fail"
    reason: str
    name: str | None = None
    step_id: str | None = None
    workflow_id: str | None = None
    delay: float | None = None
    criteria: list[CriterionRecord] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "name": self.name, "stepId": self.step_id,
                "workflowId": self.workflow_id, "delay": self.delay, "reason": self.reason,
                "criteria": [c.to_dict() for c in self.criteria]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ActionRecord:
        return cls(type=data["type"], reason=data["reason"], name=data.get("name"),
                   step_id=data.get("stepId"), workflow_id=data.get("workflowId"),
                   delay=data.get("delay"),
                   criteria=[CriterionRecord.from_dict(c) for c in data.get("criteria", [])])


@dataclass
class RequestRecord:
    """The request as sent, with secrets masked."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None

    def to_dict(self) -> dict[str, Any]:
        # What ``dataclasses.asdict`` gives (headers copied), without its generic walk.
        return {"method": self.method, "url": self.url, "headers": dict(self.headers),
                "body": self.body}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RequestRecord:
        return cls(**data)


@dataclass
class ResponseRecord:
    """The response's status, headers (masked) and how long it took."""

    status_code: int | None
    elapsed_ms: float
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = ""
    error: str | None = None  # a transport failure: no HTTP response at all

    def to_dict(self) -> dict[str, Any]:
        return {"statusCode": self.status_code, "elapsedMs": self.elapsed_ms,
                "headers": self.headers, "contentType": self.content_type, "error": self.error}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ResponseRecord:
        return cls(status_code=data.get("statusCode"), elapsed_ms=data.get("elapsedMs", 0.0),
                   headers=dict(data.get("headers") or {}),
                   content_type=data.get("contentType", ""), error=data.get("error"))


@dataclass
class StepExecution:
    """One execution of one step: an HTTP exchange, or a call of another workflow."""

    step_id: str
    workflow_id: str
    outcome: str
    kind: str = "operation"  # or "workflow"
    attempt: int = 1
    depth: int = 0
    status_code: int | None = None
    request: RequestRecord | None = None
    response: ResponseRecord | None = None
    criteria: list[CriterionRecord] = field(default_factory=list)
    action: ActionRecord | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    unresolved: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    api_message: str | None = None
    child_workflow_id: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.outcome == SUCCEEDED

    def to_dict(self) -> dict[str, Any]:
        return {
            "stepId": self.step_id, "workflowId": self.workflow_id, "outcome": self.outcome,
            "kind": self.kind, "attempt": self.attempt, "depth": self.depth,
            "statusCode": self.status_code,
            "request": self.request.to_dict() if self.request else None,
            "response": self.response.to_dict() if self.response else None,
            "criteria": [c.to_dict() for c in self.criteria],
            "action": self.action.to_dict() if self.action else None,
            "outputs": self.outputs, "unresolvedOutputs": self.unresolved,
            "error": self.error, "apiMessage": self.api_message,
            "childWorkflowId": self.child_workflow_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StepExecution:
        request, response, action = data.get("request"), data.get("response"), data.get("action")
        return cls(
            step_id=data["stepId"], workflow_id=data["workflowId"], outcome=data["outcome"],
            kind=data.get("kind", "operation"), attempt=data.get("attempt", 1),
            depth=data.get("depth", 0), status_code=data.get("statusCode"),
            request=RequestRecord.from_dict(request) if request else None,
            response=ResponseRecord.from_dict(response) if response else None,
            criteria=[CriterionRecord.from_dict(c) for c in data.get("criteria", [])],
            action=ActionRecord.from_dict(action) if action else None,
            outputs=dict(data.get("outputs") or {}),
            unresolved=dict(data.get("unresolvedOutputs") or {}),
            error=data.get("error"), api_message=data.get("apiMessage"),
            child_workflow_id=data.get("childWorkflowId"),
        )


@dataclass
class RunResult:
    """How a run ended.

    ``outcome`` is ``"succeeded"``, ``"failed"`` or ``"interrupted"`` (stopped from outside:
    every step so far is in ``steps``, a request left without its response as an
    ``"interrupted"`` step); ``outputs`` holds every declared workflow
    output (null when it could not be resolved, with the reason in ``unresolved``); ``steps``
    lists every step execution in order, retries and polls included; ``error`` says why a failed
    run failed.

    Secrets: the step records, ``error`` and ``unresolved`` are masked. ``outputs`` holds the
    values as resolved, a token a login workflow outputs included (the caller asked for it);
    ``to_dict()``, which the CLI prints and traces hold, masks them with ``masker``.
    """

    workflow_id: str
    outcome: str
    outputs: dict[str, Any] = field(default_factory=dict)
    steps: Sequence[StepExecution] = field(default_factory=list)
    error: str | None = None
    unresolved: dict[str, str] = field(default_factory=dict)
    #: The ``expect`` conditions as checked when the workflow ended (empty when none).
    expectations: list[CriterionRecord] = field(default_factory=list)
    #: Masks the run's known secrets; not part of the record.
    masker: Masker = field(default_factory=Masker, repr=False, compare=False)
    #: The run's id in the run store (``arazzo resume ID``), None when nothing was recorded.
    run_id: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.outcome == SUCCEEDED

    @property
    def interrupted(self) -> bool:
        return self.outcome == INTERRUPTED

    def to_dict(self) -> dict[str, Any]:
        return {**self.to_dict_without_steps(), "steps": [s.to_dict() for s in self.steps]}

    def to_dict_without_steps(self) -> dict[str, Any]:
        """``to_dict()`` but the steps, for writers that stream them."""
        return {
            "workflowId": self.workflow_id, "outcome": self.outcome,
            "outputs": self.masker.value(self.outputs),
            "error": self.error, "unresolvedOutputs": self.unresolved,
            "expectations": [e.to_dict() for e in self.expectations], "runId": self.run_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunResult:
        return cls(
            workflow_id=data["workflowId"], outcome=data["outcome"],
            outputs=dict(data.get("outputs") or {}), error=data.get("error"),
            unresolved=dict(data.get("unresolvedOutputs") or {}),
            expectations=[CriterionRecord.from_dict(e) for e in data.get("expectations", [])],
            steps=[StepExecution.from_dict(s) for s in data.get("steps", [])],
            run_id=data.get("runId"),
        )

"""What a workflow says, read without running it: inputs, steps, operations, actions, outputs.

These records answer a person's first questions about a document (what can I run, what does it
need, what will it call) and feed ``arazzo list``, ``describe`` and ``graph``. They hold plain
values, so ``to_dict()`` is their JSON form and nothing in them refers back to the documents.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ActionOutline",
    "CriterionOutline",
    "InputOutline",
    "MessageOutline",
    "OperationOutline",
    "ParameterOutline",
    "StepOutline",
    "WorkflowOutline",
]


@dataclass(frozen=True)
class InputOutline:
    """One property of a workflow's inputs schema."""

    name: str
    #: The JSON Schema ``type`` as written (a string, a list of strings) or None when open.
    type: str | list[str] | None = None
    required: bool = False
    has_default: bool = False
    default: Any = None
    description: str | None = None
    #: ``format: password``, ``writeOnly: true`` or a credential-like name: masked in output,
    #: prompted without echo.
    secret: bool = False
    enum: list[Any] | None = None
    format: str | None = None
    #: For arrays, the items' type (``array of string``).
    items_type: str | list[str] | None = None

    @property
    def type_text(self) -> str:
        """The type as a person reads it: ``integer``, ``string|null``, ``array of string``."""
        text = _type_text(self.type)
        if text == "array" and self.items_type is not None:
            text = f"array of {_type_text(self.items_type)}"
        if self.enum is not None:
            text = " | ".join(_literal(v) for v in self.enum) if not self.type else (
                f"{text} ({' | '.join(_literal(v) for v in self.enum)})")
        return text

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "type": self.type, "required": self.required,
                                "description": self.description, "secret": self.secret}
        if self.has_default:
            data["default"] = self.default
        if self.enum is not None:
            data["enum"] = self.enum
        if self.format is not None:
            data["format"] = self.format
        if self.items_type is not None:
            data["itemsType"] = self.items_type
        return data


@dataclass(frozen=True)
class CriterionOutline:
    condition: str
    #: ``simple`` (when absent), ``regex``, ``jsonpath``, ``xpath``; a version follows a colon.
    type: str = "simple"
    context: str | None = None

    @property
    def text(self) -> str:
        if self.type == "simple":
            return self.condition
        where = f" on {self.context}" if self.context else ""
        return f"{self.condition} ({self.type}{where})"

    @property
    def short_text(self) -> str:
        """For drawings: a JSONPath or XPath condition reads as itself, a regex as a match."""
        if self.type.startswith("regex"):
            return f"{self.context or '?'} matches {self.condition}"
        if self.type.startswith("xpath"):
            return f"xpath {self.condition}"
        return self.condition

    def to_dict(self) -> dict[str, Any]:
        return {"condition": self.condition, "type": self.type, "context": self.context}


@dataclass(frozen=True)
class ActionOutline:
    """A Success or Failure Action Object, references resolved."""

    type: str
    name: str | None = None
    step_id: str | None = None
    workflow_id: str | None = None
    criteria: list[CriterionOutline] = field(default_factory=list)
    retry_after: float | None = None
    retry_limit: int | None = None
    #: True when the action comes from the workflow's ``successActions``/``failureActions``.
    inherited: bool = False
    #: The ``$components...`` reference it was written as, if any.
    reference: str | None = None

    @property
    def target(self) -> str | None:
        return self.step_id or self.workflow_id

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "name": self.name, "stepId": self.step_id,
                "workflowId": self.workflow_id, "criteria": [c.to_dict() for c in self.criteria],
                "retryAfter": self.retry_after, "retryLimit": self.retry_limit,
                "inherited": self.inherited, "reference": self.reference}


@dataclass(frozen=True)
class ParameterOutline:
    name: str
    #: ``path``, ``query``, ``header``, ``cookie``, or None (a workflow step's input).
    location: str | None
    value: Any
    reference: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "in": self.location, "value": self.value,
                "reference": self.reference}


@dataclass(frozen=True)
class OperationOutline:
    """The operation a step calls, as its OpenAPI description says."""

    source: str | None
    method: str | None
    path: str | None
    operation_id: str | None = None
    #: Why the operation could not be found (an unknown id, an unloaded source), else None.
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "method": self.method, "path": self.path,
                "operationId": self.operation_id, "problem": self.problem}


@dataclass(frozen=True)
class MessageOutline:
    """What an Arazzo 1.1 AsyncAPI step sends or receives, as its AsyncAPI description says."""

    source: str | None
    #: ``send`` or ``receive`` (the step's ``action``), None when the step does not say.
    action: str | None
    operation_id: str | None = None
    #: The channel's name in the AsyncAPI document, and its address when it declares one.
    channel: str | None = None
    address: str | None = None
    correlation_id: str | None = None
    #: Why the operation or channel could not be found, else None.
    problem: str | None = None

    @property
    def text(self) -> str:
        """``send placeOrder on channel place-order``, as describe and graph show it."""
        words = [self.action or "use"]
        if self.operation_id:
            words.append(self.operation_id)
        where = self.address or self.channel
        if where:
            words.append(f"on channel {where}")
        return " ".join(words)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "action": self.action, "operationId": self.operation_id,
                "channel": self.channel, "address": self.address,
                "correlationId": self.correlation_id, "problem": self.problem}


@dataclass(frozen=True)
class StepOutline:
    step_id: str
    #: ``operation`` (operationId or operationPath), ``workflow`` (workflowId) or ``message``
    #: (an Arazzo 1.1 AsyncAPI step: runs need a message broker).
    kind: str
    description: str | None = None
    #: The target as written: the operationId, operationPath or workflowId.
    target: str | None = None
    operation: OperationOutline | None = None
    #: For a workflow step: (document key, workflowId) of the workflow it runs, when known.
    workflow: tuple[str, str] | None = None
    parameters: list[ParameterOutline] = field(default_factory=list)
    request_body: dict[str, Any] | None = None
    success_criteria: list[CriterionOutline] = field(default_factory=list)
    on_success: list[ActionOutline] = field(default_factory=list)
    on_failure: list[ActionOutline] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    #: For an AsyncAPI step: its operation or channel, action and correlationId.
    message: MessageOutline | None = None
    #: Arazzo 1.1: the step's ``dependsOn`` entries as written, and its ``timeout`` in ms.
    depends_on: list[str] = field(default_factory=list)
    timeout: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "stepId": self.step_id, "kind": self.kind, "description": self.description,
            "target": self.target,
            "operation": self.operation.to_dict() if self.operation else None,
            "message": self.message.to_dict() if self.message else None,
            "dependsOn": self.depends_on, "timeout": self.timeout,
            "workflow": ({"document": self.workflow[0], "workflowId": self.workflow[1]}
                         if self.workflow else None),
            "parameters": [p.to_dict() for p in self.parameters],
            "requestBody": self.request_body,
            "successCriteria": [c.to_dict() for c in self.success_criteria],
            "onSuccess": [a.to_dict() for a in self.on_success],
            "onFailure": [a.to_dict() for a in self.on_failure],
            "outputs": self.outputs,
        }


@dataclass(frozen=True)
class WorkflowOutline:
    workflow_id: str
    #: The document the workflow is in (its path, or URL).
    document: str
    summary: str | None = None
    description: str | None = None
    inputs: list[InputOutline] = field(default_factory=list)
    #: The ``dependsOn`` entries as written, in order.
    depends_on: list[str] = field(default_factory=list)
    parameters: list[ParameterOutline] = field(default_factory=list)
    steps: list[StepOutline] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    #: Problems that keep part of the outline unknown (a broken inputs ``$ref``, ...).
    problems: list[str] = field(default_factory=list)

    def input(self, name: str) -> InputOutline | None:
        return next((i for i in self.inputs if i.name == name), None)

    @property
    def required_inputs(self) -> list[InputOutline]:
        return [i for i in self.inputs if i.required]

    def step(self, step_id: str) -> StepOutline | None:
        return next((s for s in self.steps if s.step_id == step_id), None)

    def to_dict(self, *, steps: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "workflowId": self.workflow_id, "document": self.document,
            "summary": self.summary, "description": self.description,
            "inputs": [i.to_dict() for i in self.inputs], "dependsOn": self.depends_on,
        }
        if steps:
            data["parameters"] = [p.to_dict() for p in self.parameters]
            data["steps"] = [s.to_dict() for s in self.steps]
            data["outputs"] = self.outputs
        else:
            data["stepCount"] = len(self.steps)
            data["outputNames"] = list(self.outputs)
        data["problems"] = self.problems
        return data


def _type_text(value: str | list[str] | None) -> str:
    if value is None:
        return "any"
    if isinstance(value, list):
        return "|".join(str(v) for v in value) or "any"
    return str(value)


def _literal(value: Any) -> str:
    return json.dumps(value, default=str)

"""The run state: everything needed to carry on a run, as plain JSON-able data.

``RunState.to_dict()``/``from_dict()`` round-trip exactly, so a run can be checkpointed between
any two actions and resumed later. Nothing here refers to documents by object: workflows are
named by (document key, workflowId) and steps by index.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from arazzo_engine.executor._results import StepExecution

__all__ = ["Frame", "RunEvent", "RunState"]


@dataclass
class Frame:
    """One running workflow: the top-level one, or one called by a step, a dependency, a retry.

    ``role`` says what to do when it finishes: ``main`` ends the run, ``step`` completes the
    caller's workflow step, ``dependency`` lets the dependent workflow start, ``retry`` lets the
    caller retry its failed step.
    """

    document: str
    workflow_id: str
    inputs: dict[str, Any] = field(default_factory=dict)
    role: str = "main"
    position: int = 0
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    ran: list[str] = field(default_factory=list)
    retries: dict[str, int] = field(default_factory=dict)
    delay: float = 0.0
    delay_reason: str = ""
    #: What the coming wait is part of, for observers (a polling loop: step, poll, time so far).
    delay_detail: dict[str, Any] | None = None
    #: The polling loop going on (``_loops.next_streak``): step, re-runs, seconds so far.
    loop: dict[str, Any] | None = None
    dependencies: list[str] = field(default_factory=list)
    detour: dict[str, Any] | None = None
    origin: dict[str, Any] | None = None
    #: Arazzo 1.1 ``timeout`` of the workflow step that started this frame: seconds left (the
    #: exchanges' and waits' time is taken off as it passes) and the timeout as written (ms).
    budget: float | None = None
    budget_ms: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": self.document, "workflowId": self.workflow_id, "inputs": self.inputs,
            "role": self.role, "position": self.position, "steps": self.steps,
            "ran": self.ran, "retries": self.retries, "delay": self.delay,
            "delayReason": self.delay_reason, "delayDetail": self.delay_detail,
            "loop": self.loop, "dependencies": self.dependencies,
            "detour": self.detour, "origin": self.origin,
            "budget": self.budget, "budgetMs": self.budget_ms,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Frame:
        return cls(
            document=data["document"], workflow_id=data["workflowId"],
            inputs=dict(data.get("inputs") or {}), role=data.get("role", "main"),
            position=data.get("position", 0), steps=dict(data.get("steps") or {}),
            ran=list(data.get("ran") or []), retries=dict(data.get("retries") or {}),
            delay=data.get("delay", 0.0), delay_reason=data.get("delayReason", ""),
            delay_detail=data.get("delayDetail"), loop=data.get("loop"),
            dependencies=list(data.get("dependencies") or []), detour=data.get("detour"),
            budget=data.get("budget"), budget_ms=data.get("budgetMs"),
            origin=data.get("origin"),
        )


@dataclass
class RunEvent:
    """Live progress for observers: ``kind`` is one of ``workflow-started``, ``request``,
    ``response`` (the answer's body, masked and cut, before its step is judged),
    ``step-finished``, ``waiting``, ``workflow-finished``, ``run-finished``."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunState:
    """The whole run: the call stack of workflows, what finished, and the step executions not
    yet handed to the run's history (the driver takes them after every action).

    ``to_dict()`` holds secrets in clear (inputs, ``secrets``, step outputs): do not log or
    store it yourself. The run store writes it with every secret cut out (``store._vault``).
    """

    workflow_id: str
    document: str
    frames: list[Frame] = field(default_factory=list)
    workflows: dict[str, dict[str, Any]] = field(default_factory=dict)
    completed_dependencies: list[str] = field(default_factory=list)
    #: Every step that has run to its end, as ``document#workflowId#stepId`` (Arazzo 1.1
    #: ``dependsOn`` names steps of other workflows and documents).
    completed_steps: list[str] = field(default_factory=list)
    executions: list[StepExecution] = field(default_factory=list)
    step_count: int = 0
    pending: dict[str, Any] | None = None
    finished: bool = False
    outcome: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    unresolved: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    #: The ``expect`` conditions' records (``CriterionRecord.to_dict()``) once checked.
    expectations: list[dict[str, Any]] = field(default_factory=list)
    #: Every value known to be secret (docs: masking); ``to_dict`` holds them in clear.
    secrets: list[str] = field(default_factory=list)
    #: Progress not yet handed to the observer; transient, never serialised.
    events: list[RunEvent] = field(default_factory=list, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "workflowId": self.workflow_id, "document": self.document,
            "frames": [f.to_dict() for f in self.frames], "workflows": self.workflows,
            "completedDependencies": self.completed_dependencies,
            "completedSteps": self.completed_steps,
            "executions": [e.to_dict() for e in self.executions],
            "stepCount": self.step_count, "pending": self.pending, "finished": self.finished,
            "outcome": self.outcome, "outputs": self.outputs, "unresolved": self.unresolved,
            "error": self.error, "expectations": self.expectations, "secrets": self.secrets,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunState:
        return cls(
            workflow_id=data["workflowId"], document=data["document"],
            frames=[Frame.from_dict(f) for f in data.get("frames", [])],
            workflows=dict(data.get("workflows") or {}),
            completed_dependencies=list(data.get("completedDependencies") or []),
            completed_steps=list(data.get("completedSteps") or []),
            executions=[StepExecution.from_dict(e) for e in data.get("executions", [])],
            step_count=data.get("stepCount", 0), pending=data.get("pending"),
            finished=data.get("finished", False), outcome=data.get("outcome"),
            outputs=dict(data.get("outputs") or {}),
            unresolved=dict(data.get("unresolved") or {}), error=data.get("error"),
            expectations=list(data.get("expectations") or []),
            secrets=list(data.get("secrets") or []),
        )

    def take_events(self) -> list[RunEvent]:
        events, self.events = self.events, []
        return events

"""Every HTTP exchange of a run, as sent and received, with the step that made it.

The recorder sits around the run's ``Transport`` (so it sees the bytes that went out and came
back, before anything is masked: checks need the real values) and receives the run's events
(so each exchange knows its workflow, step, attempt and operation, and later the step
execution the machine recorded for it). Nothing here leaves the process unmasked: reports mask
through the run's own ``Masker``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from arazzo_engine.executor import (
    HttpRequest,
    HttpResponse,
    RunEvent,
    StepExecution,
    Transport,
    TransportFailure,
)

__all__ = ["Exchange", "ExchangeRecorder"]


@dataclass
class Exchange:
    """One request and what came back (``outcome``), raw."""

    request: HttpRequest
    outcome: HttpResponse | TransportFailure
    started_at: float
    workflow_id: str = ""
    step_id: str = ""
    attempt: int = 1
    document: str = ""
    source: str = ""
    operation: str = ""
    #: The machine's record of the step execution this exchange belongs to.
    execution: StepExecution | None = field(default=None, repr=False)

    @property
    def response(self) -> HttpResponse | None:
        return self.outcome if isinstance(self.outcome, HttpResponse) else None

    @property
    def elapsed(self) -> float:
        return self.outcome.elapsed


class ExchangeRecorder:
    """A ``Transport`` and an observer at once; pass it as both to ``run_workflow``."""

    def __init__(self, transport: Transport,
                 observer: Callable[[RunEvent], None] | None = None) -> None:
        self.transport = transport
        self.observer = observer
        self.exchanges: list[Exchange] = []
        self._announced: Mapping[str, Any] = {}

    # the observer ------------------------------------------------------------------------

    def __call__(self, event: RunEvent) -> None:
        if event.kind == "request":
            self._announced = event.data
        elif event.kind == "step-finished":
            execution = event.data.get("execution")
            if isinstance(execution, StepExecution) and execution.request is not None:
                for exchange in reversed(self.exchanges):
                    if exchange.execution is None and exchange.step_id == execution.step_id:
                        exchange.execution = execution
                        break
        if self.observer is not None:
            self.observer(event)

    # the transport -----------------------------------------------------------------------

    def send(self, request: HttpRequest) -> HttpResponse | TransportFailure:
        announced, self._announced = self._announced, {}
        started = time.time()
        outcome = self.transport.send(request)
        self.exchanges.append(Exchange(
            request=request, outcome=outcome, started_at=started,
            workflow_id=str(announced.get("workflowId", "")),
            step_id=str(announced.get("stepId", "")),
            attempt=int(announced.get("attempt", 1) or 1),
            document=str(announced.get("document", "")),
            source=str(announced.get("source", "")),
            operation=str(announced.get("operation", "")),
        ))
        return outcome

    def close(self) -> None:
        self.transport.close()

    def __getattr__(self, name: str) -> Any:  # ``session`` and the like, for those who look
        return getattr(self.transport, name)

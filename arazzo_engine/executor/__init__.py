"""Runs Arazzo workflows: a pure state machine plus adapters for HTTP, time and reporting.

Start with ``run_workflow(path, inputs={...})``; it returns a ``RunResult``.
"""

from arazzo_engine.executor._clock import Clock, ManualClock, SystemClock
from arazzo_engine.executor._dry_run import DryRun, PlannedStep, dry_run
from arazzo_engine.executor._http import (
    MAX_RESPONSE_BODY,
    HttpRequest,
    HttpResponse,
    RequestsTransport,
    Transport,
    TransportFailure,
)
from arazzo_engine.executor._inputs import InputsSchema
from arazzo_engine.executor._machine import Abort, Finish, Machine, SendRequest, Wait, Waited
from arazzo_engine.executor._options import (
    DEFAULT_LOOP_DELAY,
    DEFAULT_LOOP_DELAY_MAX,
    DEFAULT_MAX_RETRY_WAIT,
    DEFAULT_MAX_STEPS,
    DEFAULT_REGEX_TIMEOUT,
    DEFAULT_TIMEOUT,
    RunOptions,
)
from arazzo_engine.executor._program import Program
from arazzo_engine.executor._results import (
    MAX_RECORDED_BODY,
    ActionRecord,
    CriterionRecord,
    RequestRecord,
    ResponseRecord,
    RunResult,
    StepExecution,
)
from arazzo_engine.executor._run import Observer, drive, load_program, run_workflow
from arazzo_engine.executor._scheduler import (
    DEFAULT_MAX_CONNECTIONS,
    RunHandle,
    Scheduler,
    run_many,
)
from arazzo_engine.executor._state import Frame, RunEvent, RunState
from arazzo_engine.executor._stop import RequestCutOff, StopSignal, stop_on_signals

__all__ = [
    "DEFAULT_LOOP_DELAY",
    "DEFAULT_LOOP_DELAY_MAX",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_RETRY_WAIT",
    "DEFAULT_MAX_STEPS",
    "DEFAULT_REGEX_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "MAX_RECORDED_BODY",
    "MAX_RESPONSE_BODY",
    "Abort",
    "ActionRecord",
    "Clock",
    "CriterionRecord",
    "DryRun",
    "Finish",
    "Frame",
    "HttpRequest",
    "HttpResponse",
    "InputsSchema",
    "Machine",
    "ManualClock",
    "Observer",
    "PlannedStep",
    "Program",
    "RequestCutOff",
    "RequestRecord",
    "RequestsTransport",
    "ResponseRecord",
    "RunEvent",
    "RunHandle",
    "RunOptions",
    "RunResult",
    "RunState",
    "Scheduler",
    "SendRequest",
    "StepExecution",
    "StopSignal",
    "SystemClock",
    "Transport",
    "TransportFailure",
    "Wait",
    "Waited",
    "drive",
    "dry_run",
    "load_program",
    "run_many",
    "run_workflow",
    "stop_on_signals",
]

"""The driver: loads documents, then performs the machine's actions (send, wait) until it ends."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from arazzo_engine.document import Bundle, LoadedDocument, load_bundle
from arazzo_engine.executor._clock import Clock, SystemClock
from arazzo_engine.executor._deadline import Deadline
from arazzo_engine.executor._http import (
    HttpRequest,
    HttpResponse,
    RequestsTransport,
    Transport,
    TransportFailure,
)
from arazzo_engine.executor._machine import Abort, Finish, Machine, SendRequest, Wait, Waited
from arazzo_engine.executor._options import RunOptions
from arazzo_engine.executor._program import Program
from arazzo_engine.executor._results import RunResult
from arazzo_engine.executor._state import RunEvent, RunState
from arazzo_engine.executor._stop import RequestCutOff, StopSignal

__all__ = ["Observer", "drive", "load_program", "run_workflow"]

Observer = Callable[[RunEvent], None]


def load_program(source: str | Path | LoadedDocument | Bundle | Program,
                 options: RunOptions | None = None) -> Program:
    """The documents of a run: an Arazzo file with every source description it names."""
    if isinstance(source, Program):
        return source
    if isinstance(source, Bundle):
        return Program(source)
    allow_remote = bool(options and options.allow_remote)
    return Program(load_bundle(source, allow_remote=allow_remote))


def run_workflow(
    source: str | Path | LoadedDocument | Bundle | Program,
    workflow_id: str | None = None,
    inputs: Mapping[str, Any] | None = None,
    options: RunOptions | None = None,
    observer: Observer | None = None,
    *,
    transport: Transport | None = None,
    clock: Clock | None = None,
    stop: StopSignal | None = None,
) -> RunResult:
    """Runs one workflow to its end and returns what happened.

    Arguments:
        source: the Arazzo document (path, loaded document, bundle or program).
        workflow_id: which workflow; may be omitted when the document has exactly one.
        inputs: the workflow's inputs; schema defaults are filled in.
        options: timeouts, loop guard, server overrides (``RunOptions``).
        observer: called with each ``RunEvent`` as the run progresses.
        transport: sends requests; defaults to one pooled ``requests`` session for the run.
        clock: sleeps and tells time; inject ``ManualClock`` to test without waiting.
        stop: a ``StopSignal``; ``stop.stop()`` (from any thread, or a signal handler installed
            with ``stop_on_signals``) ends the run at once with outcome ``"interrupted"``.

    Raises:
        DocumentError: the Arazzo document cannot be loaded.
        ExecutionError: the workflow does not exist or the document has several and none
            was chosen.
        InputError: the inputs do not match the workflow's inputs schema.

    A workflow that fails is not an exception: the result says ``outcome == "failed"`` and why.
    """
    options = options or RunOptions()
    machine = Machine(load_program(source, options), options)
    state = machine.start(workflow_id, inputs)
    own_transport = transport is None
    transport = transport or RequestsTransport(
        follow_redirects=options.follow_redirects, verify=options.verify,
        trust_env=options.trust_env)
    try:
        return drive(machine, state, transport, clock or SystemClock(), observer, stop)
    finally:
        if own_transport:
            transport.close()


def drive(machine: Machine, state: RunState, transport: Transport, clock: Clock,
          observer: Observer | None = None, stop: StopSignal | None = None) -> RunResult:
    """Performs actions until the machine finishes; works on a fresh or a resumed state.

    With ``stop``, a stop request ends a wait at once (on the real clock) and cuts off a
    request in flight when it comes from ``stop_on_signals``; the machine then records the run
    as ``"interrupted"``.
    """
    deadline = Deadline(machine.options.deadline, clock.monotonic())
    outcome: Any = None
    while True:
        action = machine.decide(state, outcome)
        for event in state.take_events():
            if observer is not None:
                observer(event)
        if isinstance(action, Finish):
            return action.result
        if stop is not None and stop.stopped:  # a response that came is recorded first
            outcome = _interrupted(stop, in_flight=False)
            continue
        if isinstance(action, Wait):
            seconds, abort = deadline.wait(action.seconds, clock.monotonic())
            if _sleep(clock, seconds, stop):
                outcome = _interrupted(stop, in_flight=False)
            else:
                outcome = abort or Waited()
        elif isinstance(action, SendRequest):
            outcome = deadline.send(action.request, clock.monotonic()) \
                or _send(transport, action.request, stop)


def _sleep(clock: Clock, seconds: float, stop: StopSignal | None) -> bool:
    """Sleeps; True when a stop request ended (or came during) the wait."""
    if stop is not None and isinstance(clock, SystemClock):
        return stop.sleep(seconds)
    clock.sleep(seconds)
    return stop is not None and stop.stopped


def _send(transport: Transport, request: HttpRequest,
          stop: StopSignal | None) -> HttpResponse | TransportFailure | Abort:
    if stop is None:
        return transport.send(request)
    try:
        stop.sending = True
        try:
            return transport.send(request)
        finally:
            stop.sending = False
    except RequestCutOff:
        return _interrupted(stop, in_flight=True)


def _interrupted(stop: StopSignal | None, *, in_flight: bool) -> Abort:
    reason = (stop.reason if stop is not None else None) or "interrupted"
    return Abort(f"the run was {reason}", interrupted=True, in_flight=in_flight)

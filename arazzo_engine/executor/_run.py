"""The driver: loads documents, then performs the machine's actions (send, wait) until it ends."""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arazzo_engine.document import Bundle, LoadedDocument, load_bundle
from arazzo_engine.errors import ExecutionError
from arazzo_engine.executor._clock import Clock, SystemClock
from arazzo_engine.executor._deadline import Deadline
from arazzo_engine.executor._history import History, SpillHistory
from arazzo_engine.executor._http import (
    HttpRequest,
    HttpResponse,
    RequestsTransport,
    Transport,
    TransportFailure,
)
from arazzo_engine.executor._in_doubt import IDEMPOTENT_METHODS, marked_safe_to_repeat
from arazzo_engine.executor._machine import (
    Abort,
    Action,
    Finish,
    Machine,
    Outcome,
    SendRequest,
    Wait,
    Waited,
)
from arazzo_engine.executor._masking import secret_input_names
from arazzo_engine.executor._options import RunOptions
from arazzo_engine.executor._program import Program
from arazzo_engine.executor._results import RunResult
from arazzo_engine.executor._state import RunEvent, RunState
from arazzo_engine.executor._stop import RequestCutOff, StopSignal

if TYPE_CHECKING:
    from arazzo_engine.store import RunRecorder, RunStore

__all__ = ["Observer", "action_record", "begin_record", "document_hash", "drive",
           "interrupted_outcome", "load_program", "open_store", "options_record",
           "record_action", "repeatable_request", "rescue_record", "run_workflow"]

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
        options: timeouts, loop guard, server overrides, the run store (``RunOptions``).
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
        StoreError: the run store (``options.state``) cannot be opened.

    A workflow that fails is not an exception: the result says ``outcome == "failed"`` and why.
    With a run store, the run is checkpointed as it goes (``RunOptions.checkpoint_interval``,
    docs/reliability.md) and ``result.run_id`` names it for ``arazzo resume``.
    """
    options = options or RunOptions()
    if options.backend != "local":
        raise ExecutionError("run_workflow runs in this process; a run on another backend "
                             "starts through arazzo_engine.run or ArazzoDocument.run")
    program = load_program(source, options)
    machine = Machine(program, options)
    state = machine.start(workflow_id, inputs)
    recorder = begin_record(program, machine, state, options)
    if recorder is not None and observer is not None:
        observer(RunEvent("recorded", {"runId": recorder.id, "store": str(recorder.store.path)}))
    own_transport = transport is None
    transport = transport or RequestsTransport.for_options(options)
    try:
        return drive(machine, state, transport, clock or SystemClock(), observer, stop,
                     recorder=recorder)
    finally:
        if own_transport:
            transport.close()


def begin_record(program: Program, machine: Machine, state: RunState, options: RunOptions,
                 store: RunStore | None = None) -> RunRecorder | None:
    """The run's record in the store ``options.state`` names (``store`` when the caller has
    it open already), or None when the run is not recorded."""
    if options.state is None or options.state is False:
        return None
    if store is None:
        store = open_store(options)
    frame = state.frames[0]
    workflow = program.workflow(frame.document, frame.workflow_id)
    secret = {name: str(frame.inputs[name])
              for name in secret_input_names(workflow.get("inputs"), frame.inputs,
                                             program.data(frame.document))}
    entry = program.bundle.entry
    return store.begin(
        document=str(entry.path.resolve()) if entry.path is not None else entry.uri,
        document_hash=document_hash(program), state=state, inputs=frame.inputs,
        secret_inputs=secret, options=options_record(options),
        checkpoint_interval=options.checkpoint_interval)


def open_store(options: RunOptions) -> RunStore:
    """The run store ``options.state`` names (True: the default one)."""
    from arazzo_engine.store import RunStore

    return RunStore(None if options.state is True or not options.state else options.state)


def document_hash(program: Program) -> str:
    """SHA-256 over every document of the run (the entry and each source it loaded)."""
    digest = hashlib.sha256()
    for key in sorted(program.bundle.documents):
        document = program.bundle.documents[key]
        digest.update(key.encode() + b"\0")
        text = document.text or json.dumps(document.data, sort_keys=True, default=str)
        digest.update(text.encode() + b"\0")
    return digest.hexdigest()


def options_record(options: RunOptions) -> dict[str, Any]:
    """The options a resumed run starts from (the store choice itself excluded)."""
    record = asdict(options)
    record.pop("state", None)
    record["servers"] = dict(options.servers)
    record["server_variables"] = dict(options.server_variables)
    return record


def drive(machine: Machine, state: RunState, transport: Transport, clock: Clock,
          observer: Observer | None = None, stop: StopSignal | None = None, *,
          recorder: RunRecorder | None = None, resume_wait: float | None = None) -> RunResult:
    """Performs actions until the machine finishes; works on a fresh or a resumed state.

    With ``stop``, a stop request ends a wait at once (on the real clock) and cuts off a
    request in flight when it comes from ``stop_on_signals``; the machine then records the run
    as ``"interrupted"``.

    Step executions leave the state as they finish, for ``recorder`` (the run store) or a
    temporary file: ``result.steps`` reads them back. With a recorder, each action is
    checkpointed before it is performed (``record_action``: a request that must not be sent
    twice is on record before it is sent and its response before anything else happens;
    repeatable ones are grouped); an interrupted run keeps the state it was in when the stop
    came (not the machine's interrupted ending), so it resumes from there; so does a run
    stopped by ``KeyboardInterrupt`` or ``SystemExit`` without a ``stop`` signal, unless that
    came in the middle of the machine's decision (then its last commit stands, as after a
    crash). ``resume_wait`` first finishes the wait a stopped run was in (the time left of it).
    """
    history: History = recorder if recorder is not None else SpillHistory()
    deadline = Deadline(machine.options.deadline, clock.monotonic())
    outcome: Outcome = None
    deciding = False
    try:
        if resume_wait is not None:
            seconds, abort = deadline.wait(resume_wait, clock.monotonic())
            outcome = interrupted_outcome(stop, in_flight=False) if _sleep(clock, seconds, stop) \
                else abort or Waited()
        while True:
            stopping = isinstance(outcome, Abort) and outcome.interrupted
            if stopping and recorder is not None:
                recorder.flush()  # the state the stop found, before the machine ends it
            deciding = True
            action = machine.decide(state, outcome)
            for execution in state.executions:
                history.append(execution)
            state.executions.clear()
            deciding = False
            if recorder is not None:
                if stopping:
                    recorder.interrupted(state)  # the checkpoint before the stop stands
                else:
                    record_action(recorder, action, machine, state)
            for event in state.take_events():
                if observer is not None:
                    observer(event)
            if isinstance(action, Finish):
                result = action.result
                result.steps = recorder.steps() if recorder is not None else \
                    history  # type: ignore[assignment]
                result.run_id = recorder.id if recorder is not None else None
                return result
            if stop is not None and stop.stopped:  # a response that came is recorded first
                outcome = interrupted_outcome(stop, in_flight=False)
                continue
            if isinstance(action, Wait):
                seconds, abort = deadline.wait(action.seconds, clock.monotonic())
                if _sleep(clock, seconds, stop):
                    outcome = interrupted_outcome(stop, in_flight=False)
                else:
                    outcome = abort or Waited()
            elif isinstance(action, SendRequest):
                outcome = deadline.send(action.request, clock.monotonic()) \
                    or _send(transport, action.request, stop)
    except BaseException as exc:
        if recorder is not None and not state.finished:
            rescue_record(recorder, state, deciding=deciding,
                          interrupted=isinstance(exc, (KeyboardInterrupt, SystemExit)))
        raise


def record_action(recorder: RunRecorder, action: Action, machine: Machine,
                  state: RunState) -> None:
    """The checkpoint before ``action``: committed at once for a request that must not be
    sent twice and for the finish; grouped (``RunRecorder.record``) for a repeatable request
    and for a wait, which is committed when it is long enough to matter."""
    if isinstance(action, SendRequest):
        recorder.record(state, partial(action_record, action, machine, state),
                        repeatable=repeatable_request(action, machine, state))
    elif isinstance(action, Wait):
        record = action_record(action, machine, state)  # its end time: now plus the wait
        recorder.record(state, lambda: record, repeatable=True, wait=action.seconds)
    else:
        recorder.checkpoint(state, action_record(action, machine, state))


def repeatable_request(action: SendRequest, machine: Machine, state: RunState) -> bool:
    """Sending this request twice is harmless by the in-doubt rule (``_in_doubt``): its
    method is idempotent, or its step is marked ``x-arazzo-safe-to-repeat``."""
    if action.request.method.upper() in IDEMPOTENT_METHODS:
        return True
    pending, frame = state.pending, state.frames[-1]
    if pending is None:
        return False
    step = machine.program.steps(frame.document, frame.workflow_id)[pending["position"]]
    return marked_safe_to_repeat(step)


def rescue_record(recorder: RunRecorder, state: RunState, *, deciding: bool,
                  interrupted: bool) -> None:
    """The run store after an exception left a run unfinished. Outside the machine's
    decision the state is whole: a deferred checkpoint is written. Inside it, the state is
    half-changed: with a deferred checkpoint the last commit stands (as after a crash), else
    the step executions it finished are kept. ``interrupted`` (KeyboardInterrupt,
    SystemExit) then marks the run interrupted; another exception leaves the marking to the
    process's end, and a failing store does not hide it."""
    def save() -> None:
        if not deciding:
            recorder.flush()
        elif recorder.deferred:
            recorder.discard()
            state.executions.clear()
        if interrupted:
            for execution in state.executions:
                recorder.append(execution)
            state.executions.clear()
            recorder.interrupted(state)

    if interrupted:
        save()
    else:
        with contextlib.suppress(Exception):
            save()


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
        return interrupted_outcome(stop, in_flight=True)


def interrupted_outcome(stop: StopSignal | None, *, in_flight: bool) -> Abort:
    reason = (stop.reason if stop is not None else None) or "interrupted"
    return Abort(f"the run was {reason}", interrupted=True, in_flight=in_flight)


def action_record(action: Action, machine: Machine, state: RunState) -> dict[str, Any]:
    """The action under way, as the store keeps it (for ``runs show`` and resume)."""
    if isinstance(action, SendRequest):
        return {"kind": "send", "stepId": action.step_id, "method": action.request.method,
                "url": machine.masker(state).url(action.request.url)}
    if isinstance(action, Wait):
        return {"kind": "wait", "seconds": action.seconds, "reason": action.reason,
                "until": time.time() + action.seconds}
    return {"kind": "finish"}

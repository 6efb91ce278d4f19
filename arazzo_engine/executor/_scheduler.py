"""Many runs in one process: a timer heap holds the waits, a bounded pool of workers drives
the runs that have something to do.

A run spends most of its life waiting (polling manners, ``retryAfter``, ``Retry-After``); a
thread per run would hold a stack and a connection pool each for that. Because the executor's
core is a pure machine (``decide(state, outcome) -> SendRequest | Wait | Finish``), a run can
instead be a ``RunState`` and an entry in a heap. A worker takes a run that is due, asks its
machine for the next action and performs it: it sends a request itself and decides again with
the answer, until the run waits (back on the heap) or ends. The scheduler's own thread only
moves due runs from the heap to the workers and handles stops. A thousand waiting runs cost a
thousand states, not a thousand threads.

Why the worker that got the answer decides (not one deciding thread): all the client's Python
runs under one interpreter lock, and a hand-off costs thread wake-ups and lock convoys on every
exchange. A deciding thread that hands each request to a worker and takes each answer back
pays that three times an exchange and becomes the one queue every run waits in; measured with
1,000 runs, the hand-offs cost more than the deciding (docs/benchmarks.md). A run is only ever
in one worker's hands at a time, so its state needs no lock of its own.

Each worker owns its own ``requests`` sessions (a ``Session`` is not meant to be shared between
threads), one per distinct set of transport options; cookies stay per run, as they do for a run
driven alone, because each run brings its own cookie jar to whichever worker sends its request.
Deadlines apply exactly as in ``drive`` (``_deadline.Deadline``). Observers are called on the
worker that drives the run (one run's events in order, never two at once for one run).

As in ``drive``, step executions leave the run state as they finish: into the run store when
``RunOptions.state`` asks for one (each action checkpointed before it is performed, repeatable
ones grouped as ``drive`` groups them; the store serialises its writers), else into one
temporary file that every run of the scheduler shares; ``result.steps`` reads them back, so a
run's memory does not grow with its polls. A ``StopSignal`` (for every run, or given to one
run) ends waits at once; a request in flight cannot be cut off, so the scheduler's thread ends
that run "interrupted" at once with the request recorded as in flight (in doubt), and the
worker drops its late answer.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from requests.cookies import RequestsCookieJar

from arazzo_engine.errors import ValidationFailed
from arazzo_engine.executor._clock import Clock, SystemClock
from arazzo_engine.executor._deadline import Deadline
from arazzo_engine.executor._history import History, SpillFile, SpillHistory
from arazzo_engine.executor._http import (
    HttpRequest,
    HttpResponse,
    RequestsTransport,
    Transport,
    TransportFailure,
)
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
from arazzo_engine.executor._options import RunOptions
from arazzo_engine.executor._program import Program
from arazzo_engine.executor._results import RunResult
from arazzo_engine.executor._run import (
    begin_record,
    interrupted_outcome,
    open_store,
    record_action,
    rescue_record,
)
from arazzo_engine.executor._state import RunEvent, RunState
from arazzo_engine.executor._stop import StopSignal

if TYPE_CHECKING:
    from arazzo_engine._api import ArazzoDocument
    from arazzo_engine.store import RunRecorder, RunStore

__all__ = ["DEFAULT_MAX_CONNECTIONS", "RunHandle", "Scheduler", "run_many"]

#: HTTP workers (and so requests in flight at once) when the caller does not say.
DEFAULT_MAX_CONNECTIONS = 16

Observer = Callable[[RunEvent], None]
#: Makes the transport one HTTP worker uses for runs with these options.
TransportFactory = Callable[[RunOptions], Transport]


@dataclass(eq=False)
class RunHandle:
    """One submitted run: its state while it runs, its result once it has finished."""

    number: int
    machine: Machine
    state: RunState
    observer: Observer | None
    #: Where its step executions go as they finish (``result.steps`` once it has finished).
    history: History = field(repr=False)
    #: Its record in the run store, when ``RunOptions.state`` asks for one.
    recorder: RunRecorder | None = field(default=None, repr=False)
    #: Stops this run alone (the scheduler's own signal stops every run).
    stop: StopSignal | None = field(default=None, repr=False)
    #: Set at the run's first decision: its --deadline counts from when it starts to run.
    deadline: Deadline | None = None
    cookies: RequestsCookieJar = field(default_factory=RequestsCookieJar, repr=False)
    result: RunResult | None = None
    error: BaseException | None = None
    #: The request being sent (a token), None when none is; the scheduler's lock guards it.
    _exchange: int | None = field(default=None, repr=False)
    #: A worker is inside this run's machine (its state is half-changed until it returns).
    _deciding: bool = field(default=False, repr=False)

    @property
    def done(self) -> bool:
        return self.result is not None or self.error is not None

    @property
    def workflow_id(self) -> str:
        return self.state.workflow_id

    @property
    def run_id(self) -> str | None:
        """Its id in the run store (``arazzo runs show``, ``arazzo resume``), if recorded."""
        return self.recorder.id if self.recorder is not None else None


#: Put on the wake-up queue by a stop signal's listener.
_STOP_NOTICE: Any = object()
#: Put on the wake-up queue by a worker: a new earliest timer, or every worker idle.
_LOOK: Any = object()
#: A worker's transports, one per set of transport options.
_Transports = dict[tuple[Any, ...], Transport]


class Scheduler:
    """Drives any number of runs at once, with a bounded pool of workers.

        scheduler = Scheduler(max_connections=16)
        for inputs in many_inputs:
            scheduler.submit(document, inputs=inputs, options=options)
        results = scheduler.run()          # in submission order

    ``submit`` checks a run's workflow and inputs at once (``ExecutionError``, ``InputError``,
    ``ValidationFailed`` for an invalid document, as ``ArazzoDocument.run`` does); ``run``
    drives every submitted run to its end. ``max_connections`` bounds the workers, so the
    requests in flight at once. ``transport`` replaces the ``requests``-based transport
    (tests, custom clients): it is called once per worker and set of options, and each
    transport it returns is used by that worker alone. ``clock`` is the time source and
    sleeper, as for ``run_workflow``. ``stop`` (a ``StopSignal``) stops every run: each ends
    ``"interrupted"`` at once, as a run driven alone does; ``submit(..., stop=)`` stops one.

    A run whose machine raises (a bug, or a custom transport that raised) stops alone: its
    handle keeps the exception, the other runs carry on, and ``run`` raises the first such
    exception once they have all finished.
    """

    def __init__(self, *, max_connections: int = DEFAULT_MAX_CONNECTIONS,
                 transport: TransportFactory | None = None, clock: Clock | None = None,
                 stop: StopSignal | None = None) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self.max_connections = max_connections
        self.clock = clock or SystemClock()
        self.stop = stop
        self._transport_factory = transport or _requests_transport
        self._handles: list[RunHandle] = []
        #: Guards everything the workers and the scheduler's thread share: the heap, the
        #: work queue, the counts, each run's exchange token and deciding flag.
        self._lock = threading.Lock()
        self._work_waiting = threading.Condition(self._lock)
        self._work: deque[tuple[RunHandle, Outcome]] = deque()
        self._timers: list[tuple[float, int, RunHandle, Outcome]] = []
        #: Wakes the scheduler's thread; a SimpleQueue because a signal handler may put.
        self._wakeups: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._sequence = itertools.count()
        self._unfinished = 0
        self._busy = 0
        self._closing = False
        #: The scheduler's thread stopped by an exception: workers leave their runs as
        #: they stand.
        self._halted = False
        self._machines: dict[tuple[int, int], Machine] = {}
        self._keep: list[Any] = []  # programs and options keyed by id() stay alive
        self._transports: list[Transport] = []
        self._spill: SpillFile | None = None
        self._stores: dict[Any, RunStore] = {}
        self._stopped_any = False
        self._running = False
        self._listening: list[StopSignal] = []
        self._submitting = threading.Lock()

    @property
    def handles(self) -> list[RunHandle]:
        """Every run submitted, in submission order."""
        with self._lock:
            return list(self._handles)

    # submitting ----------------------------------------------------------------------------

    def submit(self, document: ArazzoDocument | Program, workflow_id: str | None = None,
               inputs: Mapping[str, Any] | None = None, *, options: RunOptions | None = None,
               observer: Observer | None = None, validate: bool = True,
               stop: StopSignal | None = None) -> RunHandle:
        """Adds a run; it starts when ``run`` is called (or at once, if it is running).

        With ``options.state``, the run is recorded in the run store as it starts (an
        ``observer`` gets the "recorded" event with its id, as from ``run_workflow``).
        """
        with self._submitting:  # an observer on a worker may submit while others do
            return self._submit(document, workflow_id, inputs, options, observer, validate,
                                stop)

    def _submit(self, document: ArazzoDocument | Program, workflow_id: str | None,
                inputs: Mapping[str, Any] | None, options: RunOptions | None,
                observer: Observer | None, validate: bool,
                stop: StopSignal | None) -> RunHandle:
        program = document if isinstance(document, Program) else _program_of(document, validate)
        options = options or RunOptions()
        machine = self._machine(program, options)
        state = machine.start(workflow_id, inputs)
        recorder = None
        if options.state is not None and options.state is not False:
            recorder = begin_record(program, machine, state, options, self._store(options))
        history: History
        if recorder is not None:
            history = recorder
        else:
            if self._spill is None:
                self._spill = SpillFile()
            history = SpillHistory(self._spill)
        handle = RunHandle(len(self._handles), machine, state, observer, history,
                           recorder=recorder, stop=stop)
        if recorder is not None and observer is not None:
            observer(RunEvent("recorded", {"runId": recorder.id,
                                           "store": str(recorder.store.path)}))
        if stop is not None and self._running:
            self._listen(stop)
        with self._lock:  # submits are serialised: its number is still its place
            self._handles.append(handle)
            self._unfinished += 1
            self._work.append((handle, None))
            self._work_waiting.notify()
        return handle

    def _machine(self, program: Program, options: RunOptions) -> Machine:
        """One machine per document and options: it keeps nothing of a run, and its compiled
        expressions then serve every run that shares them."""
        key = (id(program), id(options))
        machine = self._machines.get(key)
        if machine is None:
            machine = self._machines[key] = Machine(program, options)
            self._keep.append((program, options))
        return machine

    def _store(self, options: RunOptions) -> RunStore:
        """One open store per file for all the runs recorded in it."""
        store = self._stores.get(options.state)
        if store is None:
            store = self._stores[options.state] = open_store(options)
        return store

    def _listen(self, stop: StopSignal) -> None:
        if all(stop is not known for known in self._listening):
            self._listening.append(stop)
            stop.add_listener(self._notice_stop)

    def _notice_stop(self) -> None:
        """A stop signal's listener: may run in a signal handler, so it only puts."""
        self._wakeups.put(_STOP_NOTICE)

    # the scheduler's thread ----------------------------------------------------------------

    def run(self) -> list[RunResult]:
        """Drives every submitted run to its end; their results, in submission order."""
        self._running = True
        for stop in [self.stop, *(handle.stop for handle in self.handles)]:
            if stop is not None:
                self._listen(stop)
        with self._lock:
            self._closing = self._halted = False
        workers = [threading.Thread(target=self._work_loop, name=f"arazzo-http-{n}",
                                    daemon=True) for n in range(self.max_connections)]
        for worker in workers:
            worker.start()
        try:
            self._loop()
        except BaseException:
            self._halt()
            raise
        finally:
            self._running = False
            for stop in self._listening:
                stop.remove_listener(self._notice_stop)
            self._listening = []
            with self._lock:
                self._closing = True
                self._work_waiting.notify_all()
            # After a stop, a worker may still wait on a request whose run has ended: do not
            # wait for it (its answer is dropped; the request's own timeout bounds it).
            if not self._stopped_any:
                for worker in workers:
                    worker.join()
            self._close_transports()
        for handle in self._handles:
            if handle.error is not None:
                raise handle.error
        return [handle.result for handle in self._handles if handle.result is not None]

    def _loop(self) -> None:
        """Moves due runs to the workers until every run has ended; handles stops."""
        real_clock = isinstance(self.clock, SystemClock)
        stop_noticed = False
        transports: _Transports = {}
        while True:
            if stop_noticed:
                stop_noticed = False
                self._cut_short(transports)
            with self._lock:
                self._move_due_timers()
                if self._unfinished == 0:
                    return
                idle = self._busy == 0 and not self._work
                timeout = self._until_next_timer()
            if not real_clock and idle:
                if timeout is None:
                    raise RuntimeError("the scheduler has unfinished runs and nothing to do")
                self.clock.sleep(timeout)
                continue
            # On the real clock a wait is a blocking read of the wake-ups, so a worker's news
            # or a stop wakes it at once; a test clock's wait must go through the clock.
            try:
                item = self._wakeups.get(timeout=timeout)
            except queue.Empty:
                continue
            while True:
                if item is _STOP_NOTICE:
                    stop_noticed = self._stopped_any = True
                try:
                    item = self._wakeups.get_nowait()
                except queue.Empty:
                    break

    def _move_due_timers(self) -> None:
        """With the lock held: runs whose wait is over go to the workers."""
        timers = self._timers
        if not timers:
            return
        now = self.clock.monotonic()
        moved = 0
        while timers and timers[0][0] <= now:
            _, _, handle, outcome = heapq.heappop(timers)
            self._work.append((handle, outcome))
            moved += 1
        if moved:
            self._work_waiting.notify(moved)

    def _until_next_timer(self) -> float | None:
        if not self._timers:
            return None
        return max(self._timers[0][0] - self.clock.monotonic(), 0.0)

    def _cut_short(self, transports: _Transports) -> None:
        """After a stop: each stopped run that waits, waits for a worker or waits for an
        answer ends now, on this thread (every worker may be held by a slow server)."""
        ending: list[tuple[RunHandle, Outcome]] = []
        with self._lock:
            timers = []
            for entry in self._timers:
                stop = self._stop_of(entry[2])
                if stop is None:
                    timers.append(entry)
                else:
                    ending.append((entry[2], interrupted_outcome(stop, in_flight=False)))
            if len(timers) != len(self._timers):
                heapq.heapify(timers)
                self._timers = timers
            work: deque[tuple[RunHandle, Outcome]] = deque()
            for handle, outcome in self._work:
                stop = self._stop_of(handle)
                if stop is None:
                    work.append((handle, outcome))
                else:  # as in drive: a response that came is recorded first
                    ending.append((handle, outcome))
            self._work = work
            for handle in self._handles:
                stop = self._stop_of(handle)
                if stop is not None and handle._exchange is not None:
                    handle._exchange = None  # its worker drops the answer
                    ending.append((handle, interrupted_outcome(stop, in_flight=True)))
            self._busy += len(ending)
        for handle, outcome in ending:
            self._drive(handle, outcome, transports)

    def _halt(self) -> None:
        """The scheduler's thread stops by an exception (KeyboardInterrupt): every recorded
        run whose state is whole gets its deferred checkpoint; a run a worker is deciding
        gets it from that worker once the decision is made."""
        with self._lock:
            self._halted = True
            whole = [handle for handle in self._handles
                     if not handle._deciding and not handle.done]
        for handle in whole:
            recorder = handle.recorder
            if recorder is not None and not handle.state.finished:
                with contextlib.suppress(Exception):
                    recorder.flush()

    # the workers ---------------------------------------------------------------------------

    def _work_loop(self) -> None:
        """One worker: takes due runs and drives each until it waits or ends."""
        transports: _Transports = {}
        lock = self._lock
        while True:
            with lock:
                while not self._work and not self._closing:
                    self._work_waiting.wait()
                if self._closing or self._halted:
                    return
                handle, outcome = self._work.popleft()
                self._busy += 1
            try:
                self._drive(handle, outcome, transports)
            except Exception as exc:  # a bug around the machine: this run stops, not the worker
                if not handle.done:
                    handle.error = exc
                    self._ended(handle)

    def _drive(self, handle: RunHandle, outcome: Outcome, transports: _Transports) -> None:
        """Decides for one run and performs what it asks, until it waits or ends."""
        lock = self._lock
        wake = False
        try:
            while True:
                action = self._decide(handle, outcome)
                if action is None:
                    return
                now = self.clock.monotonic()
                assert handle.deadline is not None
                if isinstance(action, Wait):
                    seconds, abort = handle.deadline.wait(action.seconds, now)
                    with lock:
                        stop = self._stop_of(handle)
                        if stop is None and not self._halted:
                            entry = (now + seconds, next(self._sequence), handle,
                                     abort or Waited())
                            heapq.heappush(self._timers, entry)
                            wake = self._timers[0] is entry
                            return
                        halted = self._halted
                    if stop is None and halted:
                        return  # _halt wrote its checkpoint
                    outcome = interrupted_outcome(stop, in_flight=False)
                    continue
                if not isinstance(action, SendRequest):  # a Finish ended in _decide
                    raise TypeError(f"the machine asked for {action!r}")
                abort = handle.deadline.send(action.request, now)
                if abort is not None:
                    outcome = abort
                    continue
                with lock:
                    stop = self._stop_of(handle)
                    halted = self._halted
                    if stop is None and not halted:
                        token = handle._exchange = next(self._sequence)
                if stop is not None:  # as in drive: a response that came is recorded first
                    outcome = interrupted_outcome(stop, in_flight=False)
                    continue
                if halted:
                    return  # _halt wrote its checkpoint
                try:
                    answer = self._send(handle, action.request, transports)
                except BaseException as exc:  # a broken custom transport stops its run
                    with lock:
                        mine = handle._exchange == token
                        handle._exchange = None
                    if mine:
                        handle.error = exc
                        self._ended(handle)
                    return
                with lock:
                    if handle._exchange != token or self._halted:
                        # Stopped while it was sent (the scheduler's thread ended the run),
                        # or halted (the state as it was before the request stands).
                        return
                    handle._exchange = None
                outcome = answer
        finally:
            with lock:
                self._busy -= 1
                wake = wake or (self._busy == 0 and not self._work)
            if wake:
                self._wakeups.put(_LOOK)

    def _decide(self, handle: RunHandle, outcome: Outcome) -> Action | None:
        """One decision of one run, recorded; None when the run has ended."""
        if handle.deadline is None:
            handle.deadline = Deadline(handle.machine.options.deadline, self.clock.monotonic())
        stopping = isinstance(outcome, Abort) and outcome.interrupted
        decided = False
        try:
            if stopping and handle.recorder is not None:
                handle.recorder.flush()  # the state the stop found, as in drive
            with self._lock:
                if self._halted:
                    return None
                handle._deciding = True
            try:
                action = handle.machine.decide(handle.state, outcome)
            except Exception:
                with self._lock:
                    handle._deciding = False
                raise
            # A BaseException (KeyboardInterrupt on the scheduler's thread) leaves the flag
            # set: the half-changed state is not checkpointed.
            with self._lock:
                handle._deciding = False
                halted = self._halted
            decided = True
            self._record(handle, action, outcome)
            if halted:  # halted while it decided: _halt left this run to us
                if handle.recorder is not None:
                    handle.recorder.flush()
                return None
            events = handle.state.take_events()
            if handle.observer is not None:
                for event in events:
                    handle.observer(event)
        except Exception as exc:  # this run stops; the others carry on
            handle.error = exc
            if handle.recorder is not None and not handle.state.finished:
                rescue_record(handle.recorder, handle.state, deciding=not decided,
                              interrupted=False)
            self._ended(handle)
            return None
        if isinstance(action, Finish):
            result = action.result
            result.steps = handle.history  # type: ignore[assignment]
            if handle.recorder is not None:
                result.steps = handle.recorder.steps()
                result.run_id = handle.recorder.id
            handle.result = result
            self._ended(handle)
            return None
        return action

    def _ended(self, handle: RunHandle) -> None:
        with self._lock:
            self._unfinished -= 1
            last = self._unfinished == 0
        if last:  # a worker may still hold a dropped request: wake the loop to end
            self._wakeups.put(_LOOK)

    def _record(self, handle: RunHandle, action: Action, outcome: Outcome) -> None:
        """The step executions that finished leave the state, as in ``drive``; the action is
        checkpointed (or grouped) as ``drive`` does it."""
        executions = handle.state.executions
        for execution in executions:
            handle.history.append(execution)
        executions.clear()
        recorder = handle.recorder
        if recorder is not None:
            if isinstance(outcome, Abort) and outcome.interrupted:
                recorder.interrupted(handle.state)  # the checkpoint before the stop stands
            else:
                record_action(recorder, action, handle.machine, handle.state)

    def _stop_of(self, handle: RunHandle) -> StopSignal | None:
        """The signal that stops this run, if one has."""
        if handle.stop is not None and handle.stop.stopped:
            return handle.stop
        if self.stop is not None and self.stop.stopped:
            return self.stop
        return None

    def _send(self, handle: RunHandle, request: HttpRequest,
              transports: _Transports) -> HttpResponse | TransportFailure:
        options = handle.machine.options
        key = (options.follow_redirects, options.verify, options.trust_env,
               self._transport_factory)
        transport = transports.get(key)
        if transport is None:
            transport = transports[key] = self._transport_factory(options)
            with self._lock:
                self._transports.append(transport)
        session = getattr(transport, "session", None)
        if session is not None:
            session.cookies = handle.cookies  # this run's cookies, on this worker's pool
        return transport.send(request)

    def _close_transports(self) -> None:
        with self._lock:
            transports, self._transports = self._transports, []
        for transport in transports:
            transport.close()


def _requests_transport(options: RunOptions) -> Transport:
    return RequestsTransport.for_options(options)


def _program_of(document: ArazzoDocument, validate: bool) -> Program:
    if validate:
        report = document.validate()
        if not report.ok:
            raise ValidationFailed(list(report.diagnostics))
    return document.program


def run_many(document: ArazzoDocument | Program, inputs: Iterable[Mapping[str, Any]],
             workflow_id: str | None = None, *, options: RunOptions | None = None,
             max_connections: int = DEFAULT_MAX_CONNECTIONS,
             validate: bool = True, stop: StopSignal | None = None) -> list[RunResult]:
    """Runs one workflow once per inputs mapping, all at once; results in the same order.

    ``stop`` ends every run at once, ``"interrupted"`` (see ``Scheduler``)."""
    scheduler = Scheduler(max_connections=max_connections, stop=stop)
    for values in inputs:
        scheduler.submit(document, workflow_id, values, options=options, validate=validate)
    return scheduler.run()

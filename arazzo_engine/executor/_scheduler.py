"""Many runs in one process: one thread decides, a timer heap holds the waits, a bounded pool
sends the requests.

A run spends most of its life waiting (polling manners, ``retryAfter``, ``Retry-After``); a
thread per run would hold a stack and a connection pool each for that. Because the executor's
core is a pure machine (``decide(state, outcome) -> SendRequest | Wait | Finish``), a run can
instead be a ``RunState`` and an entry in a heap: the scheduler's thread asks each run's machine
for its next action, files waits by their due time, and hands requests to a small pool of HTTP
workers whose answers come back through one queue. A thousand waiting runs cost a thousand
states, not a thousand threads.

Each HTTP worker owns its own ``requests`` sessions (a ``Session`` is not meant to be shared
between threads), one per distinct set of transport options; cookies stay per run, as they do
for a run driven alone, because each run brings its own cookie jar to whichever worker sends
its request. Deadlines apply exactly as in ``drive`` (``_deadline.Deadline``).

As in ``drive``, step executions leave the run state as they finish: into the run store when
``RunOptions.state`` asks for one (each action checkpointed before it is performed, repeatable
ones grouped as ``drive`` groups them), else into
one temporary file that every run of the scheduler shares; ``result.steps`` reads them back, so
a run's memory does not grow with its polls. A ``StopSignal`` (for every run, or given to one
run) ends waits at once; a request in flight on an HTTP worker cannot be cut off, so the run is
ended "interrupted" at once with that request recorded as in flight (in doubt), and its late
answer is dropped.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
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
    #: The exchange under way (a token), None when no request of this run is pending.
    _exchange: int | None = field(default=None, repr=False)
    #: True once an HTTP worker has begun to send that request.
    _sending: bool = field(default=False, repr=False)

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


#: What the answer queue carries: a run, the exchange it answers, the answer, or an exception.
_Answer = tuple[RunHandle, int, Outcome, BaseException | None]
#: Put on the answer queue by a stop signal's listener: wakes the loop to look at its runs.
_STOP_NOTICE: Any = object()


class Scheduler:
    """Drives any number of runs at once from one thread.

        scheduler = Scheduler(max_connections=16)
        for inputs in many_inputs:
            scheduler.submit(document, inputs=inputs, options=options)
        results = scheduler.run()          # in submission order

    ``submit`` checks a run's workflow and inputs at once (``ExecutionError``, ``InputError``,
    ``ValidationFailed`` for an invalid document, as ``ArazzoDocument.run`` does); ``run``
    drives every submitted run to its end. ``max_connections`` bounds the HTTP workers, so
    the requests in flight at once. ``transport`` replaces the ``requests``-based transport
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
        self._ready: deque[tuple[RunHandle, Outcome]] = deque()
        self._timers: list[tuple[float, int, RunHandle, Outcome]] = []
        self._answers: queue.SimpleQueue[_Answer] = queue.SimpleQueue()
        self._sequence = itertools.count()
        self._in_flight = 0
        self._machines: dict[tuple[int, int], Machine] = {}
        self._keep: list[Any] = []  # programs and options keyed by id() stay alive
        self._local = threading.local()
        self._transports: list[Transport] = []
        self._transports_lock = threading.Lock()
        self._exchange_lock = threading.Lock()
        self._spill: SpillFile | None = None
        self._stores: dict[Any, RunStore] = {}
        self._stop_noticed = False
        self._stopped_any = False
        self._running = False
        #: The run whose machine is deciding (its state is half-changed until it returns).
        self._deciding: RunHandle | None = None
        self._listening: list[StopSignal] = []

    @property
    def handles(self) -> list[RunHandle]:
        """Every run submitted, in submission order."""
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
        self._handles.append(handle)
        self._ready.append((handle, None))
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
        self._answers.put(_STOP_NOTICE)

    # driving -------------------------------------------------------------------------------

    def run(self) -> list[RunResult]:
        """Drives every submitted run to its end; their results, in submission order."""
        pool = ThreadPoolExecutor(max_workers=self.max_connections,
                                  thread_name_prefix="arazzo-http")
        self._running = True
        for stop in [self.stop, *(handle.stop for handle in self._handles)]:
            if stop is not None:
                self._listen(stop)
        try:
            self._loop(pool)
        except BaseException:
            self._save_deferred()
            self._deciding = None
            raise
        finally:
            self._running = False
            for stop in self._listening:
                stop.remove_listener(self._notice_stop)
            self._listening = []
            # After a stop, a worker may still wait on a request whose run has ended: do not
            # wait for it (its answer is dropped; the request's own timeout bounds it).
            pool.shutdown(wait=not self._stopped_any, cancel_futures=True)
            self._close_transports()
        for handle in self._handles:
            if handle.error is not None:
                raise handle.error
        return [handle.result for handle in self._handles if handle.result is not None]

    def _loop(self, pool: ThreadPoolExecutor) -> None:
        real_clock = isinstance(self.clock, SystemClock)
        while self._ready or self._timers or self._in_flight:
            if self._stop_noticed:
                self._cut_short()
            while self._ready:
                handle, outcome = self._ready.popleft()
                self._step(handle, outcome, pool)
            self._collect_answers(block=False)
            if self._ready or self._stop_noticed:
                continue
            self._due_timers()
            if self._ready:
                continue
            if self._in_flight or (real_clock and self._timers):
                # On the real clock a wait is a blocking read of the answers, so an answer
                # or a stop wakes it at once; a test clock's wait must go through the clock.
                self._collect_answers(block=True, timeout=self._until_next_timer())
            elif self._timers:
                self.clock.sleep(max(self._until_next_timer() or 0.0, 0.0))

    def _step(self, handle: RunHandle, outcome: Outcome, pool: ThreadPoolExecutor) -> None:
        """One decision of one run, and the action it asks for set in motion."""
        if handle.deadline is None:
            handle.deadline = Deadline(handle.machine.options.deadline, self.clock.monotonic())
        stopping = isinstance(outcome, Abort) and outcome.interrupted
        decided = False
        try:
            if stopping and handle.recorder is not None:
                handle.recorder.flush()  # the state the stop found, as in drive
            self._deciding = handle
            action = handle.machine.decide(handle.state, outcome)
            self._deciding = None
            decided = True
            self._record(handle, action, outcome)
            events = handle.state.take_events()
            if handle.observer is not None:
                for event in events:
                    handle.observer(event)
        except Exception as exc:  # this run stops; the others carry on
            self._deciding = None
            handle.error = exc
            if handle.recorder is not None and not handle.state.finished:
                rescue_record(handle.recorder, handle.state, deciding=not decided,
                              interrupted=False)
            return
        if isinstance(action, Finish):
            result = action.result
            result.steps = handle.history  # type: ignore[assignment]
            if handle.recorder is not None:
                result.steps = handle.recorder.steps()
                result.run_id = handle.recorder.id
            handle.result = result
            return
        stop = self._stop_of(handle)
        if stop is not None:  # as in drive: a response that came is recorded first
            self._ready.append((handle, interrupted_outcome(stop, in_flight=False)))
            return
        now = self.clock.monotonic()
        if isinstance(action, Wait):
            seconds, abort = handle.deadline.wait(action.seconds, now)
            heapq.heappush(self._timers, (now + seconds, next(self._sequence), handle,
                                          abort or Waited()))
        elif isinstance(action, SendRequest):
            abort = handle.deadline.send(action.request, now)
            if abort is not None:
                self._ready.append((handle, abort))
                return
            self._in_flight += 1
            token = handle._exchange = next(self._sequence)
            pool.submit(self._exchange, handle, token, action.request)

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

    def _save_deferred(self) -> None:
        """The loop ends by an exception (KeyboardInterrupt in this thread): each recorded run
        whose state is whole (not the one being decided) gets its deferred checkpoint."""
        for handle in self._handles:
            recorder = handle.recorder
            if recorder is None or handle.state.finished or handle is self._deciding:
                continue
            with contextlib.suppress(Exception):
                recorder.flush()

    def _stop_of(self, handle: RunHandle) -> StopSignal | None:
        """The signal that stops this run, if one has."""
        if handle.stop is not None and handle.stop.stopped:
            return handle.stop
        if self.stop is not None and self.stop.stopped:
            return self.stop
        return None

    def _cut_short(self) -> None:
        """After a stop: each stopped run that waits, or waits for an answer, ends now."""
        self._stop_noticed = False
        timers = []
        for entry in self._timers:
            handle = entry[2]
            stop = self._stop_of(handle)
            if stop is None:
                timers.append(entry)
            else:
                self._ready.append((handle, interrupted_outcome(stop, in_flight=False)))
        if len(timers) != len(self._timers):
            heapq.heapify(timers)
            self._timers = timers
        for handle in self._handles:
            stop = self._stop_of(handle)
            if stop is None or handle._exchange is None:
                continue
            with self._exchange_lock:  # the worker may be about to send it
                sent = handle._sending
                handle._exchange, handle._sending = None, False
            self._in_flight -= 1
            self._stopped_any = True
            self._ready.append((handle, interrupted_outcome(stop, in_flight=sent)))

    def _exchange(self, handle: RunHandle, token: int, request: HttpRequest) -> None:
        """On an HTTP worker: one request of one run, its answer back through the queue."""
        with self._exchange_lock:
            if handle._exchange != token:  # the run was stopped before this was sent
                return
            handle._sending = True
        try:
            transport = self._worker_transport(handle.machine.options)
            session = getattr(transport, "session", None)
            if session is not None:
                session.cookies = handle.cookies  # this run's cookies, on this worker's pool
            answer: HttpResponse | TransportFailure = transport.send(request)
        except BaseException as exc:  # a broken custom transport stops its run, not the pool
            self._answers.put((handle, token, None, exc))
            return
        self._answers.put((handle, token, answer, None))

    def _collect_answers(self, *, block: bool, timeout: float | None = None) -> None:
        try:
            item = self._answers.get(block=block, timeout=timeout if block else None)
        except queue.Empty:
            return
        while True:
            if item is _STOP_NOTICE:
                self._stop_noticed = self._stopped_any = True
            else:
                handle, token, answer, error = item
                if token == handle._exchange:  # else: the run was stopped; a late answer
                    handle._exchange, handle._sending = None, False
                    self._in_flight -= 1
                    if error is not None:
                        handle.error = error
                    else:
                        self._ready.append((handle, answer))
            try:
                item = self._answers.get_nowait()
            except queue.Empty:
                return

    def _due_timers(self) -> None:
        now = self.clock.monotonic()
        while self._timers and self._timers[0][0] <= now:
            _, _, handle, outcome = heapq.heappop(self._timers)
            self._ready.append((handle, outcome))

    def _until_next_timer(self) -> float | None:
        if not self._timers:
            return None
        return max(self._timers[0][0] - self.clock.monotonic(), 0.0)

    # transports ------------------------------------------------------------------------------

    def _worker_transport(self, options: RunOptions) -> Transport:
        """This worker's transport for these options, made on first use."""
        cache: dict[tuple[Any, ...], Transport] | None = getattr(self._local, "transports", None)
        if cache is None:
            cache = self._local.transports = {}
        key = (options.follow_redirects, options.verify, options.trust_env,
               self._transport_factory)
        transport = cache.get(key)
        if transport is None:
            transport = cache[key] = self._transport_factory(options)
            with self._transports_lock:
                self._transports.append(transport)
        return transport

    def _close_transports(self) -> None:
        with self._transports_lock:
            transports, self._transports = self._transports, []
        for transport in transports:
            transport.close()
        self._local = threading.local()


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

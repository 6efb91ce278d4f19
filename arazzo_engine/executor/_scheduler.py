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
"""

from __future__ import annotations

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
from arazzo_engine.executor._http import (
    HttpRequest,
    HttpResponse,
    RequestsTransport,
    Transport,
    TransportFailure,
)
from arazzo_engine.executor._machine import Finish, Machine, Outcome, SendRequest, Wait, Waited
from arazzo_engine.executor._options import RunOptions
from arazzo_engine.executor._program import Program
from arazzo_engine.executor._results import RunResult
from arazzo_engine.executor._state import RunEvent, RunState

if TYPE_CHECKING:
    from arazzo_engine._api import ArazzoDocument

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
    #: Set at the run's first decision: its --deadline counts from when it starts to run.
    deadline: Deadline | None = None
    cookies: RequestsCookieJar = field(default_factory=RequestsCookieJar, repr=False)
    result: RunResult | None = None
    error: BaseException | None = None

    @property
    def done(self) -> bool:
        return self.result is not None or self.error is not None

    @property
    def workflow_id(self) -> str:
        return self.state.workflow_id


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
    sleeper, as for ``run_workflow``.

    A run whose machine raises (a bug, or a custom transport that raised) stops alone: its
    handle keeps the exception, the other runs carry on, and ``run`` raises the first such
    exception once they have all finished.
    """

    def __init__(self, *, max_connections: int = DEFAULT_MAX_CONNECTIONS,
                 transport: TransportFactory | None = None, clock: Clock | None = None) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self.max_connections = max_connections
        self.clock = clock or SystemClock()
        self._transport_factory = transport or _requests_transport
        self._handles: list[RunHandle] = []
        self._ready: deque[tuple[RunHandle, Outcome]] = deque()
        self._timers: list[tuple[float, int, RunHandle, Outcome]] = []
        self._answers: queue.SimpleQueue[tuple[RunHandle, Outcome, BaseException | None]] = (
            queue.SimpleQueue())
        self._sequence = itertools.count()
        self._in_flight = 0
        self._machines: dict[tuple[int, int], Machine] = {}
        self._keep: list[Any] = []  # programs and options keyed by id() stay alive
        self._local = threading.local()
        self._transports: list[Transport] = []
        self._transports_lock = threading.Lock()

    @property
    def handles(self) -> list[RunHandle]:
        """Every run submitted, in submission order."""
        return list(self._handles)

    # submitting ----------------------------------------------------------------------------

    def submit(self, document: ArazzoDocument | Program, workflow_id: str | None = None,
               inputs: Mapping[str, Any] | None = None, *, options: RunOptions | None = None,
               observer: Observer | None = None, validate: bool = True) -> RunHandle:
        """Adds a run; it starts when ``run`` is called (or at once, if it is running)."""
        program = document if isinstance(document, Program) else _program_of(document, validate)
        options = options or RunOptions()
        machine = self._machine(program, options)
        state = machine.start(workflow_id, inputs)
        handle = RunHandle(len(self._handles), machine, state, observer)
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

    # driving -------------------------------------------------------------------------------

    def run(self) -> list[RunResult]:
        """Drives every submitted run to its end; their results, in submission order."""
        with ThreadPoolExecutor(max_workers=self.max_connections,
                                thread_name_prefix="arazzo-http") as pool:
            try:
                self._loop(pool)
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
                self._close_transports()
        for handle in self._handles:
            if handle.error is not None:
                raise handle.error
        return [handle.result for handle in self._handles if handle.result is not None]

    def _loop(self, pool: ThreadPoolExecutor) -> None:
        while self._ready or self._timers or self._in_flight:
            while self._ready:
                handle, outcome = self._ready.popleft()
                self._step(handle, outcome, pool)
            self._collect_answers(block=False)
            if self._ready:
                continue
            self._due_timers()
            if self._ready:
                continue
            if self._in_flight:
                self._collect_answers(block=True, timeout=self._until_next_timer())
            elif self._timers:
                self.clock.sleep(max(self._until_next_timer() or 0.0, 0.0))

    def _step(self, handle: RunHandle, outcome: Outcome, pool: ThreadPoolExecutor) -> None:
        """One decision of one run, and the action it asks for set in motion."""
        if handle.deadline is None:
            handle.deadline = Deadline(handle.machine.options.deadline, self.clock.monotonic())
        try:
            action = handle.machine.decide(handle.state, outcome)
            events = handle.state.take_events()
            if handle.observer is not None:
                for event in events:
                    handle.observer(event)
        except Exception as exc:  # this run stops; the others carry on
            handle.error = exc
            return
        now = self.clock.monotonic()
        if isinstance(action, Finish):
            handle.result = action.result
        elif isinstance(action, Wait):
            seconds, abort = handle.deadline.wait(action.seconds, now)
            heapq.heappush(self._timers, (now + seconds, next(self._sequence), handle,
                                          abort or Waited()))
        elif isinstance(action, SendRequest):
            abort = handle.deadline.send(action.request, now)
            if abort is not None:
                self._ready.append((handle, abort))
                return
            self._in_flight += 1
            pool.submit(self._exchange, handle, action.request)

    def _exchange(self, handle: RunHandle, request: HttpRequest) -> None:
        """On an HTTP worker: one request of one run, its answer back through the queue."""
        try:
            transport = self._worker_transport(handle.machine.options)
            session = getattr(transport, "session", None)
            if session is not None:
                session.cookies = handle.cookies  # this run's cookies, on this worker's pool
            answer: HttpResponse | TransportFailure = transport.send(request)
        except BaseException as exc:  # a broken custom transport stops its run, not the pool
            self._answers.put((handle, None, exc))
            return
        self._answers.put((handle, answer, None))

    def _collect_answers(self, *, block: bool, timeout: float | None = None) -> None:
        try:
            item = self._answers.get(block=block, timeout=timeout if block else None)
        except queue.Empty:
            return
        while True:
            handle, answer, error = item
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
    return RequestsTransport(follow_redirects=options.follow_redirects, verify=options.verify,
                             trust_env=options.trust_env)


def _program_of(document: ArazzoDocument, validate: bool) -> Program:
    if validate:
        report = document.validate()
        if not report.ok:
            raise ValidationFailed(list(report.diagnostics))
    return document.program


def run_many(document: ArazzoDocument | Program, inputs: Iterable[Mapping[str, Any]],
             workflow_id: str | None = None, *, options: RunOptions | None = None,
             max_connections: int = DEFAULT_MAX_CONNECTIONS,
             validate: bool = True) -> list[RunResult]:
    """Runs one workflow once per inputs mapping, all at once; results in the same order."""
    scheduler = Scheduler(max_connections=max_connections)
    for values in inputs:
        scheduler.submit(document, workflow_id, values, options=options, validate=validate)
    return scheduler.run()

"""Many runs in one process: a timer heap holds the waits; the scheduler's own thread sends
the runs' requests and waits on all their sockets at once; a bounded pool of workers does what
would block.

A run spends most of its life waiting (polling manners, ``retryAfter``, ``Retry-After``); a
thread per run would hold a stack and a connection pool each for that. Because the executor's
core is a pure machine (``decide(state, outcome) -> SendRequest | Wait | Finish``), a run can
instead be a ``RunState`` and an entry in a heap. The scheduler's thread takes a run that is
due, asks its machine for the next action and performs it: a wait goes on the heap; a request
goes out on the thread's own connection pool (``RequestsTransport.send_steps``: the exchange
pauses once it is sent) and the thread goes on with other runs, waiting on every socket in
flight with one selector; once an answer has arrived whole (``_framing``) it is read, without
blocking, and the run is decided again. A thousand waiting runs cost a thousand states, not a
thousand threads.

Why one thread and not a worker per request in flight: all the client's Python runs under one
interpreter lock, and with two or more threads taking turns at it every exchange pays thread
wake-ups and lock hand-offs. Measured with 1,000 runs (docs/benchmarks.md), the same work cost
about a third more CPU on 2 or 16 workers than on one thread; the selector keeps one thread's
cost while many answers are awaited at once.

What would block the thread goes to a worker (at most ``max_connections`` requests are in
flight, on the thread and the workers together): making a connection (name lookup, connect,
TLS), every HTTPS exchange, a body over 64 KiB, requests' own route (proxies, auth, custom
adapters), redirects followed, an answer framed by the end of its connection, a 1xx, or one
too big to wait for on the shared thread; and every request of a custom ``transport``. The
worker reads the answer (blocking) and hands the run back: every decision is made on the
scheduler's thread when the requests transport is used (observers are called there), on the
workers for a custom transport or a test clock. A run is only ever in one thread's hands at a
time, so its state needs no lock of its own.

Cookies stay per run, as they do for a run driven alone: each run brings its own cookie jar to
whichever session sends its request, and a response's cookies go into the jar its request was
sent with. Deadlines apply exactly as in ``drive`` (``_deadline.Deadline``).

As in ``drive``, step executions leave the run state as they finish: into the run store when
``RunOptions.state`` asks for one (each action checkpointed before it is performed, repeatable
ones grouped as ``drive`` groups them; the store serialises its writers), else into one
temporary file that every run of the scheduler shares; ``result.steps`` reads them back, so a
run's memory does not grow with its polls. A ``StopSignal`` (for every run, or given to one
run) ends waits at once; a request in flight cannot be taken back, so the scheduler's thread
ends that run "interrupted" at once with the request recorded as in flight (in doubt), and its
late answer is dropped.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import queue
import selectors
import socket
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from requests.cookies import RequestsCookieJar

from arazzo_engine import _framing, _http11
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
_Steps = Generator[_http11.Pause, None, "HttpResponse | TransportFailure"]


@dataclass(frozen=True)
class _SendOnThread:
    """A request a worker sends, blocking (a connection to make, TLS, requests' own route)."""

    request: HttpRequest
    token: int


@dataclass(frozen=True)
class _FinishOnThread:
    """An exchange begun on the scheduler's thread whose answer a worker reads, blocking."""

    steps: _Steps
    token: int


_ThreadJob = _SendOnThread | _FinishOnThread


@dataclass
class _InFlight:
    """An exchange the scheduler's thread waits on: its socket, until the answer is whole."""

    steps: _Steps
    token: int
    method: str
    sock: Any
    reader: Any  # the exchange's _http11 reader: what arrives is taken into it


class Scheduler:
    """Drives any number of runs at once, with a bounded pool of workers.

        scheduler = Scheduler(max_connections=16)
        for inputs in many_inputs:
            scheduler.submit(document, inputs=inputs, options=options)
        results = scheduler.run()          # in submission order

    ``submit`` checks a run's workflow and inputs at once (``ExecutionError``, ``InputError``,
    ``ValidationFailed`` for an invalid document, as ``ArazzoDocument.run`` does); ``run``
    drives every submitted run to its end. ``max_connections`` bounds the requests in flight
    at once (and the workers). ``transport`` replaces the ``requests``-based transport
    (tests, custom clients): it is called once per worker and set of options, each transport
    it returns is used by that worker alone, and every request then goes to the workers.
    ``clock`` is the time source and sleeper, as for ``run_workflow``. ``stop`` (a
    ``StopSignal``) stops every run: each ends ``"interrupted"`` at once, as a run driven
    alone does; ``submit(..., stop=)`` stops one.

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
        #: The requests transport and the real clock: the scheduler's thread sends on plain
        #: HTTP connections already open itself, waiting on many sockets at once; workers
        #: send what would block (connecting, TLS, requests' own route, custom transports).
        self._multiplex = transport is None and isinstance(self.clock, SystemClock)
        self._thread_work: deque[tuple[RunHandle, _ThreadJob]] = deque()
        self._in_flight: dict[RunHandle, _InFlight] = {}
        self._selector: selectors.BaseSelector | None = None
        self._waker: tuple[socket.socket, socket.socket] | None = None
        self._loop_transports: _Transports = {}

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
            if not self._multiplex:
                self._work_waiting.notify()
        if self._multiplex and self._running:
            self._wake(_LOOK)
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
        self._wake(_STOP_NOTICE)

    def _wake(self, item: Any) -> None:
        """Wakes the scheduler's thread (safe from a signal handler: it only puts and
        writes a byte)."""
        self._wakeups.put(item)
        waker = self._waker
        if waker is not None:
            with contextlib.suppress(OSError):  # full (a wake-up is pending) or closed
                waker[1].send(b"\0")

    # the scheduler's thread ----------------------------------------------------------------

    def run(self) -> list[RunResult]:
        """Drives every submitted run to its end; their results, in submission order."""
        self._running = True
        for stop in [self.stop, *(handle.stop for handle in self.handles)]:
            if stop is not None:
                self._listen(stop)
        with self._lock:
            self._closing = self._halted = False
        if self._multiplex:
            self._open_selector()
        workers = [threading.Thread(target=self._work_loop, name=f"arazzo-http-{n}",
                                    daemon=True) for n in range(self.max_connections)]
        for worker in workers:
            worker.start()
        try:
            if self._multiplex:
                self._loop_multiplexed()
            else:
                self._loop()
        except BaseException:
            self._halt()
            raise
        finally:
            if self._multiplex:
                self._close_selector()
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
            stop_noticed = self._take_wakeups(item) or stop_noticed

    def _take_wakeups(self, first: Any = None) -> bool:
        """Takes the wake-ups waiting (after ``first``, one already taken): whether one of
        them was a stop."""
        stopped = first is _STOP_NOTICE
        while True:
            try:
                item = self._wakeups.get_nowait()
            except queue.Empty:
                break
            stopped = stopped or item is _STOP_NOTICE
        if stopped:
            self._stopped_any = True
        return stopped

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
        if moved and not self._multiplex:
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
            kept: deque[tuple[RunHandle, _ThreadJob]] = deque()
            for handle, job in self._thread_work:
                stop = self._stop_of(handle)
                if stop is None:
                    kept.append((handle, job))
                elif isinstance(job, _SendOnThread):  # not sent: the run ends before it
                    handle._exchange = None
                    ending.append((handle, interrupted_outcome(stop, in_flight=False)))
                else:  # sent: ended below as in flight, its answer left unread
                    job.steps.close()
            self._thread_work = kept
            for handle in self._handles:
                stop = self._stop_of(handle)
                if stop is not None and handle._exchange is not None:
                    handle._exchange = None  # its worker drops the answer
                    ending.append((handle, interrupted_outcome(stop, in_flight=True)))
            self._busy += len(ending)
        for handle, _ in ending:  # in flight on this thread: its answer is left unread
            flight = self._in_flight.pop(handle, None)
            if flight is not None and self._selector is not None:
                with contextlib.suppress(KeyError, ValueError):
                    self._selector.unregister(flight.sock)
                flight.steps.close()
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

    # the scheduler's thread, sending ------------------------------------------------------

    def _open_selector(self) -> None:
        self._selector = selectors.DefaultSelector()
        reader, writer = socket.socketpair()
        reader.setblocking(False)
        writer.setblocking(False)
        self._waker = (reader, writer)
        self._selector.register(reader, selectors.EVENT_READ, None)

    def _close_selector(self) -> None:
        for flight in self._in_flight.values():  # halted: their requests stay in doubt
            with contextlib.suppress(Exception):
                flight.steps.close()
        self._in_flight.clear()
        waker, self._waker = self._waker, None
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        for end in waker or ():
            end.close()

    def _loop_multiplexed(self) -> None:
        """The loop's work, and the runs' exchanges on open plain-HTTP connections: it
        decides for due runs itself, sends their requests, waits on every socket at once
        and decides again once an answer is whole. Up to ``max_connections`` requests are
        in flight, here and on the workers together."""
        selector = self._selector
        assert selector is not None
        lock = self._lock
        stop_noticed = False
        while True:
            if stop_noticed:
                stop_noticed = False
                self._cut_short(self._loop_transports)
            while True:
                with lock:
                    self._move_due_timers()
                    if self._unfinished == 0:
                        return
                    busy = len(self._in_flight) + self._busy + len(self._thread_work)
                    if not self._work or busy >= self.max_connections:
                        timeout = self._until_next_timer()
                        break
                    handle, outcome = self._work.popleft()
                self._drive_here(handle, outcome)
            for key, _ in selector.select(timeout):
                if key.data is None:
                    with contextlib.suppress(OSError):
                        key.fileobj.recv(4096)  # type: ignore[union-attr]
                else:
                    self._on_readable(key.data)
            stop_noticed = self._take_wakeups() or stop_noticed

    def _drive_here(self, handle: RunHandle, outcome: Outcome) -> None:
        """``_drive`` on the scheduler's thread: decides until the run waits, ends or has a
        request in flight (on a socket here, or handed to a worker)."""
        try:
            while True:
                step = self._next_request(handle, outcome)
                if not isinstance(step, tuple):
                    return
                answer = self._begin(handle, *step)
                if answer is None:
                    return
                outcome = answer
        except Exception as exc:  # a bug around the machine: this run stops, not the loop
            if not handle.done:
                handle.error = exc
                self._ended(handle)

    def _next_request(self, handle: RunHandle,
                      outcome: Outcome) -> tuple[HttpRequest, int] | bool:
        """Decides for one run until it has a request to send: the request and its token;
        else False when it has ended or the scheduler halted, and when it waits (on the heap)
        whether its wait is now the first due (the scheduler's thread must look again)."""
        while True:
            action = self._decide(handle, outcome)
            if action is None:
                return False
            now = self.clock.monotonic()
            assert handle.deadline is not None
            if isinstance(action, Wait):
                seconds, abort = handle.deadline.wait(action.seconds, now)
                with self._lock:
                    stop = self._stop_of(handle)
                    if stop is None and not self._halted:
                        entry = (now + seconds, next(self._sequence), handle, abort or Waited())
                        heapq.heappush(self._timers, entry)
                        return self._timers[0] is entry
                    halted = self._halted
                if stop is None and halted:
                    return False  # _halt wrote its checkpoint
                outcome = interrupted_outcome(stop, in_flight=False)
                continue
            if not isinstance(action, SendRequest):  # a Finish ended in _decide
                raise TypeError(f"the machine asked for {action!r}")
            abort = handle.deadline.send(action.request, now)
            if abort is not None:
                outcome = abort
                continue
            with self._lock:
                stop = self._stop_of(handle)
                halted = self._halted
                if stop is None and not halted:
                    token = handle._exchange = next(self._sequence)
            if stop is not None:  # as in drive: a response that came is recorded first
                outcome = interrupted_outcome(stop, in_flight=False)
                continue
            if halted:
                return False  # _halt wrote its checkpoint
            return action.request, token

    def _begin(self, handle: RunHandle, request: HttpRequest, token: int) -> Outcome | None:
        options = handle.machine.options
        if options.follow_redirects:  # a hop may need a connection made: on a worker
            self._to_thread(handle, _SendOnThread(request, token))
            return None
        key = (options.follow_redirects, options.verify, options.trust_env)
        transport = self._loop_transports.get(key)
        if transport is None:
            transport = self._loop_transports[key] = RequestsTransport.for_options(
                options, pool_size=self.max_connections)
            with self._lock:
                self._transports.append(transport)
        assert isinstance(transport, RequestsTransport)
        transport.session.cookies = handle.cookies  # read before the request goes out
        return self._step(handle, transport.send_steps(request), token, request)

    def _step(self, handle: RunHandle, steps: _Steps, token: int,
              request: HttpRequest | None) -> Outcome | None:
        """Runs an exchange to its next pause; its answer when it ended (None: in flight)."""
        try:
            pause = next(steps)
        except StopIteration as done:
            return self._answered(handle, token, done.value)
        except BaseException as exc:
            self._failed_exchange(handle, token, exc)
            return None
        if isinstance(pause, _http11.Readable):
            assert self._selector is not None
            try:
                self._selector.register(pause.sock, selectors.EVENT_READ, handle)
            except (OSError, ValueError):  # cut already: the reading words it, on a worker
                self._to_thread(handle, _FinishOnThread(steps, token))
                return None
            self._in_flight[handle] = _InFlight(steps, token, pause.method, pause.sock,
                                                pause.reader)
            return None
        if (request is not None and isinstance(pause, _http11.NeedsThread)
                and not pause.shareable):
            steps.close()  # nothing was sent: a worker sends it on its own session
            self._to_thread(handle, _SendOnThread(request, token))
        else:  # a worker goes on with it (connects on this thread's pool, for the next)
            self._to_thread(handle, _FinishOnThread(steps, token))
        return None

    def _on_readable(self, handle: RunHandle) -> None:
        """Bytes came for an exchange in flight: once the answer is whole (looked at without
        taking it), the reader takes it, without blocking, and the run goes on."""
        flight = self._in_flight.get(handle)
        if flight is None:
            return
        verdict = _framing.arrived(flight.reader, flight.method)
        if verdict is False:
            return
        del self._in_flight[handle]
        assert self._selector is not None
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(flight.sock)
        if verdict is None:  # framed by the end of the connection, 1xx, very big: a worker
            self._to_thread(handle, _FinishOnThread(flight.steps, flight.token))
            return
        answer = self._step(handle, flight.steps, flight.token, None)
        if answer is not None:
            self._drive_here(handle, answer)

    def _to_thread(self, handle: RunHandle, job: _ThreadJob) -> None:
        with self._lock:
            self._thread_work.append((handle, job))
            self._work_waiting.notify()

    # the workers ---------------------------------------------------------------------------

    def _work_loop(self) -> None:
        """One worker: takes due runs and drives each until it waits or ends."""
        transports: _Transports = {}
        lock = self._lock
        while True:
            with lock:
                while not self._queue_of_workers() and not self._closing:
                    self._work_waiting.wait()
                if self._closing or self._halted:
                    return
                handle, outcome = self._queue_of_workers().popleft()
                self._busy += 1
            try:
                self._drive(handle, outcome, transports)
            except Exception as exc:  # a bug around the machine: this run stops, not the worker
                if not handle.done:
                    handle.error = exc
                    self._ended(handle)

    def _queue_of_workers(self) -> deque[Any]:
        """With the lock held: what the workers take (``_cut_short`` may replace it)."""
        return self._thread_work if self._multiplex else self._work

    def _drive(self, handle: RunHandle, outcome: Outcome, transports: _Transports) -> None:
        """Decides for one run and performs what it asks, until it waits or ends."""
        lock = self._lock
        wake = False
        try:
            if isinstance(outcome, (_SendOnThread, _FinishOnThread)):
                outcome = self._finish_job(handle, outcome, transports)
                if outcome is None:
                    return
                if self._multiplex:  # the scheduler's thread decides, first of all
                    with lock:
                        self._work.appendleft((handle, outcome))
                    return
            while True:
                step = self._next_request(handle, outcome)
                if not isinstance(step, tuple):
                    wake = step
                    return
                taken = self._finish_job(handle, _SendOnThread(*step), transports)
                if taken is None:
                    return
                outcome = taken
        finally:
            with lock:
                self._busy -= 1
                wake = wake or self._multiplex or (self._busy == 0 and not self._work)
            if wake:
                self._wake(_LOOK)

    def _finish_job(self, handle: RunHandle, job: _ThreadJob,
                    transports: _Transports) -> Outcome | None:
        """Sends (or reads the answer of) one request on this thread; the answer, or None
        when the run is no longer this thread's to drive."""
        try:
            if isinstance(job, _SendOnThread):
                answer = self._send(handle, job.request, transports)
            else:
                answer = _http11.drive(job.steps)
        except BaseException as exc:  # a broken custom transport stops its run
            self._failed_exchange(handle, job.token, exc)
            return None
        return self._answered(handle, job.token, answer)

    def _failed_exchange(self, handle: RunHandle, token: int, exc: BaseException) -> None:
        with self._lock:
            mine = handle._exchange == token
            handle._exchange = None
        if mine:
            handle.error = exc
            self._ended(handle)

    def _answered(self, handle: RunHandle, token: int,
                  answer: HttpResponse | TransportFailure) -> Outcome | None:
        """The answer to decide with, or None: stopped while it was sent (the scheduler's
        thread ended the run), or halted (the state as it was before the request stands)."""
        with self._lock:
            if handle._exchange != token or self._halted:
                return None
            handle._exchange = None
        return answer

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
            self._wake(_LOOK)

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
        self._loop_transports.clear()
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

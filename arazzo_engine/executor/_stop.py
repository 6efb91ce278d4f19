"""Stopping a run from outside at once: Ctrl-C, SIGTERM, or another thread asking.

A polling run spends nearly all its time waiting; "stop" must end the wait now, not after it,
and must reach a request that is still waiting for its response. ``StopSignal`` is what the
driver watches: ``stop()`` may be called from any thread or from a signal handler (it only sets
a flag and writes one byte to a socket pair, so it takes no lock a signal could find held), and
``sleep()`` wakes the moment it is called. ``stop_on_signals`` installs handlers for SIGINT and
SIGTERM that stop the run; while a request is being sent they also raise ``RequestCutOff`` in
the main thread, which is the only way to get a blocking socket read to let go.

The machine then ends the run ``"interrupted"`` with every step so far, the request that was in
flight included; the CLI exits 130 (SIGINT) or 143 (SIGTERM).
"""

from __future__ import annotations

import contextlib
import select
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from types import FrameType

__all__ = ["RequestCutOff", "StopSignal", "stop_on_signals"]


class RequestCutOff(BaseException):
    """Raised in the main thread by a stop handler while a request is in flight.

    A ``BaseException``, like ``KeyboardInterrupt``, so that ``except Exception`` in a
    transport cannot swallow it.
    """


class StopSignal:
    """A request to stop one run (or several), with the reason and the signal, if any."""

    def __init__(self) -> None:
        self._stopped = False
        self.reason: str | None = None
        #: The signal that stopped the run (``signal.SIGINT``...), None when asked in code.
        self.signal_number: int | None = None
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        #: Set by the driver while it waits for a response (a handler then cuts it off).
        self.sending = False
        self._listeners: list[Callable[[], None]] = []

    @property
    def stopped(self) -> bool:
        return self._stopped

    def stop(self, reason: str = "interrupted", signal_number: int | None = None) -> None:
        """Asks the run to stop; safe from any thread and from a signal handler."""
        if self._stopped:
            return
        self.reason, self.signal_number = reason, signal_number
        self._stopped = True
        with contextlib.suppress(OSError):
            self._writer.send(b"\0")
        for listener in tuple(self._listeners):
            listener()

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Calls ``listener()`` when the signal stops (at once if it has already stopped).

        A driver that waits on something else than ``sleep`` (the Scheduler waits on its
        queue of answers) is woken this way. The call may come from a signal handler or any
        thread, so a listener must be reentrant: ``queue.SimpleQueue.put`` is.
        """
        self._listeners.append(listener)
        if self._stopped:
            listener()

    def remove_listener(self, listener: Callable[[], None]) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    def sleep(self, seconds: float) -> bool:
        """Waits up to ``seconds``; returns True (at once) when the run is asked to stop."""
        if self._stopped:
            return True
        if seconds > 0:
            with contextlib.suppress(InterruptedError, OSError, ValueError):
                select.select([self._reader], [], [], seconds)
        return self._stopped

    def close(self) -> None:
        self._reader.close()
        self._writer.close()

    def __enter__(self) -> StopSignal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_NAMES = {signal.SIGINT: "interrupted (SIGINT, Ctrl-C)", signal.SIGTERM: "terminated (SIGTERM)"}


@contextlib.contextmanager
def stop_on_signals(stop: StopSignal) -> Iterator[StopSignal]:
    """SIGINT and SIGTERM stop the run while the block runs; the old handlers come back after.

    Only the main thread can install signal handlers; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(number: int, _frame: FrameType | None) -> None:
        stop.stop(_NAMES.get(signal.Signals(number), f"stopped by signal {number}"), number)
        if stop.sending:
            stop.sending = False
            raise RequestCutOff()

    previous = {number: signal.signal(number, handler) for number in _NAMES}
    try:
        yield stop
    finally:
        for number, old in previous.items():
            signal.signal(number, old)

"""The run's deadline (``--deadline``) as every driver applies it to the machine's actions.

One run driven alone (``drive``) and many driven together (``Scheduler``) must cut a run short
at the same moment, with the same words: a wait that would outlast the deadline is shortened
to it and then aborts the run; a request is sent with at most the time that is left.
"""

from __future__ import annotations

from dataclasses import dataclass

from arazzo_engine.executor._http import HttpRequest
from arazzo_engine.executor._machine import Abort

__all__ = ["Deadline"]


@dataclass(frozen=True)
class Deadline:
    """``seconds`` after ``started`` (monotonic clock); None: the run may take as long as it
    needs."""

    seconds: float | None
    started: float

    def remaining(self, now: float) -> float | None:
        return None if self.seconds is None else self.seconds - (now - self.started)

    def wait(self, seconds: float, now: float) -> tuple[float, Abort | None]:
        """How long to wait, and the ``Abort`` to deliver afterwards when the deadline falls
        inside the wait (None: deliver ``Waited``)."""
        remaining = self.remaining(now)
        if remaining is not None and seconds >= remaining:
            return max(remaining, 0.0), self.abort()
        return seconds, None

    def send(self, request: HttpRequest, now: float) -> Abort | None:
        """Caps the request's timeout at the time left; an ``Abort`` when none is left."""
        remaining = self.remaining(now)
        if remaining is None:
            return None
        if remaining <= 0:
            return self.abort()
        request.timeout = min(request.timeout or remaining, remaining)
        return None

    def abort(self) -> Abort:
        return Abort(f"the run's deadline of {self.seconds:g} s (--deadline) passed")

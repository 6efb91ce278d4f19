"""The live line is redrawn at the terminal's pace, not once per run event.

A loop polling a server that answers at once sends thousands of events a second; redrawing
the line for each one cost as much CPU as the polls themselves. An event redraws the line
only when the last redraw is older than rich's own refresh interval (its timer redraws it
in between: the spinner and the countdown keep moving).
"""

from __future__ import annotations

import io
import threading

from rich.console import Console

from arazzo_engine.cli._live import _REFRESHES_PER_SECOND, LiveReporter
from arazzo_engine.executor import RunEvent


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_events_redraw_the_live_line_at_most_at_the_refresh_rate() -> None:
    clock = _Clock()
    console = Console(file=io.StringIO(), force_terminal=True, width=80)
    reporter = LiveReporter(console, clock=clock)
    redraws: list[float] = []
    refresh = reporter.live.refresh

    def counted() -> None:
        if threading.current_thread() is threading.main_thread():  # not rich's own timer
            redraws.append(clock.now)
        refresh()

    reporter.live.refresh = counted  # type: ignore[method-assign]
    try:
        for _ in range(500):  # a burst of events at one instant: one redraw
            reporter(RunEvent("waiting", {"seconds": 1.0, "reason": "polling"}))
        assert redraws == [100.0]
        clock.now += 0.5 / _REFRESHES_PER_SECOND  # still within one interval
        reporter(RunEvent("waiting", {"seconds": 1.0, "reason": "polling"}))
        assert redraws == [100.0]
        clock.now += 1 / _REFRESHES_PER_SECOND  # an interval later: the next event redraws
        reporter(RunEvent("waiting", {"seconds": 1.0, "reason": "polling"}))
        assert redraws == [100.0, clock.now]
    finally:
        reporter.close()
    assert "waiting" in reporter.status_text().plain  # type: ignore[union-attr]

"""Polling manners: the wait before a ``goto`` re-runs a step grows while the loop goes on.

A dbt job runs for hours; polling it every 2 s for a day is 43,200 requests and needs a step
guard nobody would set. The wait starts at ``loop_delay`` and grows x1.5 with each
consecutive re-run of the same step, up to ``loop_delay_max`` (2, 3, 4.5, ... 30 s by default),
so a 24-hour poll takes under 3,000 steps. A loop's streak (which step, how many re-runs, how
long it has been going) lives in the frame, so it survives a checkpoint and a resume.
"""

from __future__ import annotations

from typing import Any

from arazzo_engine.executor._options import RunOptions

__all__ = ["GROWTH", "loop_wait", "next_streak"]

GROWTH = 1.5
#: Beyond this many re-runs the wait has long reached any sensible cap (and 1.5**n stays finite).
_MAX_EXPONENT = 200


def loop_wait(options: RunOptions, rerun: int) -> float:
    """The wait before the ``rerun``-th consecutive re-run (1-based); 0 when waiting is off.

    The cap is never below the first wait: ``loop_delay=60`` waits 60 s each time.
    """
    if options.loop_delay <= 0:
        return 0.0
    cap = max(options.loop_delay, options.loop_delay_max)
    return min(options.loop_delay * GROWTH ** min(rerun - 1, _MAX_EXPONENT), cap)


def next_streak(streak: dict[str, Any] | None, step_id: str, elapsed: float) -> dict[str, Any]:
    """The streak after one more re-run of ``step_id``: the same loop going on, or a new one.

    ``seconds`` is how long the loop has been polling: every wait so far plus the time its
    exchanges took (``elapsed``, the step that chose to loop, included).
    """
    if streak is not None and streak.get("stepId") == step_id:
        return {"stepId": step_id, "reruns": int(streak["reruns"]) + 1,
                "seconds": float(streak["seconds"]) + elapsed}
    return {"stepId": step_id, "reruns": 1, "seconds": elapsed}

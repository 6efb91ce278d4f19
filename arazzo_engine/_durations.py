"""Seconds as people read them: ``2``, ``4.5``, ``15.2`` s, and ``1 h 02 min`` for long ones."""

from __future__ import annotations

__all__ = ["duration_text", "seconds_text"]


def seconds_text(seconds: float) -> str:
    """A wait or a limit in seconds, rounded to what matters (``15.1875`` -> ``15.2``)."""
    if seconds >= 100:
        return f"{seconds:.0f} s"
    return f"{seconds:.3g} s"


def duration_text(seconds: float) -> str:
    """An elapsed time: ``0.5 s``, ``12 s``, ``4 min 05 s``, ``26 h 03 min``."""
    whole = round(seconds)
    if whole < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"

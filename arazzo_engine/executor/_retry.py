"""How long and how often a ``retry`` action waits: retryLimit, retryAfter and Retry-After."""

from __future__ import annotations

import email.utils
import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["parse_retry_after", "retry_limit", "seconds_of"]

_DELAY_SECONDS = re.compile(r"[0-9]+")


def retry_limit(action: Mapping[str, Any]) -> int:
    """Re-tries allowed (not attempts); absent or unusable means the spec's default of one."""
    limit = action.get("retryLimit")
    return limit if isinstance(limit, int) and not isinstance(limit, bool) and limit >= 0 else 1


def parse_retry_after(header: str, received_at: float) -> float | None:
    """RFC 9110 Retry-After: delay-seconds or an HTTP-date (relative to when it arrived).

    Anything else (garbage, a date that does not exist) is None: the action's own
    ``retryAfter`` applies.
    """
    text = header.strip()
    if _DELAY_SECONDS.fullmatch(text):
        return seconds_of(int(text))
    try:
        moment = email.utils.parsedate_to_datetime(text)
        if moment is None:
            return None
        return max(0.0, moment.timestamp() - received_at)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


def seconds_of(value: Any) -> float:
    """A document's number of seconds as a float: anything not a number is 0, and a number too
    large for a float is infinite (the caller caps every wait)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0.0
    try:
        seconds = float(value)
    except OverflowError:
        return math.inf
    return seconds if not math.isnan(seconds) else 0.0

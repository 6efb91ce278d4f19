"""What to do with a request that was sent but whose response was never recorded.

A run that dies (SIGKILL, a lost machine) or is interrupted while a request is in flight cannot
know whether the server acted on it. Sending it again is harmless for the methods RFC 9110
(section 9.2.2) calls idempotent; for the others (POST, PATCH, anything unknown) it may create a
second dbt job run, a second payment. The rule is a small pure function so that every driver
(the local one here, a Temporal one) decides the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["IDEMPOTENT_METHODS", "SAFE_TO_REPEAT", "InDoubtDecision", "decide_in_doubt",
           "marked_safe_to_repeat"]

#: RFC 9110, 9.2.2.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
#: The Step Object extension that says a step's request may be sent twice (an idempotency key,
#: a POST that only reads): ``x-arazzo-safe-to-repeat: true``.
SAFE_TO_REPEAT = "x-arazzo-safe-to-repeat"

Failure = Literal["crashed", "interrupted", "timed-out"]


@dataclass(frozen=True)
class InDoubtDecision:
    """``resend`` the request, or stop; ``reason`` says which rule decided, for people."""

    resend: bool
    reason: str


def marked_safe_to_repeat(step: Mapping[str, Any]) -> bool:
    return step.get(SAFE_TO_REPEAT) is True


def decide_in_doubt(method: str, *, marked_safe: bool, resend_flag: bool,
                    failure: Failure = "crashed") -> InDoubtDecision:
    """Whether to send an in-doubt request again.

    Arguments:
        method: the request's HTTP method.
        marked_safe: the step carries ``x-arazzo-safe-to-repeat: true``.
        resend_flag: the user said ``--resend-in-doubt``.
        failure: how the response was lost: the process ``crashed`` (or the machine), the run
            was ``interrupted`` (Ctrl-C, SIGTERM) or the exchange ``timed-out``. The rule is the
            same for all three (the server may have acted in each); it is named in the reason.
    """
    upper = method.upper()
    how = {"crashed": "the run stopped", "interrupted": "the run was interrupted",
           "timed-out": "the exchange timed out"}[failure]
    if upper in IDEMPOTENT_METHODS:
        return InDoubtDecision(True, f"{how} with {upper} in flight; {upper} is idempotent "
                                     "(RFC 9110), so it is sent again")
    if marked_safe:
        return InDoubtDecision(True, f"{how} with {upper} in flight; the step is marked "
                                     f"{SAFE_TO_REPEAT}, so it is sent again")
    if resend_flag:
        return InDoubtDecision(True, f"{how} with {upper} in flight; --resend-in-doubt sends "
                                     "it again")
    return InDoubtDecision(False, f"{how} with {upper} in flight and its response was never "
                                  f"recorded; {upper} is not idempotent, so it is not sent "
                                  "again blindly")

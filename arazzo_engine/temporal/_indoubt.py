"""Whether a request whose fate is unknown may be sent again: the one in-doubt rule.

A request is in doubt when it may have reached the server but no response was recorded: on
Temporal, when the worker running its activity died or lost its connection mid-exchange.
Idempotent methods (RFC 9110 section 9.2.2) may be sent again; POST and PATCH only when the
step is marked safe to repeat or the user said so for the whole run.

The rule is kept behind ``may_resend`` so that the local run store (issue 10) and Temporal
apply the same one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["IDEMPOTENT_METHODS", "SAFE_TO_REPEAT", "may_resend", "safe_to_repeat"]

#: RFC 9110's idempotent methods: sending one twice has the effect of sending it once.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})

#: The Step Object extension that declares a non-idempotent step safe to send twice.
SAFE_TO_REPEAT = "x-arazzo-safe-to-repeat"


def safe_to_repeat(step: Mapping[str, Any]) -> bool:
    return step.get(SAFE_TO_REPEAT) is True


def may_resend(method: str, *, step_safe: bool, resend_in_doubt: bool) -> bool:
    """True when a request that may already have reached the server may be sent again."""
    return method.upper() in IDEMPOTENT_METHODS or step_safe or resend_in_doubt

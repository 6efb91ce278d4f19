"""The one activity: send one HTTP request with the transport a local run uses.

A transport failure (refused, reset, timeout, TLS) is a value, as in a local run: the activity
returns it and the machine's failure actions decide what happens, so Temporal never retries a
request behind the workflow's back. Temporal retries only an activity that did not finish at all
(its worker died or lost the server), and only when the in-doubt rule allows it
(``executor._in_doubt.decide_in_doubt``, shared with local resume; the workflow sets
the retry policy per request).
"""

from __future__ import annotations

import threading
from typing import Any

from temporalio import activity

from arazzo_engine.executor import RequestsTransport
from arazzo_engine.temporal._wire import exchange_to_wire, request_from_wire

__all__ = ["MAX_TEMPORAL_BODY", "SEND_REQUEST", "send_request"]

SEND_REQUEST = "arazzo.send_request"

#: Response bytes one activity result may carry. Temporal refuses payloads over 2 MB, and the
#: body travels as base64 (4/3 larger); a bigger body fails the step with a clear message.
MAX_TEMPORAL_BODY = 1024 * 1024

_sessions = threading.local()


def _transport(settings: dict[str, Any]) -> RequestsTransport:
    """One pooled transport per worker thread and transport settings: connections are reused
    across the activities of all runs, and no ``requests.Session`` is shared between threads."""
    key = (bool(settings.get("follow_redirects")), settings.get("verify", True),
           bool(settings.get("trust_env", True)))
    cache: dict[tuple[Any, ...], RequestsTransport] = getattr(_sessions, "cache", None) or {}
    _sessions.cache = cache
    if key not in cache:
        cache[key] = RequestsTransport(follow_redirects=key[0], verify=key[1], trust_env=key[2],
                                       max_body=MAX_TEMPORAL_BODY)
    return cache[key]


@activity.defn(name=SEND_REQUEST)
def send_request(call: dict[str, Any]) -> dict[str, Any]:
    """``call`` is ``{"request": ..., "transport": {...}}``; returns the exchange as JSON."""
    request = request_from_wire(call["request"])
    return exchange_to_wire(_transport(call.get("transport") or {}).send(request))

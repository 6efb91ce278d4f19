"""What crosses Temporal's wire: requests, responses, options and progress events as JSON.

Temporal stores every workflow input, activity argument and activity result in its history, as
JSON payloads. Bodies are bytes, so they travel as base64; step executions travel as the same
dictionaries a local run's ``--format json`` prints.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Mapping
from typing import Any

from arazzo_engine.executor import (
    HttpRequest,
    HttpResponse,
    RunEvent,
    RunOptions,
    StepExecution,
    TransportFailure,
)

__all__ = [
    "event_from_wire",
    "event_to_wire",
    "exchange_from_wire",
    "exchange_to_wire",
    "options_from_wire",
    "options_to_wire",
    "request_from_wire",
    "request_to_wire",
]

#: Options that describe where a run goes or is recorded, not how it runs: they never reach
#: the workflow (Temporal's history is the record of a run there).
_LOCAL_ONLY = {"backend", "state"}


def request_to_wire(request: HttpRequest) -> dict[str, Any]:
    """The request as the activity sends it. Its secret values travel too: the transport keeps
    them from another origin on a redirect, as in a local run (the headers and URL that carry
    them are in the history anyway; docs/distributed.md says how to protect it)."""
    return {"method": request.method, "url": request.url, "headers": dict(request.headers),
            "body": _b64(request.body), "timeout": request.timeout,
            "secrets": sorted(request.secret_values)}


def request_from_wire(data: Mapping[str, Any]) -> HttpRequest:
    return HttpRequest(method=data["method"], url=data["url"],
                       headers=dict(data.get("headers") or {}),
                       body=_unb64(data.get("body")), timeout=data.get("timeout"),
                       secret_values=frozenset(data.get("secrets") or ()))


def exchange_to_wire(outcome: HttpResponse | TransportFailure) -> dict[str, Any]:
    if isinstance(outcome, TransportFailure):
        return {"failure": outcome.message, "elapsed": outcome.elapsed}
    return {"status": outcome.status_code, "headers": [list(h) for h in outcome.headers],
            "body": _b64(outcome.body), "elapsed": outcome.elapsed,
            "receivedAt": outcome.received_at, "url": outcome.url}


def exchange_from_wire(data: Mapping[str, Any]) -> HttpResponse | TransportFailure:
    if "failure" in data:
        return TransportFailure(str(data["failure"]), elapsed=float(data.get("elapsed") or 0.0))
    return HttpResponse(
        status_code=int(data["status"]),
        headers=[(str(name), str(value)) for name, value in data.get("headers") or []],
        body=_unb64(data.get("body")) or b"", elapsed=float(data.get("elapsed") or 0.0),
        received_at=float(data.get("receivedAt") or 0.0), url=str(data.get("url") or ""),
    )


def options_to_wire(options: RunOptions) -> dict[str, Any]:
    """Every option a worker needs to run the machine as the client would have run it."""
    wire: dict[str, Any] = {}
    for item in dataclasses.fields(options):
        if item.name in _LOCAL_ONLY:
            continue
        value = getattr(options, item.name)
        if isinstance(value, Mapping):
            value = dict(value)
        elif isinstance(value, tuple):
            value = list(value)
        wire[item.name] = value
    return wire


def options_from_wire(data: Mapping[str, Any]) -> RunOptions:
    """Unknown names are dropped: a newer client may name options an older worker lacks."""
    fields = {item.name: item for item in dataclasses.fields(RunOptions)
              if item.name not in _LOCAL_ONLY}
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name in fields:  # JSON has no tuples: a tuple option comes back as a list
            default = fields[name].default
            values[name] = tuple(value) if isinstance(default, tuple) and isinstance(
                value, list) else value
    return RunOptions(**values)


def event_to_wire(event: RunEvent) -> dict[str, Any]:
    data = dict(event.data)
    execution = data.get("execution")
    if isinstance(execution, StepExecution):
        data["execution"] = execution.to_dict()
    return {"kind": event.kind, "data": data}


def event_from_wire(data: Mapping[str, Any]) -> RunEvent:
    payload = dict(data.get("data") or {})
    if isinstance(payload.get("execution"), Mapping):
        payload["execution"] = StepExecution.from_dict(payload["execution"])
    return RunEvent(str(data["kind"]), payload)


def _b64(body: bytes | None) -> str | None:
    return None if body is None else base64.b64encode(body).decode("ascii")


def _unb64(text: Any) -> bytes | None:
    return None if text is None else base64.b64decode(str(text))

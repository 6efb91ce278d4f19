"""An exchange as text, for ``arazzo run -v``: the request and the response, masked.

Everything here comes from records and events the machine has masked already.
"""

from __future__ import annotations

import contextlib
import json

from arazzo_engine.executor import StepExecution

__all__ = ["body_lines", "exchange_lines"]

#: Lines of a body shown; the rest is counted, not printed.
_BODY_LINES = 40


def exchange_lines(execution: StepExecution, response_body: str | None) -> list[str]:
    """``> `` lines for the request, ``< `` lines for the response."""
    lines: list[str] = []
    request = execution.request
    if request is None:
        return lines
    lines.append(f"> {request.method} {request.url}")
    lines += [f"> {name}: {value}" for name, value in request.headers.items()]
    if request.body:
        lines += [f">   {line}" for line in body_lines(request.body)]
    response = execution.response
    if response is None:
        return lines
    if response.status_code is None:
        lines.append(f"< no response: {response.error or 'none'}")
        return lines
    lines.append(f"< {response.status_code} in {response.elapsed_ms:.0f} ms")
    lines += [f"< {name}: {value}" for name, value in response.headers.items()]
    if response_body:
        lines += [f"<   {line}" for line in body_lines(response_body)]
    return lines


def body_lines(text: str, limit: int | None = _BODY_LINES) -> list[str]:
    """A body to read: JSON indented, anything else as it is; ``limit`` lines at most."""
    with contextlib.suppress(ValueError):
        text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    lines = text.splitlines()
    if limit is not None and len(lines) > limit:
        hidden = len(lines) - limit
        lines = [*lines[:limit], f"... ({hidden} more line{'s' if hidden != 1 else ''})"]
    return lines

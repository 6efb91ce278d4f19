"""Builds the expression layer's ``EvaluationContext`` from run state and an HTTP exchange."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from arazzo_engine.executor._http import HttpResponse
from arazzo_engine.expressions import EvaluationContext, Message

__all__ = ["api_message", "parse_body", "request_message", "response_message"]

_MESSAGE_KEYS = ("user_message", "message", "detail", "error_description", "error", "title",
                 "errors", "reason", "description")


def parse_body(raw: bytes | str, content_type: str, charset: str = "utf-8") -> Any:
    """JSON when it parses (whatever the declared type says), else the text; None when empty.
    Bytes are read in the declared ``charset`` (UTF-8 unless the response says otherwise)."""
    text = raw.decode(charset, "replace") if isinstance(raw, bytes) else raw
    if text == "":
        return None
    if "json" in content_type or text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than Python goes
            return text
    return text


def request_message(pending: Mapping[str, Any]) -> Message:
    request = pending["request"]
    return Message(
        headers=dict(request.get("headers") or {}),
        body=pending.get("body"),
        raw_body=request.get("body"),
        content_type=pending.get("contentType") or None,
        query=dict(pending.get("query") or {}),
        path=dict(pending.get("path") or {}),
    )


def response_message(response: HttpResponse, text: str | None = None) -> Message:
    """``text``: the response's decoded body when the caller has it already."""
    headers: dict[str, str] = {}
    for name, value in response.headers:
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    if text is None:
        text = response.text
    content_type = response.content_type
    return Message(
        headers=headers,
        body=parse_body(text, content_type),
        raw_body=text,
        content_type=content_type or None,
    )


def exchange_context(base: EvaluationContext, pending: Mapping[str, Any],
                     response: HttpResponse | None,
                     text: str | None = None) -> EvaluationContext:
    request = pending["request"]
    base.url = request["url"]
    base.method = request["method"]
    base.request = request_message(pending)
    if response is not None:
        base.status_code = response.status_code
        base.response = response_message(response, text)
    return base


def api_message(body: Any, depth: int = 0) -> str | None:
    """The API's own error message, looked for near the top of a JSON body.

    dbt puts it at ``status.user_message``, RFC 9457 at ``detail``/``title``, many APIs at
    ``message`` or ``error``; searching a few levels for these names covers them without
    knowing the API.
    """
    if depth > 3:
        return None
    if isinstance(body, Mapping):
        for key in _MESSAGE_KEYS:
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        for value in body.values():
            if isinstance(value, (Mapping, list)):
                found = api_message(value, depth + 1)
                if found:
                    return found
    elif isinstance(body, list):
        for item in body[:3]:
            found = api_message(item, depth + 1)
            if found:
                return found
    elif isinstance(body, str) and depth == 0 and 0 < len(body.strip()) <= 300:
        return body.strip()
    return None

"""dbt Cloud's response envelope: every answer, success or error, has the same two keys.

Clients show ``status.user_message``, so the simulator uses the sentences dbt Cloud uses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

SUCCESS_MESSAGE = "Success!"
INVALID_TOKEN_MESSAGE = "Invalid token."
NOT_SCOPED_MESSAGE = "Access denied: Token is not scoped to account."
NOT_FOUND_MESSAGE = "The requested resource was not found."
INVALID_REQUEST_MESSAGE = (
    "The request was invalid. Please double check the provided data and try again."
)
RATE_LIMITED_MESSAGE = "Too many requests. Please slow down and try again later."


@dataclass(frozen=True)
class ApiResponse:
    """What one request is answered with, before it becomes bytes on the socket."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def encode(self) -> bytes:
        return json.dumps(self.body).encode("utf-8")


def envelope(
    code: int, data: Any, user_message: str, developer_message: str | None = None
) -> dict[str, Any]:
    return {
        "status": {
            "code": code,
            "is_success": 200 <= code < 300,
            "user_message": user_message,
            "developer_message": developer_message,
        },
        "data": data,
    }


def success(data: Any) -> ApiResponse:
    return ApiResponse(200, envelope(200, data, SUCCESS_MESSAGE))


def failure(
    code: int,
    user_message: str,
    developer_message: str | None = None,
    headers: dict[str, str] | None = None,
) -> ApiResponse:
    """An error answer: the envelope with ``data`` null, as dbt Cloud sends it."""
    return ApiResponse(
        code, envelope(code, None, user_message, developer_message), dict(headers or {})
    )

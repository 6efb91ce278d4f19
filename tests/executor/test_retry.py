"""Retry arithmetic: retryLimit defaults, Retry-After in seconds or as an HTTP-date."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any

import pytest

from arazzo_engine.executor._retry import parse_retry_after, retry_limit, seconds_of

RECEIVED = datetime(2026, 11, 27, 12, 0, 0, tzinfo=timezone.utc).timestamp()


def _date(offset: float) -> str:
    return format_datetime(datetime.fromtimestamp(RECEIVED + offset, tz=timezone.utc),
                           usegmt=True)


@pytest.mark.parametrize(("header", "seconds"), [
    ("3", 3.0), (" 120 ", 120.0), ("0", 0.0),
    (_date(10), 10.0), (_date(-30), 0.0),
    ("soon", None), ("²", None), ("-5", None), ("1.5", None), ("", None),
    ("9" * 400, math.inf),
])
def test_retry_after_header(header: str, seconds: float | None) -> None:
    assert parse_retry_after(header, RECEIVED) == seconds


@pytest.mark.parametrize(("declared", "limit"), [
    (None, 1), (0, 0), (3, 3), (-1, 1), (True, 1), ("2", 1), (2.0, 1)])
def test_retry_limit_counts_retries_and_defaults_to_one(declared: Any, limit: int) -> None:
    action = {} if declared is None else {"retryLimit": declared}
    assert retry_limit(action) == limit


@pytest.mark.parametrize(("value", "seconds"), [
    (2, 2.0), (0.25, 0.25), ("2", 0.0), (True, 0.0), (None, 0.0), (float("nan"), 0.0),
    (10**400, math.inf)])
def test_retry_after_field_values(value: Any, seconds: float) -> None:
    assert seconds_of(value) == seconds

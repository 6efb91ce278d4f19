"""Fixtures for runs on Temporal: the helpers' folder on the path, and a time limit per test."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

#: A run that hangs (a workflow task failing on every attempt waits forever, by Temporal's
#: design) fails its test after this long instead of stalling the suite.
TEST_LIMIT_SECONDS = 180


@pytest.fixture(autouse=True)
def _time_limit() -> Iterator[None]:
    def expired(number: int, frame: object) -> None:
        raise TimeoutError(f"the test ran past {TEST_LIMIT_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(TEST_LIMIT_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)

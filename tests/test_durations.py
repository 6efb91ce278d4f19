"""Durations and limits as messages print them: rounded to what a person reads."""

from __future__ import annotations

import pytest

from arazzo_engine._durations import duration_text, seconds_text


@pytest.mark.parametrize(("seconds", "text"), [
    (2, "2 s"), (4.5, "4.5 s"), (15.1875, "15.2 s"), (0.075, "0.075 s"),
    (1.9995515409999598, "2 s"), (30, "30 s"), (3600, "3600 s")])
def test_seconds(seconds: float, text: str) -> None:
    assert seconds_text(seconds) == text


@pytest.mark.parametrize(("seconds", "text"), [
    (0.31, "0.3 s"), (0.002, "0.0 s"), (12.4, "12 s"), (65, "1 min 05 s"), (3599.6, "1 h 00 min"),
    (93_780, "26 h 03 min")])
def test_durations(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text

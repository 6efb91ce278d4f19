"""Repeated measurements summarised as median and spread, and the rows a benchmark reports."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Sample:
    """Several measurements of one quantity: the median is the figure, min/max the spread."""

    median: float
    low: float
    high: float
    count: int

    @classmethod
    def of(cls, values: list[float]) -> Sample:
        if not values:
            raise ValueError("a sample needs at least one measurement")
        return cls(statistics.median(values), min(values), max(values), len(values))


@dataclass(frozen=True)
class Row:
    """One comparison: a measured subject against the baseline measured alongside it.

    ``unit`` is ``"s"`` (seconds per call), ``"B"`` (bytes) or ``"i"`` (instructions); the
    ratio is subject / baseline of the medians.
    """

    name: str
    subject: Sample
    baseline_name: str
    baseline: Sample
    unit: str = "s"

    @property
    def ratio(self) -> float:
        return self.subject.median / self.baseline.median if self.baseline.median else float("inf")


@dataclass(frozen=True)
class Target:
    """A goal of issue 13, stated as a ratio (or an exponent) that must not exceed ``limit``.

    ``limit`` None: a figure the issue asks to see without a bound (the ratio to the
    ``http.client`` floor, the peers side by side); it is listed with the verdicts.
    """

    name: str
    value: float
    limit: float | None
    unit: str = "x"  # "x": a ratio; "": a plain number (a fitted exponent)

    @property
    def holds(self) -> bool | None:
        return None if self.limit is None else self.value <= self.limit


@dataclass
class Section:
    """One benchmark's rows, plus derived figures (per-step overhead, bytes per step) and the
    targets it checks."""

    key: str
    title: str
    rows: list[Row] = field(default_factory=list)
    derived: list[tuple[str, str]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)


def time_per_call(call: Callable[[], object], *, repeat: int, number: int = 1,
                  warmup: int = 1) -> Sample:
    """Seconds per call of ``call``: ``repeat`` samples, each timing ``number`` calls.

    Warm-up calls fill caches and connection pools first, so the samples show steady state.
    The collector runs between samples, never inside one, so its pauses do not land at random.
    """
    for _ in range(warmup):
        call()
    values = []
    enabled = gc.isenabled()
    try:
        for _ in range(repeat):
            gc.collect()
            gc.disable()
            started = time.perf_counter()
            for _ in range(number):
                call()
            values.append((time.perf_counter() - started) / number)
            gc.enable()
    finally:
        if enabled:
            gc.enable()
    return Sample.of(values)


def timed_once(call: Callable[[], object]) -> float:
    """Seconds one call takes, the collector left on (a whole run pays for its own garbage
    as it would for a user), after a collection so earlier garbage is not charged to it."""
    gc.collect()
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def timed_cpu_once(call: Callable[[], object]) -> tuple[float, float]:
    """``timed_once``, with the CPU seconds of this process (every thread) beside the wall
    seconds: the CPU figure is the one other load on the machine barely moves."""
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - started, time.process_time() - cpu


def interleaved(calls: dict[str, Callable[[], object]], *, repeat: int, number: int = 1,
                warmup: int = 1) -> dict[str, Sample]:
    """``time_per_call`` for several calls, taking their samples in turn.

    Alternating subject and baseline spreads drift of the machine (other load, frequency
    changes) over both instead of charging it to whichever ran second.
    """
    for call in calls.values():
        for _ in range(warmup):
            call()
    values: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeat):
        for name, call in calls.items():
            values[name].append(time_per_call(call, repeat=1, number=number, warmup=0).median)
    return {name: Sample.of(found) for name, found in values.items()}

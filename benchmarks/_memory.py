"""Benchmark 3: traced memory of a long polling run against a short one.

A ``RunResult`` keeps every step execution (request, response, criteria, action, outputs), so
memory grows with the number of step executions; the ``stuck`` scenario never finishes, so
``max_steps`` decides exactly how many there are. Bytes per step is the slope between the two.
"""

from __future__ import annotations

import gc
import tracemalloc
from dataclasses import dataclass

import arazzo_engine

from ._measure import Row, Sample, Section
from ._paths import DBT_WORKFLOW
from ._simulator import simulator_process
from ._workflow import INPUTS


@dataclass(frozen=True)
class Settings:
    repeat: int
    long_steps: int
    short_steps: int = 10


FULL = Settings(repeat=3, long_steps=1000)
QUICK = Settings(repeat=1, long_steps=200)


@dataclass(frozen=True)
class Traced:
    peak: int  # bytes above the starting point at the run's highest
    retained: int  # bytes still held while the result is alive


def _traced_run(document: arazzo_engine.ArazzoDocument, base_url: str, steps: int) -> Traced:
    options = arazzo_engine.RunOptions(servers={"dbtAdminApi": base_url}, loop_delay=0,
                                       max_steps=steps, trust_env=False)
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        result = document.run(inputs=INPUTS, options=options, validate=False)
        gc.collect()
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    if len(result.steps) != steps:
        raise RuntimeError(f"expected {steps} step executions, got {len(result.steps)}")
    return Traced(peak=peak - before, retained=after - before)


def memory(settings: Settings) -> Section:
    long, short = settings.long_steps, settings.short_steps
    section = Section("memory", f"Traced memory: {long:,}-step vs {short:,}-step polling run")
    document = arazzo_engine.load(DBT_WORKFLOW)
    if not document.validate().ok:
        raise RuntimeError("the reference workflow no longer validates")
    with simulator_process("stuck") as base_url:
        _traced_run(document, base_url, short)  # compiles and caches outside the measurement
        runs: dict[int, list[Traced]] = {long: [], short: []}
        for _ in range(settings.repeat):
            for steps in (short, long):
                runs[steps].append(_traced_run(document, base_url, steps))
    peaks = {steps: Sample.of([float(r.peak) for r in found]) for steps, found in runs.items()}
    kept = {steps: Sample.of([float(r.retained) for r in found]) for steps, found in runs.items()}
    section.rows.append(Row(f"peak, {long:,} step executions", peaks[long],
                            f"peak, {short:,} step executions", peaks[short], unit="B"))
    section.rows.append(Row(f"retained with the result, {long:,} step executions", kept[long],
                            f"retained, {short:,} step executions", kept[short], unit="B"))
    span = long - short
    section.derived.append(("peak bytes per step execution",
                            f"{(peaks[long].median - peaks[short].median) / span:,.0f} B"))
    section.derived.append(("retained bytes per step execution (the result's record)",
                            f"{(kept[long].median - kept[short].median) / span:,.0f} B"))
    return section

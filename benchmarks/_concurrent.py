"""Target 5: a thousand runs in one process.

1, 10, 100 and 1,000 reference runs at once against the dbt Cloud simulator (in a process of
its own, one job per run so no run queues behind another, the ``success`` scenario: trigger,
three polls, artifacts), ``--loop-delay 1``: each run waits 1 s, then 1.5 s (the loop
delay grows x1.5 with each re-run, executor/_loops.py). Driven by one
``Scheduler`` (default pool of 16 HTTP workers), and, for comparison, by a thread per run.
Each measurement is a fresh process (``_concurrent_child.py``): the time from the first
submission to the last result, and the process's peak RSS. The baseline is one run, measured
the same way. Memory per run is the peak's slope from 1 run to N, each run's result (five
step executions) included.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass

from arazzo_engine.executor._loops import GROWTH

from ._measure import Row, Sample, Section, Target
from ._processes import run_command
from ._report import quantity
from ._simulator import simulator_process

TIME_LIMIT = 1.5
MEMORY_LIMIT = 50 * 1024  # bytes per waiting run
STEPS_PER_RUN = 5


@dataclass(frozen=True)
class Settings:
    repeat: int
    sizes: tuple[int, ...] = (1, 10, 100, 1000)
    threads: tuple[int, ...] = (10, 100, 1000)
    delay: float = 1.0


FULL = Settings(repeat=3)
QUICK = Settings(repeat=1, sizes=(1, 10, 100), threads=(100,))


@dataclass(frozen=True)
class _Found:
    seconds: float
    peak: float
    cpu: float  # CPU seconds of the whole child process (loading and validating included)
    #: Seconds until the last run to wait began its first wait (None: a run never waited).
    first_wave: float | None = None


def _child(mode: str, runs: int, base_url: str, delay: float) -> _Found:
    finished = run_command([sys.executable, "-m", "benchmarks._concurrent_child", mode,
                            str(runs), base_url, str(delay)], rss=True)
    if finished.returncode != 0:
        raise RuntimeError(f"{runs} {mode} runs failed: {finished.stderr[-500:]}")
    found = json.loads(finished.stdout)
    if found["steps"] != runs * STEPS_PER_RUN:
        raise RuntimeError(f"{runs} {mode} runs made {found['steps']} step executions, "
                           f"expected {runs * STEPS_PER_RUN}")
    return _Found(float(found["seconds"]), float(finished.peak_rss), finished.cpu_seconds,
                  found.get("first_wave"))


def _floor(client: str, runs: int, base_url: str, delay: float) -> tuple[float, float]:
    """Seconds for the hand-written runs, and their first wave."""
    finished = run_command([sys.executable, "-m", "benchmarks._concurrent_floor", client,
                            str(runs), base_url, str(delay)])
    if finished.returncode != 0:
        raise RuntimeError(f"{runs} hand-written {client} runs failed: "
                           f"{finished.stderr[-500:]}")
    found = json.loads(finished.stdout)
    if found["runs"] != runs or found["polls"] != runs * POLLS_PER_RUN:
        raise RuntimeError(f"{runs} hand-written {client} runs made {found['polls']} polls, "
                           f"expected {runs * POLLS_PER_RUN}")
    return float(found["seconds"]), float(found["first_wave"])


FLOOR_CLIENTS = ("requests", "http.client")
POLLS_PER_RUN = 3


def concurrent(settings: Settings) -> Section:
    section = Section("concurrent", f"Concurrent runs in one process: the reference workflow "
                                    f"against the simulator, --loop-delay {settings.delay:g}")
    most = max(settings.sizes)
    measured: dict[tuple[str, int], list[_Found]] = {}
    with simulator_process("success", jobs=max(most, *settings.threads)) as base_url:
        plan = [("scheduler", n) for n in settings.sizes] + [("threads", n)
                                                             for n in settings.threads]
        floors: dict[tuple[str, int], list[float]] = {}
        floor_waves: dict[str, list[float]] = {}
        for _ in range(settings.repeat):
            for mode, runs in plan:
                measured.setdefault((mode, runs), []).append(
                    _child(mode, runs, base_url, settings.delay))
            for client in FLOOR_CLIENTS:
                for runs in (1, most):
                    seconds, wave = _floor(client, runs, base_url, settings.delay)
                    floors.setdefault((client, runs), []).append(seconds)
                    if runs == most:
                        floor_waves.setdefault(client, []).append(wave)
    one = measured[("scheduler", 1)]
    one_time, one_peak = Sample.of([f.seconds for f in one]), Sample.of([f.peak for f in one])
    for mode, runs in [(m, n) for m, n in measured if (m, n) != ("scheduler", 1)]:
        found = measured[(mode, runs)]
        label = "Scheduler" if mode == "scheduler" else "a thread per run"
        section.rows.append(Row(f"{runs:,} runs, {label}: time",
                                Sample.of([f.seconds for f in found]), "1 run", one_time))
    for client in FLOOR_CLIENTS:
        section.rows.append(Row(f"{most:,} runs, by hand on {client}: time",
                                Sample.of(floors[(client, most)]), f"1 run by hand ({client})",
                                Sample.of(floors[(client, 1)])))
    for runs in settings.sizes[1:]:
        peak = Sample.of([f.peak for f in measured[("scheduler", runs)]])
        section.rows.append(Row(f"{runs:,} runs, Scheduler: peak RSS", peak, "1 run", one_peak,
                                unit="B"))
    if most > 1:
        peak = Sample.of([f.peak for f in measured[("scheduler", most)]])
        per_run = (peak.median - one_peak.median) / (most - 1)
        section.derived.append((f"memory per run at {most:,} runs (peak RSS slope from 1 run)",
                                quantity(per_run, "B")))
        waits = (settings.delay, settings.delay * GROWTH)
        section.derived.append(("one run alone", f"{quantity(one_time.median, 's')} (waits of "
                                                 f"{waits[0]:g} s and {waits[1]:g} s, five "
                                                 "exchanges)"))
        ratio = Sample.of([f.seconds for f in measured[("scheduler", most)]]).median
        cpu = Sample.of([f.cpu for f in measured[("scheduler", most)]]).median
        one_cpu = Sample.of([f.cpu for f in one]).median
        exchanges = (most - 1) * STEPS_PER_RUN
        per_exchange = (cpu - one_cpu) / exchanges
        budget = TIME_LIMIT * one_time.median
        section.derived.append((
            f"CPU of the client at {most:,} runs",
            f"{quantity(cpu, 's')} ({quantity(one_cpu, 's')} for one run), "
            f"{quantity(per_exchange, 's')} per exchange of the {most * STEPS_PER_RUN:,}: the "
            f"{TIME_LIMIT:g}x budget is {quantity(budget, 's')} in all, of which "
            f"{quantity(sum(waits), 's')} are the waits; one interpreter lock runs the "
            f"client's Python on one core, and the simulator answers on the other"))
        waves = [f.first_wave for f in measured[("scheduler", most)] if f.first_wave is not None]
        if waves:
            hand = ", ".join(f"by hand on {client} "
                             f"{quantity(Sample.of(floor_waves[client]).median, 's')}"
                             for client in FLOOR_CLIENTS)
            section.derived.append((
                f"first wave at {most:,} runs",
                f"{quantity(Sample.of(waves).median, 's')} until the last run began its first "
                f"wait (every run's trigger and first poll done; {hand}): that run cannot "
                f"end before this plus its waits, so the {TIME_LIMIT:g}x budget leaves "
                f"{quantity(budget - sum(waits), 's')} for the first wave and that run's "
                "last three exchanges"))
        section.targets.append(Target(f"{most:,} concurrent runs / 1 run, time",
                                      ratio / one_time.median, TIME_LIMIT))
        section.targets.append(Target(f"memory per waiting run at {most:,} runs / 50 KB",
                                      per_run / MEMORY_LIMIT, 1.0))
        for client in FLOOR_CLIENTS:
            floor = Sample.of(floors[(client, most)]).median / Sample.of(
                floors[(client, 1)]).median
            section.targets.append(Target(
                f"{most:,} runs by hand on {client} / 1 run of it, time (a floor)", floor,
                None))
    return section

"""Target 1: the cost of one poll, from the CLI and from the Python API, against bare loops.

The reference workflow (1 POST, N GETs of the run, 1 GET of its artifacts) runs against the
answer-at-once server (``_pollserver.py``) with ``--loop-delay 0``, at N = 100 and N = 1,000.
The cost of one poll is the slope between the two: ``(t(1000) - t(100)) / 900``, which cancels
what every run pays once (process start, imports, loading and validating the document, the
trigger and the artifacts). The floors make the same requests by hand: a ``requests.Session``
loop (what a user writes) and an ``http.client`` loop (the lower floor). Each keeps its
defaults, the engine too (``arazzo run`` as a user types it, its run store included; JSON
output so every step execution is printed).

From the CLI each measurement is a whole process (``arazzo run`` against ``python
benchmarks/_loops.py``); from the API, calls in one process. Sizes alternate within each round,
and each round gives one slope per subject; the median slope is the figure.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import arazzo_engine

from . import _loops
from ._measure import Row, Sample, Section, Target, timed_cpu_once
from ._paths import DBT_WORKFLOW
from ._processes import Finished, arazzo_command, poll_server, run_command
from ._report import quantity

LOOPS_SCRIPT = Path(_loops.__file__)


@dataclass(frozen=True)
class Settings:
    repeat: int
    low: int = 100
    high: int = 1000


FULL = Settings(repeat=7)
QUICK = Settings(repeat=2, low=50, high=300)


def inputs(polls: int) -> dict[str, Any]:
    """The reference workflow's inputs for a run that takes ``polls`` GETs to succeed."""
    return {"accountId": _loops.ACCOUNT_ID, "jobId": polls, "token": _loops.TOKEN}


def cli_argv(base_url: str, polls: int, *extra: str) -> list[str]:
    argv = [*arazzo_command(), "run", str(DBT_WORKFLOW), "--server", f"dbtAdminApi={base_url}",
            "--loop-delay", "0", "--max-steps", str(polls + 10), "--format", "json"]
    for name, value in inputs(polls).items():
        argv += ["--input", f"{name}={value}"]
    return argv + list(extra)


def check_cli_run(finished: Finished, polls: int) -> dict[str, Any]:
    """The JSON result of a CLI run, after checking it succeeded with every step listed."""
    if finished.returncode != 0:
        raise RuntimeError(f"arazzo run exited {finished.returncode}: {finished.stderr[-500:]}")
    result: dict[str, Any] = json.loads(finished.stdout)
    if result.get("outcome") != "succeeded" or len(result.get("steps", [])) != polls + 2:
        raise RuntimeError(f"arazzo run: outcome {result.get('outcome')!r} with "
                           f"{len(result.get('steps', []))} step executions, expected {polls + 2}")
    return result


#: One measurement: (wall seconds, CPU seconds of the client).
Timing = tuple[float, float]
Subject = Callable[[str, int], Timing]


def _cli(base_url: str, polls: int) -> Timing:
    finished = run_command(cli_argv(base_url, polls))
    check_cli_run(finished, polls)
    return finished.seconds, finished.cpu_seconds


def _loop_process(kind: str) -> Subject:
    def timed(base_url: str, polls: int) -> Timing:
        finished = run_command([sys.executable, str(LOOPS_SCRIPT), kind, base_url, str(polls)])
        if finished.returncode != 0:
            raise RuntimeError(f"the {kind} loop failed: {finished.stderr[-500:]}")
        return finished.seconds, finished.cpu_seconds
    return timed


def _api(document: arazzo_engine.ArazzoDocument, store: Path | None = None) -> Subject:
    def timed(base_url: str, polls: int) -> Timing:
        options = arazzo_engine.RunOptions(servers={"dbtAdminApi": base_url}, loop_delay=0,
                                           max_steps=polls + 10, state=store)
        result: list[arazzo_engine.RunResult] = []
        seconds = timed_cpu_once(lambda: result.append(document.run(inputs=inputs(polls),
                                                                   options=options)))
        if not result[0].succeeded or len(result[0].steps) != polls + 2:
            raise RuntimeError(f"the API run failed: {result[0].error}")
        return seconds
    return timed


def _in_process(kind: str) -> Subject:
    loop = _loops.LOOPS[kind]

    def timed(base_url: str, polls: int) -> Timing:
        made: list[int] = []
        seconds = timed_cpu_once(lambda: made.append(loop(base_url, polls)))
        if made[0] != polls:
            raise RuntimeError(f"the {kind} loop polled {made[0]} times, not {polls}")
        return seconds
    return timed


@dataclass(frozen=True)
class Slopes:
    """Per-poll cost (one slope per round, wall and CPU) and whole-run times at the larger
    size."""

    per_poll: Sample
    per_poll_cpu: Sample
    whole: Sample


def measure_slopes(subjects: dict[str, Subject], base_url: str,
                   settings: Settings) -> dict[str, Slopes]:
    for subject in subjects.values():  # warm-up: caches, connection set-up, page cache
        subject(base_url, settings.low)
    low: dict[str, list[Timing]] = {name: [] for name in subjects}
    high: dict[str, list[Timing]] = {name: [] for name in subjects}
    for _ in range(settings.repeat):
        for name, subject in subjects.items():
            low[name].append(subject(base_url, settings.low))
            high[name].append(subject(base_url, settings.high))
    span = settings.high - settings.low

    def slopes(name: str, part: int) -> Sample:
        return Sample.of([(h[part] - lo[part]) / span
                          for h, lo in zip(high[name], low[name], strict=True)])

    return {name: Slopes(slopes(name, 0), slopes(name, 1),
                         Sample.of([h[0] for h in high[name]])) for name in subjects}


def _report(section: Section, label: str, found: dict[str, Slopes], engine: str,
            settings: Settings, where: str) -> None:
    floor, lower = found["requests"], found["http.client"]
    subject = found[engine]
    for kind, ours, theirs, other in (
            ("wall", subject.per_poll, floor.per_poll, lower.per_poll),
            ("CPU", subject.per_poll_cpu, floor.per_poll_cpu, lower.per_poll_cpu)):
        section.rows.append(Row(f"{label}: per poll ({kind})", ours,
                                f"requests.Session loop ({where})", theirs))
        section.rows.append(Row(f"{label}: per poll ({kind})", ours,
                                f"http.client loop ({where})", other))
        section.targets.append(Target(f"per poll ({kind}), {label} / requests.Session loop",
                                      ours.median / theirs.median, 1.0))
        section.targets.append(Target(f"per poll ({kind}), {label} / http.client loop",
                                      ours.median / other.median, None))
    section.rows.append(Row(f"{label}: whole run, {settings.high:,} polls", subject.whole,
                            f"requests.Session loop ({where})", floor.whole))
    section.derived.append((f"{label}: cost of one poll, wall (CPU)",
                            f"{quantity(subject.per_poll.median, 's')} "
                            f"({quantity(subject.per_poll_cpu.median, 's')}); requests loop "
                            f"{quantity(floor.per_poll.median, 's')} "
                            f"({quantity(floor.per_poll_cpu.median, 's')}), http.client loop "
                            f"{quantity(lower.per_poll.median, 's')} "
                            f"({quantity(lower.per_poll_cpu.median, 's')})"))


def _breakdown(section: Section, calls: dict[str, Slopes]) -> None:
    """Where one poll's CPU time goes, from the in-process slopes measured side by side: the
    engine's HTTP layer alone, the machine around it, the run store the CLI adds."""
    floor = calls["requests"].per_poll_cpu
    transport, api = calls["engine transport"].per_poll_cpu, calls["api"].per_poll_cpu
    stored = calls["api, store on"].per_poll_cpu
    section.rows.append(Row("engine transport alone (RequestsTransport.send): per poll (CPU)",
                            transport, "requests.Session loop (in process)", floor))
    section.rows.append(Row("load(path).run(...) with the run store on: per poll (CPU)", stored,
                            "requests.Session loop (in process)", floor))
    parts = (("HTTP (the engine's transport)", transport.median),
             ("the machine (expressions, criteria, records, masking, history)",
              api.median - transport.median),
             ("the run store's checkpoint (as the CLI records)", stored.median - api.median))
    section.derived.append(("CPU of one poll with the run store on, made of", "; ".join(
        f"{name} {quantity(value, 's')}" for name, value in parts)
        + " (each part a difference of two medians: the instruction counts split it better)"))
    section.targets.append(Target("per poll (CPU), Python API with the run store on / "
                                  "requests.Session loop", stored.median / floor.median, 1.0))


def per_step(settings: Settings) -> Section:
    title = (f"Per-poll cost: the reference workflow at {settings.low:,} and "
             f"{settings.high:,} polls, --loop-delay 0")
    section = Section("perstep", title)
    document = arazzo_engine.load(DBT_WORKFLOW)
    with poll_server() as base_url:
        processes = measure_slopes({
            "cli": _cli,
            "requests": _loop_process("requests"),
            "http.client": _loop_process("http.client"),
        }, base_url, settings)
        with tempfile.TemporaryDirectory(prefix="arazzo-bench-") as scratch:
            calls = measure_slopes({
                "api": _api(document),
                "api, store on": _api(document, Path(scratch) / "runs.db"),
                "engine transport": _in_process("engine transport"),
                "requests": _in_process("requests"),
                "http.client": _in_process("http.client"),
            }, base_url, settings)
    _report(section, "arazzo run (CLI, whole process)", processes, "cli", settings,
            "whole process")
    _report(section, "load(path).run(...) (Python API)", calls, "api", settings, "in process")
    _breakdown(section, calls)
    return section


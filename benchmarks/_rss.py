"""Target 3: peak RSS of a long CLI run against a short one: memory flat in the number of polls.

``arazzo run --format json`` of the reference workflow at 10,000 and at 100 polls against the
answer-at-once server; peak RSS of each whole process, read by GNU ``time``. The JSON output
must still list every step execution (checked). The same two sizes of the ``requests.Session``
loop show what a hand-written loop's memory does.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from ._measure import Row, Sample, Section, Target
from ._perstep import LOOPS_SCRIPT, check_cli_run, cli_argv
from ._processes import poll_server, run_command
from ._report import quantity


@dataclass(frozen=True)
class Settings:
    repeat: int
    long: int = 10_000
    short: int = 100


FULL = Settings(repeat=3)
QUICK = Settings(repeat=1, long=2_000)

LIMIT = 1.2


def _cli_peak(base_url: str, polls: int) -> float:
    finished = run_command(cli_argv(base_url, polls), rss=True)
    check_cli_run(finished, polls)
    return float(finished.peak_rss)


def _loop_peak(base_url: str, polls: int) -> float:
    finished = run_command([sys.executable, str(LOOPS_SCRIPT), "requests", base_url,
                            str(polls)], rss=True)
    if finished.returncode != 0:
        raise RuntimeError(f"the requests loop failed: {finished.stderr[-300:]}")
    return float(finished.peak_rss)


def peak_rss(settings: Settings) -> Section:
    long, short = settings.long, settings.short
    section = Section("rss", f"Peak RSS: {long:,}-poll vs {short:,}-poll CLI run")
    peaks: dict[tuple[str, int], list[float]] = {}
    with poll_server() as base_url:
        for _ in range(settings.repeat):
            for polls in (short, long):
                peaks.setdefault(("cli", polls), []).append(_cli_peak(base_url, polls))
                peaks.setdefault(("loop", polls), []).append(_loop_peak(base_url, polls))
    samples = {key: Sample.of(found) for key, found in peaks.items()}
    cli_long, cli_short = samples[("cli", long)], samples[("cli", short)]
    section.rows.append(Row(f"arazzo run --format json, {long:,} polls", cli_long,
                            f"arazzo run, {short:,} polls", cli_short, unit="B"))
    section.rows.append(Row(f"requests.Session loop, {long:,} polls", samples[("loop", long)],
                            f"requests.Session loop, {short:,} polls", samples[("loop", short)],
                            unit="B"))
    section.rows.append(Row(f"arazzo run --format json, {short:,} polls", cli_short,
                            f"requests.Session loop, {short:,} polls", samples[("loop", short)],
                            unit="B"))
    growth = (cli_long.median - cli_short.median) / (long - short)
    section.derived.append(("growth of the CLI's peak per poll", quantity(growth, "B")))
    section.targets.append(Target(f"peak RSS, {long:,} / {short:,} polls (CLI)",
                                  cli_long.median / cli_short.median, LIMIT))
    return section

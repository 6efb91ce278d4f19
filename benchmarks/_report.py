"""Results as Markdown: the same tables on the console and in docs/benchmarks.md.

The layout is fixed (section order, columns, number formats), so two runs differ only in their
numbers and a rewritten docs/benchmarks.md diffs cleanly.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Iterable
from dataclasses import dataclass

from arazzo_engine import __version__

from ._measure import Row, Sample, Section, Target

_TIME_UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))
_BYTE_UNITS = ((1024.0**2, "MiB"), (1024.0, "KiB"), (1.0, "B"))


@dataclass(frozen=True)
class Machine:
    """What the numbers were measured on; no host names or paths."""

    python: str
    implementation: str
    cores: int
    system: str
    engine_version: str
    #: The 1-minute load average when the run started and when it ended (other work on the
    #: machine): wall-clock figures are only as good as the machine was quiet.
    load: tuple[float, float] | None = None

    @classmethod
    def current(cls, load_at_start: float | None = None) -> Machine:
        load = None
        if load_at_start is not None and hasattr(os, "getloadavg"):
            load = (load_at_start, os.getloadavg()[0])
        return cls(python=platform.python_version(),
                   implementation=platform.python_implementation(),
                   cores=os.cpu_count() or 1,
                   system=f"{platform.system()} {platform.machine()}",
                   engine_version=__version__, load=load)


def load_now() -> float | None:
    """The 1-minute load average, where the system tells it."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


_COUNT_UNITS = ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""))


def quantity(value: float, unit: str) -> str:
    """``unit``: "s" (seconds), "B" (bytes) or "i" (a count: instructions)."""
    scales = {"B": _BYTE_UNITS, "i": _COUNT_UNITS}.get(unit, _TIME_UNITS)
    for scale, name in scales:
        if abs(value) >= scale:
            return f"{value / scale:.3g} {name}"
    scale, name = scales[-1]
    return f"{value / scale:.3g} {name}"


def ratio(value: float) -> str:
    digits = 2 if value < 10 else 1 if value < 100 else 0
    return f"{value:.{digits}f}x"


def _spread(sample: Sample, unit: str) -> str:
    if sample.count == 1:
        return "(1 run)"
    return f"{quantity(sample.low, unit)} to {quantity(sample.high, unit)}"


def _row(row: Row) -> str:
    cells = (row.name, quantity(row.subject.median, row.unit), _spread(row.subject, row.unit),
             row.baseline_name, quantity(row.baseline.median, row.unit),
             f"**{ratio(row.ratio)}**")
    return "| " + " | ".join(cells) + " |"


def section_markdown(section: Section) -> list[str]:
    lines = [f"### {section.title}", ""]
    if section.rows:
        lines += ["| measured | median | spread (min to max) | baseline | baseline median "
                  "| ratio |", "|---|---:|---:|---|---:|---:|"]
        lines.extend(_row(row) for row in section.rows)
    if section.derived:
        lines.append("")
        lines.extend(f"- {label}: {value}" for label, value in section.derived)
    lines.append("")
    return lines


def results_markdown(sections: Iterable[Section], machine: Machine, *, mode: str) -> str:
    lines = [
        f"Measured with `{mode}` on {machine.implementation} "
        f"{machine.python}, {machine.cores} cores, {machine.system}; arazzo-engine "
        f"{machine.engine_version}. Ratios are subject / baseline of the medians; the spread "
        "is the fastest and slowest repetition."
        + (f" Load average (1 min) {machine.load[0]:.1f} at the start, {machine.load[1]:.1f} "
           f"at the end, on {machine.cores} cores: wall-clock figures carry that load; CPU "
           "times, instruction counts and memory barely move with it."
           if machine.load is not None else ""),
        "",
    ]
    sections = list(sections)
    lines.extend(targets_markdown(sections))
    for section in sections:
        lines.extend(section_markdown(section))
    return "\n".join(lines).rstrip() + "\n"


def _target_value(target: Target) -> str:
    return ratio(target.value) if target.unit == "x" else f"{target.value:.2f}"


def targets_markdown(sections: list[Section]) -> list[str]:
    """One table of every target the run checked, first, so a reader sees the verdicts."""
    targets = [target for section in sections for target in section.targets]
    if not targets:
        return []
    lines = ["### Targets", "", "| target | measured | at most | holds |", "|---|---:|---:|---|"]
    for target in targets:
        if target.limit is None:
            limit, verdict = "(no limit)", "shown"
        else:
            limit = ratio(target.limit) if target.unit == "x" else f"{target.limit:.2f}"
            verdict = "yes" if target.holds else "**no**"
        lines.append(f"| {target.name} | **{_target_value(target)}** | {limit} | {verdict} |")
    lines.append("")
    return lines


RESULTS_MARKER = "<!-- written by `python -m benchmarks.run --write`; do not edit below -->"


def document(results: str, current: str) -> str:
    """docs/benchmarks.md with its results replaced: the prose above ``## Results`` is kept
    as ``current`` (the file as it is) has it, so the explanation has one home, the file."""
    prose = current.split("\n## Results\n", 1)[0].rstrip()
    return f"{prose}\n\n## Results\n\n{RESULTS_MARKER}\n\n{results}"

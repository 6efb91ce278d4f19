"""Per-poll cost in instructions (valgrind's callgrind): the figure a loaded machine cannot bend.

Wall-clock per-poll figures move with whatever else the machine runs (two cores, several test
suites); an instruction count of the same program on the same input does not. The client
process runs under ``valgrind --tool=callgrind`` (the server outside it, in its own process),
at two sizes, and the slope is the instructions one poll costs: ``arazzo run`` as a user types
it (the run store on, in the benchmark's scratch store; JSON output), the engine through the
Python API, the ``requests.Session`` loop and the ``http.client`` loop. Instructions are not time
(a cache miss or a thread hand-off costs time and few instructions), so this complements the
per-poll benchmark; it does not replace it.
"""

from __future__ import annotations

import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from ._measure import Row, Sample, Section, Target
from ._perstep import check_cli_run, cli_argv
from ._processes import poll_server, run_command

_CLIENT = Path(__file__).with_name("_instructions_child.py")
_COLLECTED = re.compile(r"Collected : (\d+)")


KINDS = ("cli", "engine", "requests", "http.client")


@dataclass(frozen=True)
class Settings:
    low: int = 50
    high: int = 250
    kinds: tuple[str, ...] = KINDS  # the smoke test counts one client only: valgrind is slow


FULL = Settings()
QUICK = Settings(low=20, high=60)


def _instructions(kind: str, base_url: str, polls: int) -> int:
    if kind == "cli":  # the console script is a Python file: run it under this interpreter
        client = [sys.executable, "-m", "arazzo_engine", *cli_argv(base_url, polls)[1:]]
    else:
        client = [sys.executable, str(_CLIENT), kind, base_url, str(polls)]
    finished = run_command(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                            *client], timeout=1800)
    found = _COLLECTED.search(finished.stderr)
    if kind == "cli" and found is not None:
        check_cli_run(finished, polls)
    elif finished.returncode != 0 or found is None:
        raise RuntimeError(f"callgrind of the {kind} client failed: {finished.stderr[-500:]}")
    if found is None:
        raise RuntimeError(f"callgrind of the {kind} client failed: {finished.stderr[-500:]}")
    return int(found.group(1))


def instructions(settings: Settings) -> Section:
    section = Section("instructions", f"Instructions per poll (callgrind, {settings.low} and "
                                      f"{settings.high} polls, CLI and Python API)")
    if shutil.which("valgrind") is None:
        section.derived.append(("instructions", "not measured: valgrind is not installed "
                                                "(apt-get install valgrind)"))
        return section
    span = settings.high - settings.low
    per_poll: dict[str, float] = {}
    with poll_server() as base_url:
        for kind in settings.kinds:
            low = _instructions(kind, base_url, settings.low)
            high = _instructions(kind, base_url, settings.high)
            per_poll[kind] = (high - low) / span
    if set(per_poll) != set(KINDS):
        section.derived.append(("instructions per poll", ", ".join(
            f"{kind} {per_poll[kind] / 1e6:.2f} M" for kind in per_poll)))
        return section
    floors = (("requests", "requests.Session loop"), ("http.client", "http.client loop"))
    for kind, label in (("cli", "arazzo run (CLI, run store on)"),
                        ("engine", "load(path).run(...) (Python API)")):
        for floor, name in floors:
            section.rows.append(Row(f"{label}: instructions per poll",
                                    Sample.of([per_poll[kind]]), name,
                                    Sample.of([per_poll[floor]]), unit="i"))
        section.targets.append(Target(f"instructions per poll, {label} / requests.Session loop",
                                      per_poll[kind] / per_poll["requests"], 1.0))
    section.derived.append(("instructions per poll", ", ".join(
        f"{kind} {per_poll[kind] / 1e6:.2f} M" for kind in per_poll)))
    return section

"""Target 2: start-up of the CLI against ``python -c "import requests"``.

A user pays start-up on every ``arazzo`` command; the floor is what any Python tool built on
``requests`` pays before doing anything: the interpreter and one import. Whole processes,
alternated, from the repository root, on a warm page cache (warm-up runs first).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from ._measure import Row, Sample, Section, Target
from ._paths import DBT_WORKFLOW, REPOSITORY
from ._processes import arazzo_command, run_command


@dataclass(frozen=True)
class Settings:
    repeat: int
    warmup: int = 2


FULL = Settings(repeat=21)
QUICK = Settings(repeat=5, warmup=1)

LIMIT = 2.0


def commands() -> dict[str, list[str]]:
    workflow = str(DBT_WORKFLOW.relative_to(REPOSITORY))
    return {
        "version": [*arazzo_command(), "--version"],
        "validate": [*arazzo_command(), "validate", workflow],
        "requests": [sys.executable, "-c", "import requests"],
        "python": [sys.executable, "-c", "pass"],
    }


def _timed(argv: list[str]) -> tuple[float, float]:
    finished = run_command(argv)
    if finished.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[-2:])} exited {finished.returncode}: "
                           f"{finished.stderr[-300:]}")
    return finished.seconds, finished.cpu_seconds


def startup(settings: Settings) -> Section:
    section = Section("startup", 'Start-up: whole commands against python -c "import requests"')
    found = commands()
    for argv in found.values():
        for _ in range(settings.warmup):
            _timed(argv)
    values: dict[str, list[tuple[float, float]]] = {name: [] for name in found}
    for _ in range(settings.repeat):
        for name, argv in found.items():
            values[name].append(_timed(argv))
    baseline = 'python -c "import requests"'
    for part, kind in ((0, "wall"), (1, "CPU")):
        samples = {name: Sample.of([v[part] for v in times]) for name, times in values.items()}
        floor = samples["requests"]
        section.rows.append(Row(f"arazzo --version ({kind})", samples["version"], baseline,
                                floor))
        section.rows.append(Row(f"arazzo validate, dbt reference workflow ({kind})",
                                samples["validate"], baseline, floor))
        section.rows.append(Row(f'python -c "pass", the interpreter alone ({kind})',
                                samples["python"], baseline, floor))
        section.targets.append(Target(f"start-up ({kind}), arazzo --version / import requests",
                                      samples["version"].median / floor.median, LIMIT))
        section.targets.append(Target(f"start-up ({kind}), arazzo validate (reference) / "
                                      "import requests",
                                      samples["validate"].median / floor.median, LIMIT))
    return section

"""Target 4: big OpenAPI descriptions: time and peak memory as they grow, and a real 2.3 MB one.

Generated descriptions of 500 to 5,000 operations (two per path, a shared ``$ref`` schema),
each with an Arazzo document whose steps call every operationId once (workflows of ten steps,
outputs passed along, criteria, retries): ``load(path).validate()`` resolves every one. Then
the real Datadog description in ``../shared/realworld-arazzo/`` (2.3 MB, 400+ operations):
a real workflow of the corpus as it is, and a generated one calling every operationId it has.

Every measurement is a fresh process (``_describe_child.py``), so each size has a clean heap
and its own peak RSS; the time is measured inside the child, imports excluded. The baseline
is ``yaml.safe_load`` of the same files in a process of its own (and libyaml's
``CSafeLoader`` where installed, for reference). The growth exponent is the slope of
log(time) on log(operations), least squares over the sizes: 1.0 is linear.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import _scale
from ._measure import Row, Sample, Section, Target
from ._paths import REPOSITORY
from ._processes import run_command

SHARED = REPOSITORY.parent / "shared" / "realworld-arazzo" / "corpus"
DATADOG = SHARED / "api-evangelist__datadog"


@dataclass(frozen=True)
class RealDescription:
    """A description of the real-world corpus and one workflow of the corpus that uses it."""

    label: str
    root: Path  # the corpus repository's folder: sources stay inside it
    workflow: Path
    openapi: Path


DATADOG_API = RealDescription(
    "Datadog", DATADOG, DATADOG / "arazzo" / "datadog-create-incident-workflow.yml",
    DATADOG / "openapi" / "datadog-api-openapi.yml")
#: A small description of the same corpus: the smoke test runs the real-description path on it.
DATADOG_INCIDENTS = RealDescription(
    "Datadog incidents", DATADOG, DATADOG / "arazzo" / "datadog-resolve-incident-workflow.yml",
    DATADOG / "openapi" / "datadog-incidents-openapi.yml")

LIMIT = 1.1
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@dataclass(frozen=True)
class Settings:
    repeat: int
    sizes: tuple[int, ...] = (500, 1000, 2000, 5000)
    real: RealDescription | None = DATADOG_API


FULL = Settings(repeat=3)
QUICK = Settings(repeat=1, sizes=(200, 400, 800), real=None)


@dataclass(frozen=True)
class Measured:
    seconds: Sample
    peak: Sample
    found: dict[str, Any]


def _child(*argv: str) -> tuple[float, float, dict[str, Any]]:
    finished = run_command([sys.executable, "-m", "benchmarks._describe_child", *argv], rss=True)
    if finished.returncode != 0:
        raise RuntimeError(f"_describe_child {argv[0]} failed: {finished.stderr[-500:]}")
    found = json.loads(finished.stdout)
    return float(found["seconds"]), float(finished.peak_rss), found


def _measure(repeat: int, *argv: str) -> Measured:
    seconds: list[float] = []
    peaks: list[float] = []
    found: dict[str, Any] = {}
    for _ in range(repeat):
        took, peak, found = _child(*argv)
        seconds.append(took)
        peaks.append(peak)
    return Measured(Sample.of(seconds), Sample.of(peaks), found)


def fitted_exponent(sizes: list[float], values: list[float]) -> float:
    """Least-squares slope of log(value) on log(size)."""
    xs, ys = [math.log(s) for s in sizes], [math.log(v) for v in values]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def _write_generated(folder: Path, operations: int) -> tuple[Path, Path]:
    settings = _scale.Settings(repeat=1, workflows=max(1, operations // 10), steps=10,
                               operations=operations)
    return _scale.write_documents(folder, settings)


def every_operation_workflow(openapi: Path, folder: Path) -> tuple[Path, int]:
    """An Arazzo document beside ``folder`` with one step per operationId of ``openapi``."""
    data = yaml.load(openapi.read_text(encoding="utf-8"), Loader=getattr(
        yaml, "CSafeLoader", yaml.SafeLoader))
    ids = [operation["operationId"]
           for item in (data.get("paths") or {}).values() if isinstance(item, dict)
           for method, operation in item.items()
           if method in _METHODS and isinstance(operation, dict)
           and isinstance(operation.get("operationId"), str)]
    url = Path(os.path.relpath(openapi, folder)).as_posix()
    document = {
        "arazzo": "1.0.1",
        "info": {"title": "Every operation", "version": "1.0.0"},
        "sourceDescriptions": [{"name": "api", "url": url, "type": "openapi"}],
        "workflows": [{
            "workflowId": f"chunk{start // 10}",
            "steps": [{"stepId": f"s{index}", "operationId": op,
                       "successCriteria": [{"condition": "$statusCode < 400"}]}
                      for index, op in enumerate(ids[start:start + 10])],
        } for start in range(0, len(ids), 10)],
    }
    path = folder / "every-operation.arazzo.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path, len(ids)


def _size(*paths: Path) -> str:
    return f"{sum(p.stat().st_size for p in paths) / 1e6:.2f} MB"


def descriptions(settings: Settings) -> Section:
    section = Section("descriptions", "Big descriptions: validate and resolve every operationId")
    times: list[float] = []
    peaks: list[float] = []
    with tempfile.TemporaryDirectory(prefix="arazzo-bench-") as scratch:
        for operations in settings.sizes:
            folder = Path(scratch) / str(operations)
            folder.mkdir()
            arazzo, openapi = _write_generated(folder, operations)
            engine = _measure(settings.repeat, "validate", str(folder), str(arazzo))
            if engine.found["errors"]:
                raise RuntimeError(f"the generated {operations}-operation document has errors: "
                                   f"{engine.found['first']}")
            plain = _measure(settings.repeat, "yaml", str(arazzo), str(openapi))
            times.append(engine.seconds.median)
            peaks.append(engine.peak.median)
            label = f"{operations:,} operations ({_size(arazzo, openapi)})"
            section.rows.append(Row(f"{label}: load + validate, time", engine.seconds,
                                    "yaml.safe_load of both files", plain.seconds))
            section.rows.append(Row(f"{label}: peak RSS", engine.peak,
                                    "yaml.safe_load process", plain.peak, unit="B"))
        if len(settings.sizes) >= 2:
            exponent = fitted_exponent([float(s) for s in settings.sizes], times)
            section.derived.append(("fitted growth exponent of validation time",
                                    f"{exponent:.2f} over {', '.join(map(str, settings.sizes))}"
                                    " operations"))
            section.targets.append(Target("growth exponent, validate time vs operations",
                                          exponent, LIMIT, unit=""))
            memory = fitted_exponent([float(s) for s in settings.sizes], peaks)
            section.derived.append(("fitted growth exponent of peak RSS (whole process, the "
                                    "interpreter and imports included)", f"{memory:.2f}"))
            section.targets.append(Target("growth exponent, peak RSS vs operations",
                                          memory, LIMIT, unit=""))
        if settings.real is not None:
            _real(section, settings.real, settings.repeat, Path(scratch))
    return section


def _real(section: Section, real: RealDescription, repeat: int, scratch: Path) -> None:
    if not real.openapi.exists():
        section.derived.append((real.label, f"not measured: {real.openapi.name} is not in "
                                            "../shared/realworld-arazzo/"))
        return
    found = _measure(repeat, "validate", str(real.root), str(real.workflow))
    plain = _measure(repeat, "yaml", str(real.workflow), str(real.openapi))
    name = f"{real.label} ({_size(real.openapi)})"
    section.rows.append(Row(f"{name}: a real workflow, time", found.seconds,
                            "yaml.safe_load of both files", plain.seconds))
    section.rows.append(Row(f"{name}: a real workflow, peak RSS", found.peak,
                            "yaml.safe_load process", plain.peak, unit="B"))
    every, count = every_operation_workflow(real.openapi, scratch)
    engine = _measure(repeat, "validate", _common_root(every, real.openapi), str(every))
    section.rows.append(Row(f"{real.label}: every one of its {count} operationIds, time",
                            engine.seconds, "yaml.safe_load of both files", plain.seconds))
    section.rows.append(Row(f"{real.label}: every one of its {count} operationIds, peak RSS",
                            engine.peak, "yaml.safe_load process", plain.peak, unit="B"))
    fast = _measure(repeat, "cyaml", str(real.openapi))
    if fast.found.get("c_loader"):
        section.rows.append(Row(f"{real.label}: libyaml CSafeLoader of the description "
                                "(reference)", fast.seconds, "yaml.safe_load of both files",
                                plain.seconds))
    section.derived.append((f"{real.label}, every operationId",
                            f"{engine.found['diagnostics']} diagnostics (the generated steps "
                            "carry no parameters: required-parameter errors are expected)"))


def _common_root(*paths: Path) -> str:
    return os.path.commonpath([str(p.resolve().parent) for p in paths])

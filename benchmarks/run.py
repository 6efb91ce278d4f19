"""Run the benchmarks and print (or, with ``--write``, publish) the ratios to their baselines.

    python -m benchmarks.run [--quick] [--write] [--only KEY ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: python benchmarks/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import (
    _concurrent,
    _descriptions,
    _expressions,
    _instructions,
    _memory,
    _peers,
    _perstep,
    _realworld,
    _rss,
    _scale,
    _startup,
    _temporal,
    _workflow,
)
from benchmarks._measure import Section
from benchmarks._paths import BENCHMARKS_DOC
from benchmarks._report import Machine, document, load_now, results_markdown
from benchmarks._simulator import clear_proxy_environment, scratch_run_store

Benchmark = Callable[[bool], Section]

BENCHMARKS: dict[str, Benchmark] = {
    "perstep": lambda quick: _perstep.per_step(_perstep.QUICK if quick else _perstep.FULL),
    "instructions": lambda quick: _instructions.instructions(
        _instructions.QUICK if quick else _instructions.FULL),
    "startup": lambda quick: _startup.startup(_startup.QUICK if quick else _startup.FULL),
    "rss": lambda quick: _rss.peak_rss(_rss.QUICK if quick else _rss.FULL),
    "descriptions": lambda quick: _descriptions.descriptions(
        _descriptions.QUICK if quick else _descriptions.FULL),
    "concurrent": lambda quick: _concurrent.concurrent(
        _concurrent.QUICK if quick else _concurrent.FULL),
    "peers": lambda quick: _peers.peers(_peers.QUICK if quick else _peers.FULL),
    "run": lambda quick: _workflow.run_overhead(_workflow.QUICK if quick else _workflow.FULL),
    "load": lambda quick: _workflow.load_and_validate(
        _workflow.QUICK if quick else _workflow.FULL),
    "expressions": lambda quick: _expressions.expressions(
        _expressions.QUICK if quick else _expressions.FULL),
    "memory": lambda quick: _memory.memory(_memory.QUICK if quick else _memory.FULL),
    "scale": lambda quick: _scale.validation_at_scale(_scale.QUICK if quick else _scale.FULL),
    "realworld": lambda quick: _realworld.realworld(
        _realworld.QUICK if quick else _realworld.FULL),
    "temporal": lambda quick: _temporal.temporal_runs(
        _temporal.QUICK if quick else _temporal.FULL),
}


def run_benchmarks(keys: Sequence[str], *, quick: bool,
                   progress: Callable[[str], None] = lambda _: None) -> list[Section]:
    """The chosen benchmarks in the fixed order of ``BENCHMARKS``."""
    sections = []
    for key in BENCHMARKS:
        if key in keys:
            started = time.perf_counter()
            sections.append(BENCHMARKS[key](quick))
            progress(f"{key}: {time.perf_counter() - started:.1f} s")
    return sections


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="fewer repetitions and a smaller scale document (about 15 s)")
    parser.add_argument("--write", action="store_true",
                        help=f"rewrite {BENCHMARKS_DOC.relative_to(BENCHMARKS_DOC.parent.parent)}")
    parser.add_argument("--only", action="append", choices=list(BENCHMARKS), metavar="KEY",
                        help=f"run only these ({', '.join(BENCHMARKS)}); repeatable")
    arguments = parser.parse_args(argv)
    if arguments.write and arguments.only:
        parser.error("--write publishes a complete run; drop --only")

    load = load_now()
    clear_proxy_environment()
    scratch_run_store()
    started = time.perf_counter()
    sections = run_benchmarks(arguments.only or list(BENCHMARKS), quick=arguments.quick,
                              progress=lambda line: print(line, file=sys.stderr, flush=True))
    mode = "python -m benchmarks.run" + (" --quick" if arguments.quick else "")
    results = results_markdown(sections, Machine.current(load), mode=mode)
    print(results, end="")
    print(f"total: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    if arguments.write:
        BENCHMARKS_DOC.write_text(
            document(results, BENCHMARKS_DOC.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"wrote {BENCHMARKS_DOC.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

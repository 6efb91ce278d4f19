"""One measurement of the concurrent-runs benchmark, in a fresh process of its own.

    python -m benchmarks._concurrent_child scheduler|threads RUNS BASE_URL LOOP_DELAY

Runs the reference workflow ``RUNS`` times at once against the simulator at ``BASE_URL``,
each on a job of its own: through one ``Scheduler`` (default pool), or with a thread per run
(each ``document.run``, its own session), the way one would without the scheduler. Prints the
seconds from the first submission to the last result (the document is loaded and validated
before), the step executions seen, and the first wave: the seconds until the last run to
wait began its first wait (each run's trigger and first poll done); the parent reads the
process's peak RSS.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import arazzo_engine
from arazzo_engine.executor import RunEvent
from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN

from ._paths import DBT_WORKFLOW


def _inputs(number: int) -> dict[str, Any]:
    return {"accountId": DEMO_ACCOUNT_ID, "jobId": DEMO_JOB_ID + number, "token": DEMO_TOKEN}


def _scheduled(document: arazzo_engine.ArazzoDocument, runs: int,
               options: arazzo_engine.RunOptions,
               waited: list[float]) -> list[arazzo_engine.RunResult]:
    """As ``run_many`` does it, with an observer noting when each run first waits."""
    scheduler = arazzo_engine.Scheduler()
    for number in range(runs):
        scheduler.submit(document, inputs=_inputs(number), options=options,
                         observer=_first_wait(waited))
    return scheduler.run()


def _first_wait(waited: list[float]) -> Callable[[RunEvent], None]:
    noted = False

    def observe(event: RunEvent) -> None:
        nonlocal noted
        if not noted and event.kind == "waiting":
            noted = True
            waited.append(time.perf_counter())

    return observe


def _threaded(document: arazzo_engine.ArazzoDocument, runs: int,
              options: arazzo_engine.RunOptions,
              waited: list[float]) -> list[arazzo_engine.RunResult]:
    results: list[Any] = [None] * runs

    def one(number: int) -> None:
        results[number] = document.run(inputs=_inputs(number), options=options,
                                       observer=_first_wait(waited))

    threads = [threading.Thread(target=one, args=(n,)) for n in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def main(argv: list[str]) -> int:
    mode, runs, base_url, delay = argv[0], int(argv[1]), argv[2], float(argv[3])
    document = arazzo_engine.load(DBT_WORKFLOW)
    if not document.validate().ok:
        print("the reference workflow does not validate", file=sys.stderr)
        return 1
    options = arazzo_engine.RunOptions(servers={"dbtAdminApi": base_url}, loop_delay=delay)
    drive = _scheduled if mode == "scheduler" else _threaded
    waited: list[float] = []
    started = time.perf_counter()
    results = drive(document, runs, options, waited)
    seconds = time.perf_counter() - started
    failed = [r for r in results if r is None or not r.succeeded]
    if failed:
        print(f"{len(failed)} of {runs} runs failed: {getattr(failed[0], 'error', None)}",
              file=sys.stderr)
        return 1
    print(json.dumps({"seconds": seconds, "steps": sum(len(r.steps) for r in results),
                      "first_wave": max(waited) - started if waited else None}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Runs on Temporal: 1,000 concurrent reference runs on the dev server with one worker.

The dev server (``temporal server start-dev`` on a SQLite file) and one ``arazzo worker`` run in
processes of their own; the dbt Cloud simulator in a third. Each run is the reference workflow
(trigger, three polls 1 s apart, artifacts), each on a job of its own. The baseline is one
run alone on the same setup: the ratio says how much longer a thousand take than one. Memory
is the peak resident set of the worker and of the server (``VmHWM``), against the same
processes idle.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from ._measure import Row, Sample, Section
from ._paths import DBT_WORKFLOW, REPOSITORY
from ._simulator import simulator_process
from ._workflow import INPUTS

#: Start requests in flight at once (a thousand at once time out on a 2-core machine).
STARTS_AT_ONCE = 50

DEMO_JOB_ID = INPUTS["jobId"]


@dataclass(frozen=True)
class Settings:
    runs: int
    loop_delay: float = 1.0


FULL = Settings(runs=1000)
QUICK = Settings(runs=100)


def _servers() -> Any:
    """The tests' server helpers (pinned binaries beside the interpreter, free ports)."""
    folder = str(REPOSITORY / "tests" / "temporal")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    import temporal_servers

    return temporal_servers


def _peak_rss(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return float(line.split()[1]) * 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def _current_rss(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return float(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


async def _runs(address: str, queue: str, base_url: str, count: int,
                delay: float) -> tuple[float, list[str]]:
    import arazzo_engine
    from arazzo_engine.executor import RunOptions
    from arazzo_engine.temporal import Temporal, _client

    target = Temporal(address, task_queue=queue)
    options = RunOptions(servers={"dbtAdminApi": base_url}, loop_delay=delay, trust_env=False)
    spec = _client.run_spec(arazzo_engine.load(DBT_WORKFLOW).bundle, None, INPUTS, options)
    client = await _client.connect(target)
    started = time.perf_counter()
    gate = asyncio.Semaphore(STARTS_AT_ONCE)

    async def start(i: int) -> Any:
        async with gate:  # a job per run: dbt Cloud queues the runs of one job
            return await _client.start(client, target, {
                **spec, "runId": f"bench-{uuid.uuid4().hex}",
                "inputs": {**spec["inputs"], "jobId": DEMO_JOB_ID + i}})

    handles = await asyncio.gather(*(start(i) for i in range(count)))
    results = await asyncio.gather(*(handle.result() for handle in handles))
    elapsed = time.perf_counter() - started
    failed = [str(r.get("error")) for r in results if r.get("outcome") != "succeeded"]
    if len(failed) * 100 > count:  # a few may fail in doubt on an overloaded machine; more is a bug
        raise RuntimeError(f"{len(failed)} of {count} runs failed: {failed[0]}")
    return elapsed, failed


def temporal_runs(settings: Settings) -> Section:
    servers = _servers()
    count = settings.runs
    section = Section("temporal", f"Runs on Temporal: {count:,} concurrent reference runs, "
                                  "one worker, dev server")
    with TemporaryDirectory() as folder, simulator_process("success", count) as base_url:
        server = servers.DevServer(Path(folder) / "temporal.sqlite").start()
        queue = f"bench-{uuid.uuid4().hex[:8]}"
        worker = subprocess.Popen(
            [sys.executable, "-m", "arazzo_engine", "worker", "--temporal", server.address,
             "--task-queue", queue], stdout=subprocess.DEVNULL,
            stderr=(Path(folder) / "worker.log").open("wb"))
        try:
            assert server.process is not None
            load_before = os.getloadavg()[0]
            one, _ = asyncio.run(_runs(server.address, queue, base_url, 1, settings.loop_delay))
            worker_idle = _current_rss(worker.pid)
            server_idle = _current_rss(server.process.pid)
            many, failed = asyncio.run(_runs(server.address, queue, base_url, count,
                                             settings.loop_delay))
            load_after = os.getloadavg()[0]
            worker_peak = _peak_rss(worker.pid)
            server_peak = _peak_rss(server.process.pid)
        finally:
            worker.kill()
            worker.wait()
            server.kill()
    section.rows.append(Row(f"{count:,} concurrent runs, start to last result",
                            Sample.of([many]), "one run alone", Sample.of([one])))
    section.rows.append(Row(f"worker peak RSS, {count:,} runs", Sample.of([worker_peak]),
                            "worker RSS after one run", Sample.of([worker_idle]), unit="B"))
    section.rows.append(Row(f"dev server peak RSS, {count:,} runs", Sample.of([server_peak]),
                            "dev server RSS after one run", Sample.of([server_idle]), unit="B"))
    section.derived.append(("runs finished per second", f"{count / many:,.1f}"))
    section.derived.append(("worker memory per concurrent run",
                            f"{(worker_peak - worker_idle) / count / 1024:,.0f} KiB"))
    section.derived.append(("runs that did not succeed", f"{len(failed)} of {count:,}" + (
        f" (first: {failed[0][:160]})" if failed else "")))
    section.derived.append(("machine load (1-minute load average) before / after",
                            f"{load_before:.1f} / {load_after:.1f} on "
                            f"{os.cpu_count() or 1} cores"))
    return section

"""The dbt Cloud simulator in a child process, so its work is not charged to the client.

In-process, the simulator's threads would share the interpreter lock with the code being timed
and its request log would count in traced memory. In its own process it uses the second core,
and what the benchmarks measure is the client alone.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

PROXY_VARIABLES = (
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
    "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
)

# The child prints its base URL, then serves until its stdin closes. Runs of one job execute
# one at a time (as in dbt Cloud), so concurrent runs each get a job of their own.
_SERVE = """
import sys
from arazzo_engine.simulator import DEMO_JOB_ID, DbtCloudSimulator
jobs = range(DEMO_JOB_ID, DEMO_JOB_ID + int(sys.argv[2]))
with DbtCloudSimulator(sys.argv[1], job_ids=jobs) as simulator:
    print(simulator.base_url, flush=True)
    sys.stdin.read()
"""


def clear_proxy_environment() -> None:
    """Requests to 127.0.0.1 must go straight to the simulator, whatever the shell exports."""
    for name in PROXY_VARIABLES:
        os.environ.pop(name, None)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost,::1"


def scratch_run_store() -> None:
    """Runs keep the CLI's default (every run recorded in a run store), in a scratch store.

    ``ARAZZO_STATE`` points at a file in a temporary folder removed at exit, so the thousands
    of benchmark runs neither fill the user's own store nor time a store that grows from one
    benchmark run to the next.
    """
    folder = tempfile.mkdtemp(prefix="arazzo-bench-")
    atexit.register(shutil.rmtree, folder, True)
    os.environ["ARAZZO_STATE"] = os.path.join(folder, "runs.db")


@contextmanager
def simulator_process(scenario: str = "success", jobs: int = 1) -> Iterator[str]:
    """Runs ``DbtCloudSimulator(scenario)`` with ``jobs`` jobs (ids from ``DEMO_JOB_ID`` on)
    in a child process; yields its base URL."""
    child = subprocess.Popen(
        [sys.executable, "-c", _SERVE, scenario, str(jobs)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        base_url = child.stdout.readline().strip()
        if not base_url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the simulator process did not start (it said {base_url!r})")
        yield base_url
    finally:
        child.stdin.close()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        child.stdout.close()

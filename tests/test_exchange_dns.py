"""A slow name lookup is inside the whole-exchange bound: ``getaddrinfo`` cannot be cut, so a
resolver that hangs must not keep a step past its ``--timeout`` (nor a run past its
``--deadline``). The resolver here is ours: ``socket.getaddrinfo`` answers ``*.test`` names
from a table, and ``slow.test`` only once the test lets it (or after a long while)."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent / "executor"))
from local_http import LocalServer, arazzo_doc, openapi_doc, run_cli

from arazzo_engine._exchange import ExchangeError, exchange, new_session

#: How long the slow name takes to resolve when nothing lets it go earlier: far longer than
#: any timeout below, so an exchange that waited for it could not pass.
_HELD = 30.0


class Resolver:
    """``socket.getaddrinfo`` for the ``.test`` names; every other name goes to the real one."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.release = threading.Event()
        self.asked: list[str] = []

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if not name.endswith(".test"):
            return self.real(host, port, *args, **kwargs)
        self.asked.append(name)
        if name == "slow.test":
            self.release.wait(_HELD)
        if name == "missing.test":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", int(port)))]


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Resolver]:
    fake = Resolver(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    yield fake
    fake.release.set()  # the lookup thread left behind ends too


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        running.route("GET", "/x", lambda seen: {"host": seen.headers.get("host")})
        yield running


def _get(url: str, timeout: float) -> tuple[Any, float]:
    session = new_session(trust_env=False)
    started = time.monotonic()
    try:
        return exchange(session, "GET", url, timeout=timeout), time.monotonic() - started
    finally:
        session.close()


def test_a_hanging_lookup_ends_the_exchange_when_its_time_is_up(
        resolver: Resolver, server: LocalServer) -> None:
    started = time.monotonic()
    with pytest.raises(ExchangeError) as caught:
        _get(f"http://slow.test:{server.port}/x", timeout=1)
    elapsed = time.monotonic() - started
    assert caught.value.timed_out
    assert caught.value.message == (
        "no response within 1 s (looking up the name slow.test took longer)")
    assert elapsed < _HELD / 2  # it did not wait for the resolver
    assert resolver.asked == ["slow.test"]
    assert server.requests == []


def test_a_name_is_still_looked_up_and_kept_in_the_host_header(
        resolver: Resolver, server: LocalServer) -> None:
    answer, _elapsed = _get(f"http://fast.test:{server.port}/x", timeout=5)
    assert answer.status_code == 200
    assert b'"host": "fast.test:' in answer.body  # the name, not the address, reached the server
    assert resolver.asked == ["fast.test"]


def test_an_unknown_name_is_a_clear_failure_not_a_timeout(resolver: Resolver) -> None:
    with pytest.raises(ExchangeError) as caught:
        _get("http://missing.test:9/x", timeout=5)
    assert not caught.value.timed_out
    assert caught.value.message == "cannot connect to missing.test:9: Name or service not known"


def test_arazzo_run_fails_the_step_within_its_timeout(
        resolver: Resolver, server: LocalServer, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(openapi_doc(
        f"http://slow.test:{server.port}", {"id": "get", "path": "/x"})))
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump(arazzo_doc(
        {"workflowId": "w", "steps": [{"stepId": "s", "operationId": "get"}]})))
    started = time.monotonic()
    code = run_cli(["run", str(path), "--timeout", "1", "--no-state"])
    elapsed = time.monotonic() - started
    captured = capsys.readouterr()
    assert code == 1
    assert "no response within 1 s (looking up the name slow.test took longer)" in (
        captured.out + captured.err)
    assert "Traceback" not in captured.err
    assert elapsed < _HELD / 2

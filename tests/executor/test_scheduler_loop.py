"""The Scheduler's own thread sends the runs' requests on open plain-HTTP connections and
waits on all their sockets at once (``executor/_scheduler``, ``_framing``); workers make the
connections and read what would block. These tests hold it to what the workers did alone:
each run's own cookies, a slow answer holding up no other run, answers framed by the end of
the connection, stops and timeouts of a request in flight."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from local_http import LocalServer, RawServer, arazzo_doc, openapi_doc

import arazzo_engine
from arazzo_engine import RunOptions, Scheduler, StopSignal
from arazzo_engine.executor import RunEvent
from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN, DbtCloudSimulator

WORKFLOW = Path(__file__).parents[2] / "specs/dbt/arazzo/dbt-trigger-run-and-poll-workflow.yml"


def _document(tmp_path: Path, base_url: str, paths: list[str], *,
              name: str = "flow") -> arazzo_engine.ArazzoDocument:
    """A workflow of one GET per path, each step's output the body's ``value``."""
    operations = [{"id": f"get{n}", "path": path} for n, path in enumerate(paths)]
    (tmp_path / f"{name}.openapi.yaml").write_text(yaml.safe_dump(openapi_doc(base_url,
                                                                               *operations)))
    steps = [{"stepId": f"s{n}", "operationId": f"get{n}",
              "outputs": {"value": "$response.body#/value"}} for n in range(len(paths))]
    document = arazzo_doc({"workflowId": "w", "steps": steps},
                          sources={"api": f"{name}.openapi.yaml"})
    path = tmp_path / f"{name}.arazzo.yaml"
    path.write_text(yaml.safe_dump(document))
    return arazzo_engine.load(path)


def _options(**extra: Any) -> RunOptions:
    return RunOptions(loop_delay=0, trust_env=False, **extra)


def _observer(events: list[tuple[str, str, str]], label: str) -> Callable[[RunEvent], None]:
    lock = threading.Lock()

    def observe(event: RunEvent) -> None:
        with lock:
            events.append((label, event.kind, threading.current_thread().name))

    return observe


def test_kept_alive_exchanges_are_sent_and_decided_on_the_schedulers_thread() -> None:
    with DbtCloudSimulator(job_ids=[DEMO_JOB_ID + n for n in range(6)]) as simulator:
        options = _options(servers={"dbtAdminApi": simulator.base_url})
        scheduler = Scheduler(max_connections=2)
        document = arazzo_engine.load(WORKFLOW)
        events: list[tuple[str, str, str]] = []
        for n in range(6):
            scheduler.submit(document, inputs={"accountId": DEMO_ACCOUNT_ID,
                                               "jobId": DEMO_JOB_ID + n, "token": DEMO_TOKEN},
                             options=options, observer=_observer(events, str(n)))
        results = scheduler.run()
    assert [r.outcome for r in results] == ["succeeded"] * 6
    here = threading.current_thread().name
    threads = {thread for _, kind, thread in events if kind == "response"}
    assert threads == {here}  # every decision on this thread (workers only connect)
    assert sum(kind == "response" for _, kind, _ in events) == 6 * 5


def _dripping(answer: bytes, seconds: float) -> Callable[[bytes, socket.socket], bool]:
    """Answers the first request on a connection at once, the next ones in pieces over
    ``seconds`` (the connection is already open then: the scheduler's thread waits on it)."""
    seen: dict[int, int] = {}

    def handler(_head: bytes, conn: socket.socket) -> bool:
        count = seen[id(conn)] = seen.get(id(conn), 0) + 1
        if count == 1:
            conn.sendall(answer)
            return True
        pieces = [answer[i:i + 5] for i in range(0, len(answer), 5)]
        for piece in pieces:
            conn.sendall(piece)
            time.sleep(seconds / len(pieces))
        return True

    return handler


def _json_answer(value: str, *, length: bool = True) -> bytes:
    body = json.dumps({"value": value}).encode()
    framing = f"Content-Length: {len(body)}\r\n" if length else "Connection: close\r\n"
    return (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{framing}\r\n").encode() \
        + body


def test_a_slow_answer_holds_up_no_other_run(tmp_path: Path) -> None:
    with RawServer(_dripping(_json_answer("slow"), 1.5)) as slow, LocalServer() as fast:
        for n in range(6):
            fast.route("GET", f"/f{n}", {"value": "fast"})
        dripped = _document(tmp_path, slow.url, ["/a", "/b"], name="slow")
        quick = _document(tmp_path, fast.url, [f"/f{n}" for n in range(6)], name="fast")
        events: list[tuple[str, str, str]] = []
        scheduler = Scheduler(max_connections=4)
        scheduler.submit(dripped, options=_options(), observer=_observer(events, "slow"))
        scheduler.submit(quick, options=_options(), observer=_observer(events, "fast"))
        slow_result, fast_result = scheduler.run()
    assert slow_result.succeeded and fast_result.succeeded
    assert slow_result.outputs == {} and slow_result.steps[1].outputs == {"value": "slow"}
    order = [(label, kind) for label, kind, _ in events if kind in ("response", "run-finished")]
    assert order.index(("fast", "run-finished")) < len(order) - 1 - order[::-1].index(
        ("slow", "response"))


def test_an_answer_framed_by_the_end_of_the_connection_is_read_whole(tmp_path: Path) -> None:
    answers = iter([_json_answer("first"), _json_answer("second", length=False)])

    def handler(_head: bytes, conn: socket.socket) -> bool:
        answer = next(answers)
        conn.sendall(answer)
        return b"Content-Length" in answer  # the second ends its connection

    with RawServer(handler) as server:
        document = _document(tmp_path, server.url, ["/a", "/b"])
        [result] = _run_one(document, _options())
    assert result.succeeded, result.error
    assert [s.outputs for s in result.steps] == [{"value": "first"}, {"value": "second"}]


def _run_one(document: arazzo_engine.ArazzoDocument, options: RunOptions,
             stop: StopSignal | None = None) -> list[arazzo_engine.RunResult]:
    scheduler = Scheduler(max_connections=2, stop=stop)
    scheduler.submit(document, options=options)
    return scheduler.run()


@pytest.fixture
def stalled_second() -> Iterator[tuple[RawServer, threading.Event]]:
    """Answers the first request on a connection, then only the head of the second, and
    stalls (until the test ends)."""
    asked = threading.Event()

    def handler(_head: bytes, conn: socket.socket) -> bool:
        if not asked.is_set():
            asked.set()
            conn.sendall(_json_answer("first"))
            return True
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{\"val")
        server.release.wait(30)
        return False

    server = RawServer(handler)
    with server:
        yield server, asked
        server.release.set()


def test_a_stop_ends_a_run_whose_request_is_in_flight_on_the_schedulers_thread(
        tmp_path: Path, stalled_second: tuple[RawServer, threading.Event]) -> None:
    server, _ = stalled_second
    document = _document(tmp_path, server.url, ["/a", "/b"])
    stop = StopSignal()
    timer = threading.Timer(0.5, lambda: stop.stop("stopped"))
    timer.start()
    try:
        [result] = _run_one(document, _options(), stop=stop)
    finally:
        timer.cancel()
    assert result.interrupted
    assert [(s.step_id, s.outcome) for s in result.steps] == [
        ("s0", "succeeded"), ("s1", "interrupted")]
    assert "may have been acted on" in (result.steps[-1].error or "")
    stop.close()


def test_a_timeout_cuts_an_answer_that_stalls_on_the_schedulers_thread(
        tmp_path: Path, stalled_second: tuple[RawServer, threading.Event]) -> None:
    server, _ = stalled_second
    document = _document(tmp_path, server.url, ["/a", "/b"])
    [result] = _run_one(document, _options(timeout=0.5))
    assert not result.succeeded
    assert result.steps[1].error is not None
    assert "no complete response within 0.5 s" in result.steps[1].error


DATA = Path(__file__).parent / "data"


def test_https_runs_are_sent_by_the_workers_and_verified(tmp_path: Path) -> None:
    with LocalServer(tls=(str(DATA / "test-cert.pem"), str(DATA / "test-key.pem"))) as server:
        for n in range(3):
            server.route("GET", f"/p{n}", {"value": f"secure {n}"})
        document = _document(tmp_path, server.url, [f"/p{n}" for n in range(3)])
        scheduler = Scheduler(max_connections=2)
        trusted = [scheduler.submit(document, options=_options(
            verify=str(DATA / "test-cert.pem"))) for _ in range(3)]
        untrusted = scheduler.submit(document, options=_options())
        scheduler.run()
    for handle in trusted:
        assert handle.result is not None and handle.result.succeeded, handle.result
        assert [s.outputs for s in handle.result.steps] == [
            {"value": f"secure {n}"} for n in range(3)]
    assert untrusted.result is not None and not untrusted.result.succeeded
    assert "certificate verify failed" in (untrusted.result.steps[0].error or "")


def test_redirects_followed_go_through_the_workers(tmp_path: Path) -> None:
    with LocalServer() as server:
        for old in ("/a", "/b"):
            server.route("GET", old, None, status=302, headers={"Location": "/new"})
        server.route("GET", "/new", {"value": "moved"})
        document = _document(tmp_path, server.url, ["/a", "/b"])
        [result] = _run_one(document, _options(follow_redirects=True))
    assert result.succeeded, result.error
    assert [s.outputs for s in result.steps] == [{"value": "moved"}] * 2

"""The direct route's own HTTP/1.1 reading (``arazzo_engine._http11``) makes of each response
what requests' route makes of it: status, header lines, body, failures and their wording. Each
case is served as raw bytes by a real 127.0.0.1 server and fetched through both routes (the
requests route forced with a do-nothing hook, as in test_exchange_direct.py); connection reuse
is counted at the server."""

from __future__ import annotations

import gzip
import select
import socket
import sys
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).parent / "executor"))
from local_http import RawServer, read_request_body

from arazzo_engine import _exchange, _framing, _http11
from arazzo_engine._exchange import Exchanged, ExchangeError, exchange, new_session

_BODY = b'{"data": {"status": 10}}'
_GZIPPED = gzip.compress(_BODY)
_DEFLATED = zlib.compress(_BODY)


def _length(body: bytes) -> bytes:
    return b"Content-Length: " + str(len(body)).encode() + b"\r\n"


#: name -> (the response's bytes, what the request's method is)
_ANSWERS: dict[str, tuple[bytes, str]] = {
    "content-length": (b"HTTP/1.1 200 OK\r\n" + _length(_BODY) + b"\r\n" + _BODY, "GET"),
    "chunked with extension and trailer": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\n{\"dat\r\n13\r\na\": {\"status\": 10}}\r\n0\r\nX-Trailer: t\r\n\r\n", "GET"),
    "chunked, upper case": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n"
                            b"2\r\nok\r\n0\r\n\r\n", "GET"),
    "gzip": (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n" + _length(_GZIPPED) + b"\r\n"
             + _GZIPPED, "GET"),
    "deflate, chunked": (b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n"
                         + f"{len(_DEFLATED):x}".encode() + b"\r\n" + _DEFLATED
                         + b"\r\n0\r\n\r\n", "GET"),
    "unknown encoding kept as sent": (b"HTTP/1.1 200 OK\r\nContent-Encoding: x-mine\r\n"
                                      + _length(_BODY) + b"\r\n" + _BODY, "GET"),
    "read to the end (HTTP/1.0)": (b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"
                                   + _BODY, "GET"),
    "read to the end (no length)": (b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + _BODY,
                                    "GET"),
    "100 Continue first": (b"HTTP/1.1 100 Continue\r\nX-Early: 1\r\n\r\nHTTP/1.1 201 Created\r\n"
                           + _length(_BODY) + b"\r\n" + _BODY, "POST"),
    "HEAD keeps no body": (b"HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n", "HEAD"),
    "204 keeps no body": (b"HTTP/1.1 204 No Content\r\n\r\n", "DELETE"),
    "304 keeps no body": (b"HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\n\r\n", "GET"),
    "repeated, folded and spaced header lines": (
        b"HTTP/1.1 200 OK\r\nX-A: 1\r\nX-B:  two  \r\nx-a: 3\r\nX-Fold: one\r\n  two\r\n"
        b"X-Empty:\r\n" + _length(_BODY) + b"\r\n" + _BODY, "GET"),
    "a line that is not a header ends them": (
        b"HTTP/1.1 200 OK\r\nX-A: 1\r\nnot a header\r\nX-B: 2\r\nContent-Length: 2\r\n\r\nok",
        "GET"),
    "no reason phrase": (b"HTTP/1.1 404\r\n" + _length(_BODY) + b"\r\n" + _BODY, "GET"),
    "bare LF line ends": (b"HTTP/1.1 200 OK\nX-A: 1\nContent-Length: 2\n\nok", "GET"),
    "negative length read to the end": (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok",
                                        "GET"),
    "99 header lines, the most allowed": (
        b"HTTP/1.1 200 OK\r\n" + b"X-A: 1\r\n" * 98 + b"Content-Length: 2\r\n\r\nok", "GET"),
    "Content-Length twice, the same": (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                                       b"Content-Length: 2\r\n\r\nok", "GET"),
    "Content-Length listed twice in one line": (b"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n"
                                                b"\r\nok", "GET"),
    "more body than the length says": (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA",
                                       "GET"),
}

#: name -> a response that must fail alike on both routes
_BROKEN: dict[str, bytes] = {
    "status line too long": b"HTTP/1.1 200 " + b"x" * 70000 + b"\r\n\r\n",
    "header line too long": b"HTTP/1.1 200 OK\r\nX-A: " + b"x" * 70000 + b"\r\n\r\n",
    "too many headers": b"HTTP/1.1 200 OK\r\n" + b"X-A: 1\r\n" * 101 + b"\r\n",
    "Content-Length twice, differing": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                                       b"Content-Length: 5\r\n\r\nokokok",
    "100 header lines, one too many": b"HTTP/1.1 200 OK\r\n" + b"X-A: 1\r\n" * 100 + b"\r\n",
    "unknown protocol": b"HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
    "status out of range": b"HTTP/1.1 1000 Odd\r\n\r\n",
    "not a number": b"HTTP/1.1 abc Odd\r\n\r\n",
    "chunked cut before the next size": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        b"2\r\nok\r\n",
    "chunk shorter than its size": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                   b"a\r\nok",
    "bad deflate": b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: 4\r\n\r\n"
                   b"nope",
}


def _serving(answer: bytes) -> Callable[[bytes, socket.socket], None]:
    def handler(head: bytes, conn: socket.socket) -> None:
        read_request_body(head, conn)
        conn.sendall(answer)  # then closes: every case ends its connection

    return handler


def _sessions() -> list[tuple[str, requests.Session]]:
    """A session that takes the direct route, and one forced onto requests' route."""
    forced = new_session(trust_env=False)
    forced.hooks["response"].append(lambda response, *args, **kwargs: response)
    return [("direct", new_session(trust_env=False)), ("requests", forced)]


def _fetch(url: str, method: str) -> dict[str, Exchanged | str]:
    outcomes: dict[str, Exchanged | str] = {}
    for name, session in _sessions():
        try:
            outcomes[name] = exchange(session, method, url, timeout=10,
                                      body=b"{}" if method == "POST" else None)
        except ExchangeError as error:
            outcomes[name] = error.message
        finally:
            session.close()
    return outcomes


def _in_pieces(answer: bytes) -> Callable[[bytes, socket.socket], None]:
    """The answer a few bytes at a time (lines split across reads)."""
    def handler(head: bytes, conn: socket.socket) -> None:
        read_request_body(head, conn)
        for start in range(0, len(answer), 7):
            conn.sendall(answer[start:start + 7])
            time.sleep(0.0005)

    return handler


@pytest.mark.parametrize("pieces", [False, True], ids=["at once", "in pieces"])
@pytest.mark.parametrize("case", list(_ANSWERS))
def test_each_response_reads_alike_on_both_routes(case: str, pieces: bool) -> None:
    answer, method = _ANSWERS[case]
    with RawServer(_in_pieces(answer) if pieces else _serving(answer)) as server:
        outcomes = _fetch(f"{server.url}/x", method)
    assert isinstance(outcomes["direct"], Exchanged), outcomes["direct"]
    assert outcomes["direct"] == outcomes["requests"]


def test_the_decoded_bodies_are_the_documents_sent() -> None:
    for case in ("gzip", "deflate, chunked", "content-length"):
        with RawServer(_serving(_ANSWERS[case][0])) as server:
            outcome = _fetch(f"{server.url}/x", "GET")["direct"]
        assert isinstance(outcome, Exchanged) and outcome.body == _BODY


@pytest.mark.parametrize("case", list(_BROKEN))
def test_each_broken_response_fails_alike_on_both_routes(case: str) -> None:
    with RawServer(_serving(_BROKEN[case])) as server:
        outcomes = {name: str(value).replace(server.url.removeprefix("http://"), "HOST")
                    for name, value in _fetch(f"{server.url}/x", "GET").items()}
    assert not outcomes["direct"].startswith("Exchanged("), outcomes["direct"]
    assert outcomes["direct"] == outcomes["requests"]


def test_a_huge_chunk_is_read_in_pieces_and_refused_at_the_body_cap() -> None:
    """A chunk that declares 2 GiB and sends 256 KiB, then stalls: both routes refuse it at
    the body cap as soon as the cap is passed, not after waiting for the whole chunk (which
    would also mean holding it in memory)."""
    def huge(head: bytes, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n80000000\r\n"
                     + b"x" * (256 * 1024))
        time.sleep(10)

    messages = {}
    with RawServer(huge) as server:
        for name, session in _sessions():
            started = time.monotonic()
            try:
                with pytest.raises(ExchangeError) as caught:
                    exchange(session, "GET", f"{server.url}/x", timeout=8, max_body=100_000)
            finally:
                session.close()
            assert time.monotonic() - started < 4, name
            messages[name] = caught.value.message
        server.release.set()
    assert messages["direct"] == messages["requests"]
    assert messages["direct"].endswith("is larger than 100000 bytes")


class _KeepAlive:
    """Answers every request on a connection until the client closes it; counts
    connections. ``close_after`` answers with the connection closed after that many."""

    def __init__(self, answer: bytes, close_after: int | None = None) -> None:
        self.answer = answer
        self.close_after = close_after
        self.connections = 0
        self.lock = threading.Lock()
        self.seen: dict[int, int] = {}
        self.closed = threading.Event()

    def __call__(self, _head: bytes, conn: socket.socket) -> bool:
        key = id(conn)
        with self.lock:
            if key not in self.seen:
                self.connections += 1
            self.seen[key] = self.seen.get(key, 0) + 1
            count = self.seen[key]
        conn.sendall(self.answer)
        if self.close_after is not None and count >= self.close_after:
            conn.shutdown(socket.SHUT_RDWR)  # the end of the connection is on its way
            self.closed.set()
            return False
        return True


def _gets(url: str, times: int) -> list[Exchanged]:
    session = new_session(trust_env=False)
    try:
        return [exchange(session, "GET", url, timeout=10) for _ in range(times)]
    finally:
        session.close()


@pytest.mark.parametrize("case", ["content-length", "chunked with extension and trailer"])
def test_a_kept_alive_connection_serves_the_next_requests(case: str) -> None:
    """A body read to its end (by its length, or to its last chunk and trailer) leaves the
    connection for the next request."""
    counting = _KeepAlive(_ANSWERS[case][0])
    with RawServer(counting) as server:
        answers = _gets(f"{server.url}/x", 4)
    assert [a.body for a in answers] == [_BODY] * 4
    assert counting.connections == 1


def test_a_connection_the_server_closes_is_not_used_again() -> None:
    """The server drops the connection after each answer without saying so: the pool sees
    it closed before the next request (no failure, a new connection each time)."""
    counting = _KeepAlive(_ANSWERS["content-length"][0], close_after=1)
    session = new_session(trust_env=False)
    bodies = []
    try:
        with RawServer(counting) as server:
            for _ in range(3):
                bodies.append(exchange(session, "GET", f"{server.url}/x", timeout=10).body)
                assert counting.closed.wait(5)
                counting.closed.clear()
    finally:
        session.close()
    assert bodies == [_BODY] * 3
    assert counting.connections == 3


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA",  # bytes beyond the message
    b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
])
def test_a_connection_that_may_not_be_reused_is_closed(answer: bytes) -> None:
    counting = _KeepAlive(answer)
    with RawServer(counting) as server:
        answers = _gets(f"{server.url}/x", 2)
    assert [a.body for a in answers] == [b"ok", b"ok"]
    assert counting.connections == 2


def test_the_direct_route_reads_with_http11(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cases above compare the two routes only if the direct one really reads here."""
    read: list[int] = []
    real = _exchange._Lean.__init__

    def spy(self: _exchange._Lean, answer: object, url: str) -> None:
        read.append(1)
        real(self, answer, url)  # type: ignore[arg-type]

    monkeypatch.setattr(_exchange._Lean, "__init__", spy)
    with RawServer(_serving(_ANSWERS["content-length"][0])) as server:
        _gets(f"{server.url}/x", 1)
    assert read == [1]


def test_adapters_with_their_own_retries_keep_urlopen(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[int] = []
    monkeypatch.setattr(_exchange._Lean, "__init__",
                        lambda *args: read.append(1))  # would break the exchange if used
    session = new_session(trust_env=False)
    for adapter in session.adapters.values():
        assert isinstance(adapter, requests.adapters.HTTPAdapter)
        adapter.max_retries = requests.adapters.Retry(total=2, read=False)
    try:
        with RawServer(_serving(_ANSWERS["content-length"][0])) as server:
            answer = exchange(session, "GET", f"{server.url}/x", timeout=10)
    finally:
        session.close()
    assert answer.body == _BODY and read == []


def _stepped(session: requests.Session, method: str, url: str) -> Exchanged | str:
    """``exchange_steps`` driven as the scheduler's thread drives it: at each ``Readable``
    pause it waits on the socket until ``_framing.arrived`` says the answer is whole (a
    verdict of None is where a worker would go on reading, blocking; here this thread
    does), then lets the reader take it."""
    steps = _exchange.exchange_steps(session, method, url, timeout=10,
                                     body=b"{}" if method == "POST" else None)
    try:
        pause = next(steps)
        while True:
            if isinstance(pause, _http11.Readable):
                while True:
                    select.select([pause.sock], [], [], 10)
                    if _framing.arrived(pause.reader, pause.method) is not False:
                        break
            pause = steps.send(None)
    except StopIteration as done:
        return done.value
    except ExchangeError as error:
        return error.message


@pytest.mark.parametrize("pieces", [False, True], ids=["at once", "in pieces"])
@pytest.mark.parametrize("case", list(_ANSWERS))
def test_each_response_reads_alike_when_its_arrival_is_awaited(case: str, pieces: bool) -> None:
    answer, method = _ANSWERS[case]
    with RawServer(_in_pieces(answer) if pieces else _serving(answer)) as server:
        session = new_session(trust_env=False)
        try:
            stepped = _stepped(session, method, f"{server.url}/x")
        finally:
            session.close()
        assert stepped == _fetch(f"{server.url}/x", method)["direct"]


@pytest.mark.parametrize("case", list(_BROKEN))
def test_each_broken_response_fails_alike_when_its_arrival_is_awaited(case: str) -> None:
    with RawServer(_serving(_BROKEN[case])) as server:
        session = new_session(trust_env=False)
        try:
            stepped = _stepped(session, "GET", f"{server.url}/x")
        finally:
            session.close()
        assert isinstance(stepped, str)
        assert stepped == _fetch(f"{server.url}/x", "GET")["direct"]

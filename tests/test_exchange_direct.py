"""The direct route (``_exchange._send_direct``: straight to the session's urllib3 pool) puts
the same bytes on the wire as requests' own route and keeps every guarantee of the exchange:
cookies both ways, proxies (which go through requests), the body cap, gzip bombs, the
whole-exchange timeout, TLS verification and the wording of failures.

Each comparison sends one request through both routes against a real 127.0.0.1 server that
records the request exactly as it arrived (head and body bytes). Requests' route is forced
with a response hook that does nothing: any hook sends a request through requests."""

from __future__ import annotations

import gzip
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

sys.path.insert(0, str(Path(__file__).parent / "executor"))
from local_http import LocalServer, RawServer, Reply, read_request_body

from arazzo_engine import _exchange
from arazzo_engine._exchange import Exchanged, ExchangeError, exchange, new_session

DATA = Path(__file__).parent / "executor" / "data"
_ANSWER = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n"
           b"X-Twice: a\r\nX-Twice: b\r\n\r\n{\"ok\": true}")


class Recorder:
    """Records each request as it arrived (head and body bytes) and answers ``_ANSWER``."""

    def __init__(self) -> None:
        self.seen: list[bytes] = []
        self.raw = RawServer(self._answer)

    def _answer(self, head: bytes, conn: socket.socket) -> bool:
        top = head.partition(b"\r\n\r\n")[0]
        self.seen.append(top + b"\r\n\r\n" + read_request_body(head, conn))
        conn.sendall(_ANSWER)
        return True

    @property
    def url(self) -> str:
        return self.raw.url

    def __enter__(self) -> Recorder:
        self.raw.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.raw.__exit__(*exc)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    with Recorder() as running:
        yield running


@pytest.fixture
def direct(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URLs of the requests that went the direct route."""
    taken: list[str] = []
    real = _exchange._send_direct

    def spy(session: Any, route: Any, *args: Any, **kwargs: Any) -> Any:
        taken.append(route.url)
        return real(session, route, *args, **kwargs)

    monkeypatch.setattr(_exchange, "_send_direct", spy)
    return taken


def _by_requests(session: requests.Session) -> requests.Session:
    session.hooks["response"].append(lambda response, *args, **kwargs: response)
    return session


def _session(trust_env: bool = False, setup: Callable[[requests.Session], Any] | None = None,
             ) -> requests.Session:
    session = new_session(trust_env=trust_env)
    if setup is not None:
        setup(session)
    return session


def _each_route(setup: Callable[[requests.Session], Any] | None = None,
                ) -> Iterator[tuple[bool, requests.Session]]:
    """A fresh session for the direct route, then one forced onto requests' route (``True``);
    each is closed once its turn is over."""
    for forced in (False, True):
        session = _session(setup=setup)
        if forced:
            _by_requests(session)
        try:
            yield forced, session
        finally:
            session.close()


def _failures(url: str, **kwargs: Any) -> list[str]:
    """The message each route gives for a GET of ``url`` that must fail."""
    messages = []
    for _, session in _each_route():
        with pytest.raises(ExchangeError) as caught:
            exchange(session, "GET", url, timeout=5, **kwargs)
        messages.append(caught.value.message)
    return messages


def _both(recorder: Recorder, direct: list[str], method: str, path: str,
          setup: Callable[[requests.Session], Any] | None = None,
          **kwargs: Any) -> tuple[tuple[bytes, Exchanged], tuple[bytes, Exchanged]]:
    """The request as each route sent it, and what each made of the answer."""
    outcomes = []
    for forced, session in _each_route(setup):
        taken = len(direct)
        answer = exchange(session, method, recorder.url + path, timeout=10, **kwargs)
        assert len(direct) == taken + (0 if forced else 1)  # the route it was meant to take
        outcomes.append((recorder.seen[-1], answer))
    return outcomes[0], outcomes[1]


_CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/runs/1/", {"headers": {"Authorization": "Bearer t", "Accept": "application/json"}}),
    ("POST", "/jobs/1/run/", {"headers": {"Content-Type": "application/json"},
                              "body": b'{"cause": "x"}'}),
    ("POST", "/empty", {"body": b""}),
    ("POST", "/none", {}),
    ("post", "/lower-case", {"body": b"x"}),
    ("get", "/lower-case", {}),
    ("DELETE", "/runs/1", {}),
    ("HEAD", "/runs/1", {}),
    ("OPTIONS", "/", {}),
    ("PUT", "/own-length", {"headers": {"content-length": "999", "X-A": "1"}, "body": b"abc"}),
    ("PATCH", "/declared-zero", {"headers": {"Content-Length": "0"}}),
    ("GET", "/dropped", {"headers": {"Accept-Encoding": None, "user-agent": "mine/1"}}),
    ("GET", "", {}),  # no path at all: requests sends "/"
    ("GET", "/a b/caf\u00e9/%7e/x|y?q=\u00fc x&r=%2F#fragment", {}),
    ("GET", "/runs/?ids=1,2&empty=&plus=a+b", {"headers": {"X-Latin": "caf\u00e9"}}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), _CASES,
                         ids=[f"{m} {p or '(no path)'}" for m, p, _ in _CASES])
def test_both_routes_put_the_same_request_on_the_wire(
        recorder: Recorder, direct: list[str], method: str, path: str,
        kwargs: dict[str, Any]) -> None:
    (direct_wire, direct_answer), (requests_wire, requests_answer) = _both(
        recorder, direct, method, path, **kwargs)
    assert direct_wire == requests_wire
    assert direct_answer == requests_answer
    assert direct_answer.headers[-2:] == [("X-Twice", "a"), ("X-Twice", "b")]


def test_session_headers_and_cookies_go_out_alike(recorder: Recorder, direct: list[str]) -> None:
    def setup(session: requests.Session) -> None:
        session.headers["X-Session"] = "s"
        session.headers["Accept"] = "text/plain"
        session.headers["Connection"] = None  # type: ignore[assignment]
        session.cookies.set("sid", "abc", domain="127.0.0.1", path="/")
        session.cookies.set("other", "no", domain="elsewhere.example", path="/")

    (direct_wire, _), (requests_wire, _) = _both(
        recorder, direct, "GET", "/x", setup, headers={"x-session": "request wins"})
    assert direct_wire == requests_wire
    assert b"\r\nCookie: sid=abc\r\n" in direct_wire and b"other" not in direct_wire
    assert b"x-session: request wins" in direct_wire and b"Connection" not in direct_wire


def test_a_cookie_header_of_the_request_is_kept_over_the_jars(recorder: Recorder,
                                                              direct: list[str]) -> None:
    def setup(session: requests.Session) -> None:
        session.cookies.set("sid", "jar", domain="127.0.0.1", path="/")

    (direct_wire, _), (requests_wire, _) = _both(
        recorder, direct, "GET", "/x", setup, headers={"Cookie": "sid=mine"})
    assert direct_wire == requests_wire
    assert b"sid=mine" in direct_wire and b"sid=jar" not in direct_wire


def _fixed(reply: Reply) -> Callable[[Any], Reply]:
    return lambda _seen: reply


@pytest.fixture
def cookie_server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        server.route("GET", "/login", _fixed(Reply(200, {}, {"Set-Cookie": "sid=s1; Path=/"})))
        server.route("GET", "/elsewhere", _fixed(Reply(200, {}, {
            "Set-Cookie": "foreign=1; Domain=other.example; Path=/"})))
        server.route("GET", "/me", lambda seen: {"cookie": seen.header("cookie")})
        yield server


def test_cookies_the_server_sets_come_back_on_the_next_request(
        cookie_server: LocalServer, direct: list[str]) -> None:
    session = _session()
    try:
        exchange(session, "GET", f"{cookie_server.url}/login", timeout=10)
        exchange(session, "GET", f"{cookie_server.url}/elsewhere", timeout=10)
        assert {c.name for c in session.cookies} == {"sid"}  # the jar's policy still decides
        me = exchange(session, "GET", f"{cookie_server.url}/me", timeout=10)
        assert me.body == b'{"cookie": "sid=s1"}'
        # The scheduler swaps a run's own jar in before each send: the next run's is empty.
        session.cookies = requests.cookies.RequestsCookieJar()
        assert exchange(session, "GET", f"{cookie_server.url}/me",
                        timeout=10).body == b'{"cookie": null}'
    finally:
        session.close()
    assert len(direct) == 4


def test_the_jar_fills_alike_on_both_routes(cookie_server: LocalServer,
                                            direct: list[str]) -> None:
    jars = []
    for _, session in _each_route():
        exchange(session, "GET", f"{cookie_server.url}/login", timeout=10)
        jars.append(sorted((c.name, c.value, c.domain, c.path) for c in session.cookies))
    assert jars[0] == jars[1] == [("sid", "s1", "127.0.0.1", "/")]
    assert len(direct) == 1


def test_a_proxy_for_the_origin_routes_through_requests(
        recorder: Recorder, direct: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    with LocalServer() as proxy:
        proxy.route("GET", "/where", {"served": "proxy"})
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("http_proxy", proxy.url)
        monkeypatch.delenv("NO_PROXY")
        monkeypatch.delenv("no_proxy")
        session = _session(trust_env=True)
        try:
            answer = exchange(session, "GET", f"{recorder.url}/where", timeout=10)
        finally:
            session.close()
        assert answer.body == b'{"served": "proxy"}'
        assert proxy.requests[-1].path == "/where" and recorder.seen == []
        assert direct == []
        # NO_PROXY naming the origin: no proxy applies, so the direct route does.
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        session = _session(trust_env=True)
        try:
            assert exchange(session, "GET", f"{recorder.url}/where", timeout=10).body == (
                b'{"ok": true}')
        finally:
            session.close()
        assert direct == [f"{recorder.url}/where"]


@pytest.mark.parametrize("setup", [
    pytest.param(lambda s: setattr(s, "auth", ("user", "pass")), id="session auth"),
    pytest.param(lambda s: s.params.update({"page": "1"}), id="session params"),
    pytest.param(lambda s: s.proxies.update({"https": "http://127.0.0.1:9"}),
                 id="session proxies"),
    pytest.param(lambda s: s.mount("http://127.0.0.1", requests.adapters.HTTPAdapter()),
                 id="an adapter of the caller's"),
])
def test_what_requests_does_itself_goes_through_requests(
        recorder: Recorder, direct: list[str], setup: Callable[[requests.Session], Any]) -> None:
    session = _session(setup=setup)
    try:
        exchange(session, "GET", f"{recorder.url}/x", timeout=10)
        plain = requests.Session()
        plain.trust_env = False
        setup(plain)
        plain.get(f"{recorder.url}/x", timeout=10)
        plain.close()
    finally:
        session.close()
    assert direct == []
    assert recorder.seen[0] == recorder.seen[1]  # what requests itself sends


def test_credentials_in_the_url_go_through_requests(recorder: Recorder,
                                                    direct: list[str]) -> None:
    host = recorder.url.removeprefix("http://")
    session = _session()
    try:
        exchange(session, "GET", f"http://robot:hunter2@{host}/x", timeout=10)
    finally:
        session.close()
    assert direct == [] and b"Authorization: Basic cm9ib3Q6aHVudGVyMg==" in recorder.seen[0]


def test_a_responses_mock_still_sees_every_request(direct: list[str]) -> None:
    session = _session()
    try:
        with responses.RequestsMock() as mocked:
            mocked.add(responses.GET, "http://127.0.0.1:9/mocked", json={"mocked": True})
            answer = exchange(session, "GET", "http://127.0.0.1:9/mocked", timeout=5)
    finally:
        session.close()
    assert answer.body == b'{"mocked": true}' and direct == []


@pytest.fixture
def big_server() -> Iterator[LocalServer]:
    bomb = gzip.compress(b"0" * (4 * 1024 * 1024))
    with LocalServer() as server:
        server.route("GET", "/big", _fixed(Reply(200, b"x" * 5000)))
        server.route("GET", "/bomb", _fixed(Reply(200, bomb, {"Content-Encoding": "gzip"})))
        server.route("GET", "/small", _fixed(Reply(200, gzip.compress(b'{"small": 1}'),
                                                   {"Content-Encoding": "gzip"})))
        yield server


def test_the_body_cap_holds_on_the_direct_route(big_server: LocalServer,
                                                direct: list[str]) -> None:
    session = _session()
    try:
        with pytest.raises(ExchangeError) as too_big:
            exchange(session, "GET", f"{big_server.url}/big", timeout=10, max_body=1000)
        assert too_big.value.message == (
            f"the response body from 127.0.0.1:{big_server.port} is larger than 1000 bytes")
        with pytest.raises(ExchangeError) as bomb:
            exchange(session, "GET", f"{big_server.url}/bomb", timeout=10,
                     max_body=1024 * 1024)
        assert bomb.value.message.endswith("is larger than 1 MiB")
        # the refused responses' connections are closed, not handed to the next exchange
        small = exchange(session, "GET", f"{big_server.url}/small", timeout=10)
        assert small.body == b'{"small": 1}'
        assert exchange(session, "GET", f"{big_server.url}/big", timeout=10).body == b"x" * 5000
    finally:
        session.close()
    assert len(direct) == 4


def _trickle(head: bytes, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
    for _ in range(200):
        conn.sendall(b"x")
        time.sleep(0.05)


def _stall(head: bytes, conn: socket.socket) -> None:
    time.sleep(10)


@pytest.mark.parametrize(("handler", "message"), [
    (_trickle, "no complete response within 0.5 s"),
    (_stall, "no response within 0.5 s"),
])
def test_the_whole_exchange_bound_cuts_the_direct_route(
        direct: list[str], handler: Callable[[bytes, socket.socket], None],
        message: str) -> None:
    with RawServer(handler) as server:
        session = _session()
        started = time.monotonic()
        try:
            with pytest.raises(ExchangeError) as caught:
                exchange(session, "GET", f"{server.url}/slow", timeout=0.5)
        finally:
            session.close()
            server.release.set()
        elapsed = time.monotonic() - started
    assert caught.value.timed_out and caught.value.message == message
    assert elapsed < 5  # the socket was cut: the trickle alone lasts 10 s
    assert len(direct) == 1


def _no_answer(head: bytes, conn: socket.socket) -> None:
    conn.close()


def _short_body(head: bytes, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")


def _broken_chunks(head: bytes, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n")


def _not_http(head: bytes, conn: socket.socket) -> None:
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")


def _bad_gzip(head: bytes, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9\r\n\r\n"
                 b"not gzip!")


@pytest.mark.parametrize("handler", [_no_answer, _short_body, _broken_chunks, _not_http,
                                     _bad_gzip])
def test_broken_servers_are_worded_alike_on_both_routes(
        direct: list[str], handler: Callable[[bytes, socket.socket], None]) -> None:
    with RawServer(handler) as server:
        messages = [message.replace(server.url.removeprefix("http://"), "HOST")
                    for message in _failures(f"{server.url}/x")]
    assert messages[0] == messages[1]
    assert len(direct) == 1


def test_a_refused_connection_is_worded_alike_on_both_routes(direct: list[str]) -> None:
    with LocalServer() as server:
        url = f"{server.url}/x"
    messages = _failures(url)
    assert messages[0] == messages[1] == (
        f"cannot connect to {url.removeprefix('http://').removesuffix('/x')}: "
        "Connection refused")
    assert len(direct) == 1


def test_an_invalid_header_is_refused_as_requests_refuses_it(recorder: Recorder,
                                                             direct: list[str]) -> None:
    session = _session()
    try:
        with pytest.raises(ExchangeError) as caught:
            exchange(session, "GET", f"{recorder.url}/x", timeout=5,
                     headers={"X-Bad": "one\r\nX-Injected: two"})
    finally:
        session.close()
    assert caught.value.message.startswith("InvalidHeader: Invalid leading whitespace, "
                                           "reserved character(s), or return character(s)")
    assert recorder.seen == []


@pytest.fixture
def tls_server() -> Iterator[LocalServer]:
    with LocalServer(tls=(str(DATA / "test-cert.pem"), str(DATA / "test-key.pem"))) as server:
        server.route("GET", "/x", {"tls": True})
        yield server


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_tls_is_verified_on_the_direct_route(tls_server: LocalServer, direct: list[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"{tls_server.url}/x"
    session = _session()
    try:
        with pytest.raises(ExchangeError) as caught:
            exchange(session, "GET", url, timeout=5)
        assert caught.value.message.startswith(
            f"TLS failed with 127.0.0.1:{tls_server.port}: certificate verify failed")
        bundle = str(DATA / "test-cert.pem")
        assert exchange(session, "GET", url, timeout=5, verify=bundle).body == b'{"tls": true}'
        assert exchange(session, "GET", url, timeout=5, verify=False).body == b'{"tls": true}'
        with pytest.raises(ExchangeError):  # verify=True again: its own pool, still checked
            exchange(session, "GET", url, timeout=5)
    finally:
        session.close()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", bundle)
    trusting = _session(trust_env=True)
    try:
        assert exchange(trusting, "GET", url, timeout=5).body == b'{"tls": true}'
    finally:
        trusting.close()
    assert len(direct) == 5


def test_a_name_keeps_its_host_header_and_idna_on_the_direct_route(
        recorder: Recorder, direct: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo
    asked: list[str] = []

    def resolve(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if not name.endswith(".test"):
            return real(host, port, *args, **kwargs)
        asked.append(name)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", int(port)))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    port = recorder.url.rpartition(":")[2]
    wires = []
    for _, session in _each_route():
        exchange(session, "GET", f"http://B\u00fccher.test:{port}/x", timeout=5)
        wires.append(recorder.seen[-1])
    assert wires[0] == wires[1]
    assert f"\r\nHost: xn--bcher-kva.test:{port}\r\n".encode() in wires[0]
    assert asked == ["xn--bcher-kva.test"] * 2
    assert len(direct) == 1


def test_routes_are_found_again_after_the_session_closes(recorder: Recorder,
                                                         direct: list[str]) -> None:
    session = _session()
    try:
        exchange(session, "GET", f"{recorder.url}/x", timeout=5)
        session.close()  # closes its pools; a run's transport may still be asked again
        exchange(session, "GET", f"{recorder.url}/x", timeout=5)
    finally:
        session.close()
    assert len(direct) == 2 and len(recorder.seen) == 2


def test_many_threads_share_one_session(recorder: Recorder, direct: list[str]) -> None:
    session = _session()
    failures: list[BaseException] = []

    def send(n: int) -> None:
        try:
            answer = exchange(session, "GET", f"{recorder.url}/t{n % 3}", timeout=10)
            assert answer.body == b'{"ok": true}'
        except BaseException as exc:  # handed to the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    session.close()
    assert failures == [] and len(direct) == 24 and len(recorder.seen) == 24


def test_a_missing_ca_bundle_is_worded_alike_on_both_routes(tls_server: LocalServer,
                                                            direct: list[str],
                                                            tmp_path: Path) -> None:
    missing = str(tmp_path / "absent.pem")
    messages = _failures(f"{tls_server.url}/x", verify=missing)
    assert messages[0] == messages[1] == (
        "cannot send the request: Could not find a suitable TLS CA certificate bundle, "
        f"invalid path: {missing}")
    assert len(direct) == 1


def test_session_headers_as_a_plain_dict_go_out_alike(recorder: Recorder,
                                                      direct: list[str]) -> None:
    def setup(session: requests.Session) -> None:
        session.headers = {"user-agent": "plain/1", "Accept": "*/*"}  # type: ignore[assignment]

    (direct_wire, _), (requests_wire, _) = _both(
        recorder, direct, "POST", "/x", setup, headers={"User-Agent": "request/2"}, body=b"{}")
    assert direct_wire == requests_wire
    assert b"\r\nUser-Agent: request/2\r\n" in direct_wire and b"plain" not in direct_wire

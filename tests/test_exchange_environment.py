"""The environment requests would read per request (proxies, NO_PROXY, netrc) is read once per
session and origin, and keeps its meaning: HTTP_PROXY routes through the proxy, NO_PROXY
bypasses it, trust_env=False ignores both, ~/.netrc supplies Basic credentials."""

from __future__ import annotations

import base64
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "executor"))
from local_http import LocalServer

from arazzo_engine._exchange import exchange, new_session


@pytest.fixture
def origin_server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        server.route("GET", "/where", {"served": "origin"})
        yield server


@pytest.fixture
def proxy() -> Iterator[LocalServer]:
    """Answers as a forward proxy would be asked: ``GET http://host:port/where``."""
    with LocalServer() as server:
        server.route("GET", "/where", {"served": "proxy"})
        yield server


def _served_by(session_trust_env: bool, url: str) -> str:
    session = new_session(trust_env=session_trust_env)
    try:
        answer = exchange(session, "GET", url, timeout=10)
    finally:
        session.close()
    return str(__import__("json").loads(answer.body)["served"])


def test_http_proxy_routes_through_the_proxy(origin_server: LocalServer, proxy: LocalServer,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("http_proxy", proxy.url)
    monkeypatch.delenv("NO_PROXY")
    monkeypatch.delenv("no_proxy")
    assert _served_by(True, f"{origin_server.url}/where") == "proxy"
    assert proxy.requests[-1].path == "/where"


def test_no_proxy_and_trust_env_off_go_direct(origin_server: LocalServer, proxy: LocalServer,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("http_proxy", proxy.url)
    assert _served_by(True, f"{origin_server.url}/where") == "origin"  # NO_PROXY=127.0.0.1
    monkeypatch.delenv("NO_PROXY")
    monkeypatch.delenv("no_proxy")
    assert _served_by(False, f"{origin_server.url}/where") == "origin"
    assert proxy.requests == []


def test_the_environment_is_read_once_per_session(origin_server: LocalServer,
                                                  proxy: LocalServer,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    session = new_session(trust_env=True)
    url = f"{origin_server.url}/where"
    try:
        assert b"origin" in exchange(session, "GET", url, timeout=10).body
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("http_proxy", proxy.url)
        monkeypatch.delenv("NO_PROXY")
        monkeypatch.delenv("no_proxy")
        # the same session (a run) keeps what it read at its first request to this origin
        assert b"origin" in exchange(session, "GET", url, timeout=10).body
    finally:
        session.close()
    assert _served_by(True, url) == "proxy"  # a new session (a new run) reads it again


def test_netrc_supplies_basic_credentials_when_the_environment_is_trusted(
        origin_server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login robot password hunter22\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    expected = "Basic " + base64.b64encode(b"robot:hunter22").decode()
    _served_by(True, f"{origin_server.url}/where")
    assert origin_server.requests[-1].header("authorization") == expected
    _served_by(False, f"{origin_server.url}/where")
    assert origin_server.requests[-1].header("authorization") is None
    # With an Authorization header of its own, the request gets what requests itself sends
    # (requests lets netrc's credentials replace it): the meaning is requests', unchanged.
    import requests

    with requests.Session() as plain:
        plain.get(f"{origin_server.url}/where", headers={"Authorization": "Bearer mine"})
    by_requests = origin_server.requests[-1].header("authorization")
    session = new_session(trust_env=True)
    try:
        exchange(session, "GET", f"{origin_server.url}/where", timeout=10,
                 headers={"Authorization": "Bearer mine"})
    finally:
        session.close()
    assert origin_server.requests[-1].header("authorization") == by_requests


def test_session_headers_and_cookies_still_apply(origin_server: LocalServer) -> None:
    session = new_session(trust_env=False)
    session.headers["X-Session"] = "yes"
    session.cookies.set("sid", "abc")
    try:
        exchange(session, "GET", f"{origin_server.url}/where", timeout=10,
                 headers={"X-Request": "1", "Accept-Encoding": None})  # type: ignore[dict-item]
    finally:
        session.close()
    seen = origin_server.requests[-1]
    assert seen.header("x-session") == "yes" and seen.header("x-request") == "1"
    assert seen.header("cookie") == "sid=abc"
    assert "python-requests" in (seen.header("user-agent") or "")

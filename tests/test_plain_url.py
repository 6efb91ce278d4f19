"""A URL of an origin already prepared is routed by joining the prepared origin to its rest
(``_plain_url``, ``_exchange._known_origin_route``): each case is routed both ways on the
same adapter and must come out the same, or the shortcut must decline."""

from __future__ import annotations

import pytest

from arazzo_engine import _exchange
from arazzo_engine._exchange import new_session
from arazzo_engine._plain_url import authority_end, is_plain_rest

#: (URL seen first, URL routed next): the shortcut routes the second exactly as requests does
JOINED = [
    ("http://127.0.0.1:8080/a", "http://127.0.0.1:8080/api/v2/accounts/1/runs/77/"),
    ("http://127.0.0.1:8080/a", "http://127.0.0.1:8080/runs?include_related=a,b&x=1"),
    ("http://127.0.0.1:8080/a", "http://127.0.0.1:8080//double/slash"),
    ("http://127.0.0.1:8080/a", "http://127.0.0.1:8080/file.json;v=1"),
    ("http://127.0.0.1:8080/a", "http://127.0.0.1:8080/q?a=/b?c"),
    ("HTTP://Example.COM/a", "HTTP://Example.COM/b/c"),
    ("https://example.com:443/a", "https://example.com:443/b"),
    ("http://[::1]:9000/a", "http://[::1]:9000/runs/1"),
    ("http://bücher.example/a", "http://bücher.example/b"),
    ("http://example.com/a", "http://example.com/"),
]

#: (URL seen first, URL the shortcut leaves to requests)
DECLINED = [
    ("http://example.com/a", "http://example.com/a%20b"),  # requoted
    ("http://example.com/a", "http://example.com/a/./b"),  # dot segments removed
    ("http://example.com/a", "http://example.com/a/../b"),
    ("http://example.com/a", "http://example.com/a#top"),  # fragment
    ("http://example.com/a", "http://example.com/a?"),  # empty query dropped
    ("http://example.com/a", "http://example.com?x=1"),  # empty path made "/"
    ("http://example.com/a", "http://example.com"),
    ("http://example.com/a", "http://example.com/caf\u00e9"),  # quoted
    ("http://example.com/a", "http://example.com/a b"),
    ("http://example.com/a", "http://other.example/a"),  # origin not seen
    ("http://example.com/a", "http://example.com:80/a"),  # another spelling: not seen
]


def _adapter_after(first: str) -> tuple[object, _exchange._WatchedAdapter]:
    session = new_session(trust_env=False)
    env = _exchange._environment(session, first)
    assert _exchange._direct_route(session, first, True, env) is not None
    adapter = session.get_adapter(first)
    assert isinstance(adapter, _exchange._WatchedAdapter)
    return session, adapter


@pytest.mark.parametrize(("first", "url"), JOINED)
def test_a_plain_url_of_a_known_origin_is_routed_as_requests_routes_it(first: str,
                                                                       url: str) -> None:
    _, adapter = _adapter_after(first)
    joined = _exchange._known_origin_route(adapter, url, True)
    prepared = _exchange._new_route(adapter, url, True)
    assert joined is not None and prepared is not None
    assert (joined.url, joined.target, joined.pool, joined.tls) == (
        prepared.url, prepared.target, prepared.pool, prepared.tls)


@pytest.mark.parametrize(("first", "url"), DECLINED)
def test_anything_requests_would_change_is_left_to_requests(first: str, url: str) -> None:
    _, adapter = _adapter_after(first)
    assert _exchange._known_origin_route(adapter, url, True) is None


def test_an_origin_is_known_per_verify_setting() -> None:
    _, adapter = _adapter_after("https://example.com/a")
    assert _exchange._known_origin_route(adapter, "https://example.com/b", False) is None


def test_a_closed_pool_is_not_joined() -> None:
    _, adapter = _adapter_after("http://example.com/a")
    for known in adapter.prepared_origins.values():
        known.pool.close()
    assert _exchange._known_origin_route(adapter, "http://example.com/b", True) is None


@pytest.mark.parametrize(("url", "end"), [
    ("http://h:1/a?b", len("http://h:1")), ("https://u@h?x", len("https://u@h")),
    ("http://h#f", len("http://h")), ("mailto:x@y", -1), ("/relative", -1),
])
def test_the_authority_ends_at_the_first_slash_question_mark_or_hash(url: str,
                                                                     end: int) -> None:
    assert authority_end(url) == end


@pytest.mark.parametrize(("rest", "plain"), [
    ("/", True), ("/a/b-c_d.e~f", True), ("/a?x=1&y=2", True), ("/a;p=1", True),
    ("", False), ("?x", False), ("/a?", False), ("/a#b", False), ("/%41", False),
    ("/.well-known", False), ("/a/..", False), ("/a b", False), ("/\u00e9", False),
])
def test_a_plain_rest_is_one_requests_sends_as_written(rest: str, plain: bool) -> None:
    assert is_plain_rest(rest) is plain


def test_the_environment_is_read_once_per_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "example.com")
    session = new_session(trust_env=True)
    first = _exchange._environment(session, "http://example.com/runs/1")
    assert _exchange._environment(session, "http://example.com/runs/2?x=1") is first
    assert _exchange._environment(session, "http://other.example/runs/1") is not first

"""One bounded HTTP exchange over ``requests``: the only network code, shared by every layer.

requests' ``timeout`` bounds each socket operation, not the exchange: a server that sends its
status line, its headers or its body one byte a second never lets a read time out. Here a
watchdog thread shuts the connection's socket down when the exchange's time is up, whatever it is
waiting for (connect, status line, headers, body), and the blocked read returns at once. The
host name is looked up before there is a socket, by ``getaddrinfo``, which nothing can cut and
which a slow resolver can keep for many seconds: it runs on a helper thread that the exchange
stops waiting for when its time is up (``_resolve``). The
body is read in pieces and refused once it outgrows its cap (decompressed size, so a gzip bomb is
refused too). Redirects are followed here rather than by requests, so that a hop to another
origin can drop credentials (headers the caller names, secret query values) the way browsers and
curl drop ``Authorization``.

The document loader (remote source descriptions) and the executor's transport both use
``exchange``: one set of caps and timeouts for every byte the engine reads from a network.

What requests reads from the environment for each request (proxy variables and ``NO_PROXY``,
``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``, ``~/.netrc``: two walks of ``os.environ`` and two
``stat`` calls a request) is read here once per session and origin, with the same rules and
only when the session's ``trust_env`` asks for it; a session lives as long as a run, so a run
sees the environment it started in.

Two routes send a request. requests' layers above urllib3 (preparing a ``PreparedRequest``,
``Session.send``, ``HTTPAdapter.send``, building a ``Response``, ``iter_content``) cost more CPU
per exchange than urllib3's own work, and a polling run pays them on every poll. So when none
of what requests adds applies to a request (no auth, netrc or credentials in the URL, no proxy
for the origin, no session params, client certificate or hooks, our own adapter with requests'
own ``send``), the *direct route* hands it to the same urllib3 pool requests would have used,
with the same ``urlopen`` arguments and retries, after building exactly the request requests
would build: the URL as requests prepares it (requoted, IDNA host; kept per adapter and URL),
the session's headers under the request's, header lines checked as requests checks them,
Content-Length as requests sets it, the jar's Cookie line; the answer's Set-Cookie lines go
into the jar, urllib3's errors become the requests errors requests makes of them (so failures
read the same), and the body is read with the same cap and decoding. With requests' default
retries (none) the request is written and its answer read by ``_http11`` on a connection of
that pool, not through ``urlopen`` and http.client, whose layers cost more than the exchange
(same bytes, same reading, same failures: tests/test_http11.py). Anything else goes the
*requests route*: the request prepared and sent by ``Session.send`` with those settings,
which also skips requests' per-request merging of settings. ``responses`` (which replaces
``HTTPAdapter.send``) and any adapter of a caller's own therefore still see every request.
tests/test_exchange_direct.py holds the two routes to the same bytes on the wire.
"""

from __future__ import annotations

import codecs
import contextlib
import heapq
import ipaddress
import itertools
import os
import socket
import threading
import time
import weakref
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests
import requests.adapters
import requests.hooks
from requests.cookies import extract_cookies_to_jar, get_cookie_header
from requests.structures import CaseInsensitiveDict
from requests.utils import (
    check_header_validity,
    get_auth_from_url,
    get_environ_proxies,
    get_netrc_auth,
    select_proxy,
)
from urllib3 import exceptions as urllib3_exceptions
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ClosedPoolError,
    ConnectTimeoutError,
    DecodeError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.response import BaseHTTPResponse
from urllib3.util.connection import allowed_gai_family
from urllib3.util.timeout import Timeout

from arazzo_engine import _http11
from arazzo_engine._plain_url import authority_end, is_plain_rest

__all__ = ["MAX_BODY", "MAX_REDIRECTS", "ExchangeError", "Exchanged", "charset_of", "exchange",
           "new_session", "origin"]

#: Bytes of one (decompressed) response body read before the response is refused.
MAX_BODY = 64 * 1024 * 1024
MAX_REDIRECTS = 30
_CHUNK = 64 * 1024
_REDIRECTS = (301, 302, 303, 307, 308)
#: Dropped on a hop to another origin even when the caller names nothing else.
_ALWAYS_CREDENTIALS = frozenset({"authorization", "proxy-authorization", "cookie"})


class ExchangeError(Exception):
    """No usable response: the message is one line a person can act on."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.timed_out = timed_out


@dataclass
class Exchanged:
    status_code: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    url: str = ""


# the watchdog -------------------------------------------------------------------------------

class _Watch:
    """One exchange's socket and whether its time is up; the watchdog may cut it any moment."""

    def __init__(self, bounded: bool = True) -> None:
        self.lock = threading.Lock()
        self._changed: threading.Condition | None = None
        self.bounded = bounded  # False: no timeout, nothing to wait for on another thread
        self.sock: Any = None
        self.expired = False
        self.answered = False  # the status line and headers of the last hop arrived
        self.resolving: str | None = None  # the host name being looked up, if any

    @property
    def changed(self) -> threading.Condition:
        """Notified when the time is up (and when a name lookup this exchange waits for
        ends). Made on first use, always under ``lock``: most exchanges never wait on it."""
        if self._changed is None:
            self._changed = threading.Condition(self.lock)
        return self._changed

    def make_current(self) -> None:
        """This thread's exchange is this one (the connection's hooks read it): set again
        where an exchange goes on after a pause, perhaps on another thread."""
        _current.watch = self

    def attach(self, sock: Any) -> None:
        with self.lock:
            self.sock = sock
            if self.expired:
                _cut(sock)

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            if self.sock is not None:
                _cut(self.sock)
            if self._changed is not None:  # nobody waits on a condition not made yet
                self._changed.notify_all()


def _cut(sock: Any) -> None:
    # socket.socket.shutdown, not SSLSocket.shutdown: the TLS object stays in place for the
    # reader blocked in it, which then sees the end of the stream.
    with contextlib.suppress(OSError, TypeError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread for the process: a heap of deadlines.

    The thread is woken only when a new deadline falls before the moment it already means to
    wake (``wake_at``): with the usual timeouts (seconds) against exchanges that take
    milliseconds, it sleeps through them instead of being woken, and taking the interpreter
    lock, twice an exchange. Idle, it looks again every ``_IDLE`` seconds for a while, so a
    new exchange need not wake it either, and then sleeps until woken.
    """

    _IDLE = 5.0
    _IDLE_ROUNDS = 12  # a minute without exchanges: sleep until the next one wakes us

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.heap: list[tuple[float, int, _Watch]] = []
        self.armed: set[int] = set()
        self.counter = itertools.count()
        self.thread: threading.Thread | None = None
        self.wake_at = float("inf")

    def arm(self, watch: _Watch, seconds: float) -> int:
        ticket = next(self.counter)
        due = time.monotonic() + seconds
        with self.cond:
            heapq.heappush(self.heap, (due, ticket, watch))
            self.armed.add(ticket)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="arazzo-watchdog",
                                               daemon=True)
                self.thread.start()
            elif due < self.wake_at:
                self.cond.notify()
        return ticket

    def disarm(self, ticket: int) -> None:
        with self.cond:
            self.armed.discard(ticket)
            self._drop_disarmed()

    def _drop_disarmed(self) -> None:
        while self.heap and self.heap[0][1] not in self.armed:
            heapq.heappop(self.heap)

    def _run(self) -> None:
        idle = 0
        with self.cond:
            while True:
                self._drop_disarmed()
                now = time.monotonic()
                if not self.heap:
                    idle += 1
                    if idle > self._IDLE_ROUNDS:
                        self.wake_at = float("inf")
                        self.cond.wait()
                    else:
                        self.wake_at = now + self._IDLE
                        self.cond.wait(self._IDLE)
                    continue
                idle = 0
                due, ticket, watch = self.heap[0]
                if due > now:
                    self.wake_at = due
                    self.cond.wait(due - now)
                    continue
                heapq.heappop(self.heap)
                self.armed.discard(ticket)
                watch.expire()


_WATCHDOG = _Watchdog()
_current = threading.local()


def _attach_current(sock: Any) -> None:
    watch = getattr(_current, "watch", None)
    if watch is not None and sock is not None:
        watch.attach(sock)


def _resolve(host: str, port: int, watch: _Watch) -> list[str]:
    """The addresses of ``host``, looked up on a helper thread for as long as the exchange has.

    ``getaddrinfo`` blocks in the C library (resolv.conf's timeouts and attempts: tens of
    seconds for a dead name server) and cannot be interrupted. When the exchange's time is up
    first, the exchange goes on without waiting and the thread ends when the resolver answers.
    Raises ``socket.gaierror`` as ``getaddrinfo`` would, ``TimeoutError`` when time is up.
    """
    found: list[Any] = []

    def look_up() -> None:
        try:
            answer: Any = socket.getaddrinfo(host, port, allowed_gai_family(), socket.SOCK_STREAM)
        except Exception as exc:  # handed to the waiting thread, raised there
            answer = exc
        with watch.lock:
            found.append(answer)
            watch.changed.notify_all()

    with watch.lock:
        if watch.expired:
            raise TimeoutError(f"no time left to look up {host}")
        watch.resolving = host
    threading.Thread(target=look_up, name="arazzo-resolve", daemon=True).start()
    with watch.lock:
        while not found and not watch.expired:
            watch.changed.wait()
        if not found:
            raise TimeoutError(f"looking up {host} took longer than the exchange may")
        watch.resolving = None
    answer = found[0]
    if isinstance(answer, Exception):
        raise answer
    return list(dict.fromkeys(str(info[4][0]) for info in answer))


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").partition("%")[0])
    except ValueError:
        return False
    return True


def _new_connection(connection: HTTPConnection,
                    connect: Callable[[], socket.socket]) -> socket.socket:
    """urllib3's ``_new_conn`` (``connect``), with the host name looked up by ``_resolve`` so
    that a slow lookup cannot outlast the exchange; its addresses are tried in order, as
    urllib3 does."""
    watch = getattr(_current, "watch", None)
    host = connection._dns_host
    if watch is None or not watch.bounded or _is_address(host):
        return connect()
    try:
        addresses = _resolve(host, connection.port, watch)
    except socket.gaierror as exc:
        raise NameResolutionError(connection.host, connection, exc) from exc
    except TimeoutError as exc:
        raise ConnectTimeoutError(connection, str(exc)) from exc
    failure: Exception = NewConnectionError(connection, f"{host} has no address")
    for address in addresses:
        if watch.expired:
            break
        # The address stands in for the name during this connect only: ``host`` (what TLS
        # checks the certificate against, what the Host header names) reads ``_dns_host``.
        connection._dns_host = address
        try:
            return connect()
        except (NewConnectionError, ConnectTimeoutError) as exc:
            failure = exc
        finally:
            connection._dns_host = host
    raise failure


class _Connection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _new_connection(self, super()._new_conn)

    def connect(self) -> None:
        super().connect()
        _attach_current(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _attach_current(self.sock)  # a pooled connection, reused: no connect() this time
        super().request(*args, **kwargs)


class _TLSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _new_connection(self, super()._new_conn)

    def connect(self) -> None:
        super().connect()
        _attach_current(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _attach_current(self.sock)
        super().request(*args, **kwargs)


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _TLSConnection


_POOLS = {"http": _Pool, "https": _TLSPool}


class _WatchedAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter with connections the watchdog can cut."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)
        #: (URL, verify) -> its pool on the direct route (``_direct_route``).
        self.routes: dict[tuple[str, bool | str], _Route] = {}
        #: (scheme, host, port, verify) -> its pool: a new URL of a known origin (each run
        #: of a thousand polls its own run's URL) skips requests' and urllib3's pool lookup.
        self.origin_pools: dict[tuple[str, str | None, int | None, bool | str], Any] = {}
        #: (origin as written, verify) -> that origin as requests prepares it, its pool: a
        #: URL of a known origin with a plain rest is routed without parsing (_plain_url).
        self.prepared_origins: dict[tuple[str, bool | str], _PreparedOrigin] = {}
        #: Header lines already found valid (requests' ``check_header_validity``): a run
        #: sends the same few again and again. Kept by the adapter, so a run's credentials
        #: live no longer than its session.
        self.valid_lines: set[tuple[str, str]] = set()

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if hasattr(manager, "pool_classes_by_scheme"):
            manager.pool_classes_by_scheme = dict(_POOLS)
        return manager


def new_session(*, trust_env: bool = True, pool_size: int | None = None) -> requests.Session:
    """A session whose exchanges ``exchange`` can bound as a whole. ``pool_size``: the
    connections kept per origin (requests' default, 10, when None)."""
    session = requests.Session()
    session.trust_env = trust_env
    sized: dict[str, Any] = {} if pool_size is None else {"pool_maxsize": pool_size}
    session.mount("http://", _WatchedAdapter(**sized))
    session.mount("https://", _WatchedAdapter(**sized))
    return session


# one exchange --------------------------------------------------------------------------------

CredentialTest = Callable[[str, str], bool]


def exchange(
    session: requests.Session, method: str, url: str, *,
    headers: Mapping[str, str] | None = None, body: bytes | None = None,
    timeout: float | None = None, max_body: int = MAX_BODY, follow_redirects: bool = False,
    verify: bool | str = True, credential: CredentialTest | None = None,
    secret_values: frozenset[str] = frozenset(),
) -> Exchanged:
    """Sends one request (and its redirects when asked) within ``timeout`` seconds in all.

    ``credential(name, value)`` says which headers are credentials, dropped on a redirect to
    another origin (``Authorization``, ``Proxy-Authorization`` and ``Cookie`` always are);
    query parameters whose value is one of ``secret_values`` are dropped there too.

    Raises:
        ExchangeError: no response, a broken one, too big, or too slow.
    """
    return _http11.drive(exchange_steps(
        session, method, url, headers=headers, body=body, timeout=timeout, max_body=max_body,
        follow_redirects=follow_redirects, verify=verify, credential=credential,
        secret_values=secret_values))


def exchange_steps(
    session: requests.Session, method: str, url: str, *,
    headers: Mapping[str, str] | None = None, body: bytes | None = None,
    timeout: float | None = None, max_body: int = MAX_BODY, follow_redirects: bool = False,
    verify: bool | str = True, credential: CredentialTest | None = None,
    secret_values: frozenset[str] = frozenset(),
) -> Generator[_http11.Pause, None, Exchanged]:
    """``exchange`` as a step generator: it pauses where it would wait (``_http11.Pause``),
    so one thread can drive many exchanges (``executor/_scheduler``). A driver that closes
    it at a ``NeedsThread`` pause has sent nothing. The session's cookie jar is read when
    the generator starts and at each hop; the jar a response's cookies go into is the one
    read when its request was sent."""
    session = session if _is_watched(session) else _watched(session)
    watch = _Watch(bounded=timeout is not None)
    ticket = _WATCHDOG.arm(watch, timeout) if timeout is not None else None
    _current.watch = watch
    try:
        return (yield from _follow(session, method, url, dict(headers or {}), body, timeout,
                                   max_body, follow_redirects, verify, credential,
                                   secret_values, watch))
    except ExchangeError:
        raise
    except (requests.RequestException, _TooBig, ValueError, OSError) as exc:
        if watch.expired or isinstance(exc, requests.Timeout):
            raise ExchangeError(_too_slow(timeout, watch), timed_out=True) from None
        if isinstance(exc, _TooBig):
            raise ExchangeError(str(exc)) from None
        if isinstance(exc, requests.RequestException):
            raise ExchangeError(describe(exc, url)) from None
        # http.client refuses what it cannot encode (a header in UTF-8)
        raise ExchangeError(f"cannot send the request: {one_line(str(exc))}") from None
    finally:
        _current.watch = None
        if ticket is not None:
            _WATCHDOG.disarm(ticket)


def _too_slow(timeout: float | None, watch: _Watch) -> str:
    what = "complete response" if watch.answered else "response"
    seconds = "?" if timeout is None else f"{round(timeout, 2):g}"
    if watch.resolving is not None:
        return f"no response within {seconds} s (looking up the name {watch.resolving} took longer)"
    return f"no {what} within {seconds} s"


def _is_watched(session: requests.Session) -> bool:
    return isinstance(session.get_adapter("http://x"), _WatchedAdapter)


def _watched(session: requests.Session) -> requests.Session:
    """A caller's own session (a test's, say) gets cuttable connections too."""
    session.mount("http://", _WatchedAdapter())
    session.mount("https://", _WatchedAdapter())
    return session


def _follow(session: requests.Session, method: str, url: str, headers: dict[str, str],
            body: bytes | None, timeout: float | None, max_body: int, follow: bool,
            verify: bool | str, credential: CredentialTest | None,
            secret_values: frozenset[str],
            watch: _Watch) -> Generator[_http11.Pause, None, Exchanged]:
    start = url
    for _hop in range(MAX_REDIRECTS + 1):
        reply = yield from _send(session, method, url, headers, body, timeout, verify, watch)
        watch.answered = True
        try:
            status = reply.status
            location = reply.location()
            if not follow or status not in _REDIRECTS or not location:
                data = reply.read(url, max_body)
                if watch.expired:
                    raise ExchangeError(_too_slow(timeout, watch), timed_out=True)
                return Exchanged(status, reply.header_list(), data, reply.url or url)
            reply.drain()
        finally:
            reply.close()
        target = urljoin(url, location)
        if urlsplit(target).scheme not in ("http", "https"):
            raise ExchangeError(f"a redirect from {host_of(url)} points at {target!r}, "
                                "which is not http(s)")
        if origin(target) != origin(url):
            headers = {k: v for k, v in headers.items()
                       if k.lower() not in _ALWAYS_CREDENTIALS
                       and not (credential is not None and credential(k, v))}
            target = _without_secret_query(target, secret_values)
        if status == 303 or (status in (301, 302) and method == "POST"):
            method, body = ("HEAD" if method == "HEAD" else "GET"), None
            headers = {k: v for k, v in headers.items()
                       if k.lower() not in ("content-type", "content-length")}
        url = target
        watch.answered = False
    raise ExchangeError(f"too many redirects, starting at {start} (more than {MAX_REDIRECTS})")


@dataclass(frozen=True)
class _Environment:
    """What requests would read from the environment for one origin (trust_env on)."""

    proxies: dict[str, str]
    ca_bundle: str | None
    netrc: tuple[str, str] | None
    #: No proxy of the environment applies to this origin (requests' ``select_proxy``).
    direct: bool = True


#: session -> {origin: _Environment}; dropped with the session.
_ENVIRONMENTS: weakref.WeakKeyDictionary[requests.Session, dict[Any, _Environment]] = (
    weakref.WeakKeyDictionary())
_NOTHING = _Environment({}, None, None)


def _environment(session: requests.Session, url: str) -> _Environment:
    """Kept per origin as written (``scheme://authority``): proxies, NO_PROXY and netrc
    depend on the scheme, host and port alone."""
    if not session.trust_env:
        return _NOTHING
    known = _ENVIRONMENTS.get(session)
    if known is None:
        known = _ENVIRONMENTS.setdefault(session, {})
    end = authority_end(url)
    key: Any = url[:end] if end >= 0 else origin(url)
    found = known.get(key)
    if found is None:
        proxies = dict(get_environ_proxies(url, no_proxy=None))
        found = known[key] = _Environment(
            proxies=proxies,
            ca_bundle=(os.environ.get("REQUESTS_CA_BUNDLE")
                       or os.environ.get("CURL_CA_BUNDLE")),
            netrc=get_netrc_auth(url), direct=select_proxy(url, proxies) is None)
    return found


def _send(session: requests.Session, method: str, url: str, headers: dict[str, str],
          body: bytes | None, timeout: float | None, verify: bool | str,
          watch: _Watch) -> Generator[_http11.Pause, None, _Reply]:
    """One hop: straight to the connection pool when nothing of requests' own applies to it
    (``_direct_route``), else through ``Session.send`` (``_send_by_requests``, which blocks:
    a ``NeedsThread`` pause first)."""
    env = _environment(session, url)
    if verify is True and env.ca_bundle:
        verify = env.ca_bundle
    route = _direct_route(session, url, verify, env)
    if route is not None:
        method = method.upper()  # as requests prepares it
        wire_headers = _direct_headers(session, route, method, headers, body)
        if wire_headers is not None:
            return (yield from _send_direct(session, route, method, wire_headers,
                                            body or None, timeout, verify, watch))
    yield _http11.NEEDS_OWN_SESSION
    watch.make_current()  # the connection's hooks find the exchange's watch through it
    return _ByRequests(_send_by_requests(session, method, url, headers, body, timeout,
                                         verify, env))


def _send_by_requests(session: requests.Session, method: str, url: str,
                      headers: dict[str, str], body: bytes | None, timeout: float | None,
                      verify: bool | str, env: _Environment) -> requests.Response:
    """What ``session.request(...)`` does, with the environment read once per origin.

    Same merging as requests: the session's headers under the request's (a None value drops
    one), the session's auth or else netrc's, the session's cookies and hooks, environment
    proxies over the session's, the CA bundle variables in place of ``verify=True``.
    """
    merged: CaseInsensitiveDict[Any] = CaseInsensitiveDict(session.headers)
    merged.update(headers)
    for name in [name for name, value in merged.items() if value is None]:
        del merged[name]
    prepared = requests.PreparedRequest()
    prepared.prepare(method=method.upper(), url=url, headers=merged, data=body,
                     params=session.params or None, auth=session.auth or env.netrc,
                     cookies=session.cookies, hooks=session.hooks)
    proxies = {k: v for k, v in {**session.proxies, **env.proxies}.items() if v is not None}
    return session.send(prepared, timeout=timeout, allow_redirects=False, stream=True,
                        verify=verify, proxies=proxies, cert=session.cert)


# the direct route --------------------------------------------------------------------------

#: requests' own ``HTTPAdapter.send``: when it is not what the adapter would call (a test's
#: ``responses`` mock replaces it), every request goes through requests.
_ADAPTER_SEND = requests.adapters.HTTPAdapter.__dict__.get("send")
_SESSION_SEND = requests.Session.__dict__.get("send")
if (getattr(_ADAPTER_SEND, "__module__", None) != "requests.adapters"
        or getattr(_SESSION_SEND, "__module__", None) != "requests.sessions"):  # pragma: no cover
    _ADAPTER_SEND = _SESSION_SEND = None
_DEFAULT_HOOKS = requests.hooks.default_hooks()
#: Routes an adapter keeps (URL, verify) before it starts again: a run polls a few URLs.
_ROUTES_KEPT = 256


@dataclass(frozen=True)
class _Route:
    """Where one URL goes on the direct route: the URL as requests prepares it (requoted,
    IDNA host, ``/`` for an empty path), the request target it sends, and the pool."""

    url: str
    target: str
    pool: HTTPConnectionPool
    adapter: _WatchedAdapter
    tls: bool


class _Wire:
    """The request as the cookie jar reads it (``requests.cookies.MockRequest`` wraps it)."""

    def __init__(self, url: str, headers: Mapping[str, str]) -> None:
        self.url = url
        self.headers = CaseInsensitiveDict(headers)


def _direct_route(session: requests.Session, url: str, verify: bool | str,
                  env: _Environment) -> _Route | None:
    """The route that skips requests' per-request layers, when nothing of theirs applies.

    Anything that makes requests do more than prepare the request and hand it to urllib3
    sends the request through requests: a session of another class, auth (the session's,
    netrc's, credentials in the URL), a proxy for the origin, query params, a client
    certificate, response hooks, a cookie jar of another kind, an adapter other than ours,
    ``send`` replaced on the adapter or the session (``responses`` mocks the adapter's), a
    body or header requests would have to convert, a URL requests refuses.
    """
    if (type(session) is not requests.Session or _ADAPTER_SEND is None
            or requests.Session.send is not _SESSION_SEND or not env.direct
            or env.netrc is not None or session.auth or session.proxies or session.params
            or session.cert is not None or session.hooks != _DEFAULT_HOOKS
            or not isinstance(session.cookies, CookieJar)):
        return None
    try:
        adapter = session.get_adapter(url)
    except requests.RequestException:
        return None
    if type(adapter) is not _WatchedAdapter or _WatchedAdapter.send is not _ADAPTER_SEND:
        return None
    key = (url, verify)
    route = adapter.routes.get(key)
    if route is None or route.pool.pool is None:  # a closed pool (session closed, evicted)
        route = _known_origin_route(adapter, url, verify) or _new_route(adapter, url, verify)
        if route is None:
            return None
        if len(adapter.routes) >= _ROUTES_KEPT:
            adapter.routes.clear()
        adapter.routes[key] = route
    return route


def _new_route(adapter: _WatchedAdapter, url: str, verify: bool | str) -> _Route | None:
    prepared = requests.PreparedRequest()
    try:
        prepared.prepare_url(url, None)
        wire_url = str(prepared.url)
        if not wire_url.lower().startswith(("http://", "https://")) or any(
                get_auth_from_url(wire_url)):
            return None
        # adapter.request_url(prepared, proxies={}), which is the path and query:
        target = prepared.path_url
        if target.startswith("//"):
            target = f"/{target.lstrip('/')}"
        parts = urlsplit(wire_url)
        key = (parts.scheme.lower(), parts.hostname, parts.port, verify)
        pool: Any = adapter.origin_pools.get(key)
        if pool is None or pool.pool is None:  # none yet, or closed (session closed, evicted)
            pool = adapter.get_connection_with_tls_context(prepared, verify, proxies={},
                                                           cert=None)
            if len(adapter.origin_pools) >= _ROUTES_KEPT:
                adapter.origin_pools.clear()
            adapter.origin_pools[key] = pool
    except Exception:  # requests' own route raises it again, as requests words it
        return None
    tls = wire_url.lower().startswith("https:")
    end = authority_end(url)
    if end >= 0:
        rest = url[end:]
        if is_plain_rest(rest) and wire_url.endswith(rest):
            if len(adapter.prepared_origins) >= _ROUTES_KEPT:
                adapter.prepared_origins.clear()
            adapter.prepared_origins[(url[:end], verify)] = _PreparedOrigin(
                wire_url[:len(wire_url) - len(rest)], pool, tls)
    return _Route(wire_url, target, pool, adapter, tls)


@dataclass(frozen=True)
class _PreparedOrigin:
    prepared: str
    pool: HTTPConnectionPool
    tls: bool


def _known_origin_route(adapter: _WatchedAdapter, url: str,
                        verify: bool | str) -> _Route | None:
    """The route of a URL whose origin was prepared before, when its rest is plain: what
    ``_new_route`` would find, without requests' and urllib3's parsing."""
    end = authority_end(url)
    if end < 0:
        return None
    known = adapter.prepared_origins.get((url[:end], verify))
    if known is None or known.pool.pool is None:
        return None
    rest = url[end:]
    if not is_plain_rest(rest):
        return None
    target = f"/{rest.lstrip('/')}" if rest.startswith("//") else rest
    return _Route(known.prepared + rest, target, known.pool, adapter, known.tls)


def _direct_headers(session: requests.Session, route: _Route, method: str,
                    headers: Mapping[str, Any], body: bytes | None) -> dict[str, str] | None:
    """The header lines requests would send, in its order, or None to let requests send.

    The session's headers under the request's (a None value drops one; names compared
    without case, the later spelling kept), each line checked as requests checks it, then
    Content-Length as requests sets it for a bytes body, then the jar's Cookie line.
    """
    if body is not None and type(body) is not bytes:
        return None
    lines: dict[str, tuple[str, Any]] = {}
    for source in (session.headers, headers):
        for name, value in source.items():
            if type(name) is not str:
                return None
            lines[name.lower()] = (name, value)
    sent: dict[str, tuple[str, str]] = {}
    valid = route.adapter.valid_lines
    for key, (name, value) in lines.items():
        if value is None:
            continue
        if type(value) is not str:
            return None
        if (name, value) not in valid:
            check_header_validity((name, value))  # raises requests' InvalidHeader
            if len(valid) >= _VALID_LINES_KEPT:
                valid.clear()
            valid.add((name, value))
        sent[key] = (name, value)
    if body:
        sent["content-length"] = ("Content-Length", str(len(body)))
    elif method not in ("GET", "HEAD") and "content-length" not in sent:
        sent["content-length"] = ("Content-Length", "0")
    wire = {name: value for name, value in sent.values()}
    jar = session.cookies
    if jar._cookies:  # type: ignore[attr-defined]  # an empty jar adds nothing
        cookie = get_cookie_header(jar, _Wire(route.url, wire))
        if cookie is not None:
            wire["Cookie"] = cookie
    return wire


#: Header lines an adapter keeps as found valid before it starts again.
_VALID_LINES_KEPT = 1024
_TIMEOUTS: dict[float | None, Timeout] = {}


def _send_direct(session: requests.Session, route: _Route, method: str,
                 headers: dict[str, str], body: bytes | None, timeout: float | None,
                 verify: bool | str, watch: _Watch) -> Generator[_http11.Pause, None, _Reply]:
    """``HTTPAdapter.send`` without its per-request layers: the same pool, retries, timeout
    and urlopen arguments, urllib3's errors raised as the requests errors requests makes of
    them (so ``describe`` words them alike), and the response's cookies into the jar."""
    jar = session.cookies  # the jar this request was sent with takes its answer's cookies
    if route.tls:
        route.adapter.cert_verify(route.pool, route.url, verify, None)
    bound = _TIMEOUTS.get(timeout)
    if bound is None:
        bound = _TIMEOUTS[timeout] = Timeout(connect=timeout, read=timeout)
        if len(_TIMEOUTS) > 64:
            _TIMEOUTS.clear()
    raw: BaseHTTPResponse | _http11.Answer
    try:
        if _http11.applies(route.adapter.max_retries):
            raw = yield from _http11.send_steps(route.pool, method, route.target, headers,
                                                body, timeout, watch.attach,
                                                watch.make_current)
        else:
            yield _http11.NEEDS_THREAD
            watch.make_current()
            raw = route.pool.urlopen(
                method=method, url=route.target, body=body, headers=headers, redirect=False,
                assert_same_host=False, preload_content=False, decode_content=False,
                retries=route.adapter.max_retries, timeout=bound, chunked=False)
    except (ProtocolError, OSError) as err:
        raise requests.ConnectionError(err) from None
    except MaxRetryError as err:
        reason = err.reason
        if isinstance(reason, ConnectTimeoutError) and not isinstance(reason,
                                                                      NewConnectionError):
            raise requests.ConnectTimeout(err) from None
        if isinstance(reason, ResponseError):
            raise requests.exceptions.RetryError(err) from None
        if isinstance(reason, urllib3_exceptions.ProxyError):
            raise requests.exceptions.ProxyError(err) from None
        if isinstance(reason, urllib3_exceptions.SSLError):
            raise requests.exceptions.SSLError(err) from None
        raise requests.ConnectionError(err) from None
    except ClosedPoolError as err:
        raise requests.ConnectionError(err) from None
    except urllib3_exceptions.ProxyError as err:
        raise requests.exceptions.ProxyError(err) from None
    except urllib3_exceptions.SSLError as err:
        raise requests.exceptions.SSLError(err) from None
    except ReadTimeoutError as err:
        raise requests.ReadTimeout(err) from None
    except urllib3_exceptions.InvalidHeader as err:
        raise requests.exceptions.InvalidHeader(err) from None
    answered = raw.headers
    if "set-cookie" in answered or "set-cookie2" in answered:
        extract_cookies_to_jar(jar, _Wire(route.url, headers), raw)
    if isinstance(raw, _http11.Answer):
        return _Lean(raw, route.url)
    return _Direct(raw, route.url)


# replies -----------------------------------------------------------------------------------

class _Reply:
    """One hop's response, whichever route it came by."""

    status: int
    url: str

    def location(self) -> str | None:
        raise NotImplementedError

    def _chunks(self) -> Iterator[bytes]:
        """The body's decoded pieces, failures raised as requests raises them."""
        raise NotImplementedError

    def read(self, url: str, max_body: int) -> bytes:
        """The whole (decoded) body, refused once it outgrows ``max_body``."""
        return _read(self._chunks(), url, max_body)

    def drain(self) -> None:
        """Reads a small redirect body so the connection can be reused; a big one is dropped."""
        with contextlib.suppress(requests.RequestException):
            for _ in zip(range(4), self._chunks(), strict=False):
                pass

    def header_list(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _ByRequests(_Reply):
    def __init__(self, response: requests.Response) -> None:
        self.response = response
        self.status = response.status_code
        self.url = response.url

    def location(self) -> str | None:
        return self.response.headers.get("Location")

    def _chunks(self) -> Iterator[bytes]:
        return self.response.iter_content(_CHUNK)

    def header_list(self) -> list[tuple[str, str]]:
        return list(raw_headers(self.response))

    def close(self) -> None:
        self.response.close()


#: What urllib3 raises while a body streams, as requests' ``iter_content`` raises it.
_BODY_ERRORS: tuple[tuple[type[Exception], type[Exception]], ...] = (
    (ProtocolError, requests.exceptions.ChunkedEncodingError),
    (DecodeError, requests.exceptions.ContentDecodingError),
    (ReadTimeoutError, requests.ConnectionError),
    (urllib3_exceptions.SSLError, requests.exceptions.SSLError),
)
_BODY_ERROR_TYPES = tuple(raised for raised, _ in _BODY_ERRORS)


def _as_requests_error(error: Exception) -> Exception:
    for raised, made in _BODY_ERRORS:
        if isinstance(error, raised):
            return made(error)
    return error  # pragma: no cover  (only the types above are passed in)


class _Direct(_Reply):
    def __init__(self, raw: BaseHTTPResponse, url: str) -> None:
        self.raw = raw
        self.status = raw.status
        self.url = url
        self.whole = False  # read to its end: the connection goes back to the pool

    def location(self) -> str | None:
        return self.raw.headers.get("Location")

    def _chunks(self) -> Iterator[bytes]:
        try:
            yield from self.raw.stream(_CHUNK, decode_content=True)
        except _BODY_ERROR_TYPES as error:
            raise _as_requests_error(error) from None
        self.whole = True

    def header_list(self) -> list[tuple[str, str]]:
        return list(self.raw.headers.items())  # str names and values, repeats kept apart

    def close(self) -> None:
        if not self.whole:  # as requests' Response.close: a half-read body closes the socket
            self.raw.close()
        self.raw.release_conn()


class _Lean(_Reply):
    """A response read by ``_http11`` (the direct route with requests' default retries)."""

    def __init__(self, answer: _http11.Answer, url: str) -> None:
        self.answer = answer
        self.status = answer.status
        self.url = url

    def location(self) -> str | None:
        return self.answer.headers.get("location")

    def _chunks(self) -> Iterator[bytes]:
        try:
            yield from self.answer.stream()
        except _BODY_ERROR_TYPES as error:
            raise _as_requests_error(error) from None

    def header_list(self) -> list[tuple[str, str]]:
        return self.answer.headers.grouped()

    def close(self) -> None:
        self.answer.release()


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port: what the same-origin rule compares."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def _without_secret_query(url: str, secret_values: frozenset[str]) -> str:
    parts = urlsplit(url)
    if not parts.query or not secret_values:
        return url
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if v not in secret_values]
    return urlunsplit(parts._replace(query=urlencode(kept)))


class _TooBig(Exception):
    pass


def _read(chunks: Iterator[bytes], url: str, max_body: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > max_body:
            raise _TooBig(f"the response body from {host_of(url)} is larger than "
                          f"{_size(max_body)}")
        parts.append(chunk)
    return b"".join(parts)


def _size(limit: int) -> str:
    mib = limit / (1024 * 1024)
    return f"{mib:g} MiB" if mib >= 1 else f"{limit} bytes"


def charset_of(content_type: str) -> str:
    """The ``charset`` a Content-Type declares when Python knows it, else UTF-8 (the default
    of JSON and of most APIs)."""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            try:
                return codecs.lookup(value.strip().strip('"').strip("'")).name
            except LookupError:
                break
    return "utf-8"


# messages --------------------------------------------------------------------------------------

def host_of(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:  # a URL urllib cannot split either ("http://[::1")
        return url
    netloc = parts.netloc.rpartition("@")[2]  # never the userinfo
    return netloc or url


def raw_headers(response: requests.Response) -> Iterator[tuple[str, str]]:
    raw = getattr(response.raw, "headers", None)
    if raw is not None and hasattr(raw, "items"):
        yield from ((str(k), str(v)) for k, v in raw.items())
    else:
        yield from response.headers.items()


def describe(exc: requests.RequestException, url: str) -> str:
    """One line a person can act on, instead of urllib3's nested exception reprs."""
    import re

    host = host_of(url)
    text = str(exc.args[0]) if exc.args else type(exc).__name__
    if isinstance(exc, requests.exceptions.SSLError):
        found = re.search(r"\[SSL: [A-Z0-9_]+\] ([^(']+)", text)
        return f"TLS failed with {host}: {(found.group(1) if found else text).strip()}"
    broken = re.search(r"Connection broken: (\w+)\((.*?)\)['\"]?,", text)
    if broken:
        return f"the response from {host} broke off ({broken.group(1)}: {broken.group(2)})"
    aborted = re.search(r"Connection aborted\.', (\w+)\((.*)\)\)$", text)
    if aborted:
        return (f"{host} closed the connection or did not answer with HTTP "
                f"({aborted.group(1)}: {one_line(aborted.group(2))})")
    if isinstance(exc, requests.ConnectionError):
        found = re.search(r"\[Errno -?\d+\] ([^)'\"]+)", text)
        return f"cannot connect to {host}: {(found.group(1) if found else text).strip()}"
    return f"{type(exc).__name__}: {one_line(text)}"


def one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."

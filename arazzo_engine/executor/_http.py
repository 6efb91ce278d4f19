"""The HTTP adapter: the only place the executor touches the network.

The state machine describes a request as an ``HttpRequest`` and receives an ``HttpResponse`` (or a
``TransportFailure``); a ``Transport`` turns one into the other. ``RequestsTransport`` is the real
one: one pooled ``requests.Session`` per run, redirects off unless asked, TLS verified.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import requests

from arazzo_engine import _http11
from arazzo_engine._exchange import (
    MAX_BODY,
    ExchangeError,
    charset_of,
    exchange_steps,
    new_session,
)
from arazzo_engine.executor._masking import is_secret_name

if TYPE_CHECKING:
    from arazzo_engine.executor._options import RunOptions

__all__ = [
    "MAX_RESPONSE_BODY",
    "HttpRequest",
    "HttpResponse",
    "RequestsTransport",
    "Transport",
    "TransportFailure",
]


#: Bytes of one response body the transport reads before it gives up on the response.
MAX_RESPONSE_BODY = MAX_BODY


@dataclass
class HttpRequest:
    """One request as the machine wants it sent; ``url`` already carries the encoded query."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    timeout: float | None = None
    #: Values known to be secret when the request was built: never sent to another origin on
    #: a redirect. Not part of the request's record (``to_dict``).
    secret_values: frozenset[str] = field(default_factory=frozenset, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.url,
            "headers": dict(self.headers),
            "body": None if self.body is None else self.body.decode("utf-8", "replace"),
            "timeout": self.timeout,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HttpRequest:
        body = data.get("body")
        return cls(
            method=data["method"], url=data["url"], headers=dict(data.get("headers") or {}),
            body=None if body is None else str(body).encode("utf-8"), timeout=data.get("timeout"),
        )


@dataclass
class HttpResponse:
    """What came back. ``received_at`` is wall-clock time, used to read HTTP-date Retry-After."""

    status_code: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    elapsed: float = 0.0
    received_at: float = 0.0
    url: str = ""

    def header(self, name: str) -> str | None:
        """The first value of a header, compared case-insensitively as HTTP requires."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    @property
    def content_type(self) -> str:
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str:
        """The declared ``charset`` when Python knows it, else UTF-8."""
        return charset_of(self.header("Content-Type") or "")

    @property
    def text(self) -> str:
        return self.body.decode(self.charset, "replace")


@dataclass
class TransportFailure:
    """The request got no HTTP response at all: refused connection, timeout, TLS error."""

    message: str
    elapsed: float = 0.0
    #: True when the request's ``timeout`` ran out (rather than the connection failing).
    timed_out: bool = False


class Transport(Protocol):
    """Sends one request. Never raises for network trouble: it returns a ``TransportFailure``."""

    def send(self, request: HttpRequest) -> HttpResponse | TransportFailure: ...

    def close(self) -> None: ...


class RequestsTransport:
    """A ``Transport`` over one ``requests.Session`` (connection pooling for the whole run).

    Each exchange is bounded as a whole by the request's ``timeout`` (connect, status line,
    headers and body together: ``arazzo_engine._exchange``). ``trust_env`` keeps requests'
    handling of proxy variables and netrc for real use; tests pass ``trust_env=False`` so a
    developer's proxy settings cannot bend them.
    """

    def __init__(
        self, *, follow_redirects: bool = False, verify: bool | str = True,
        trust_env: bool = True, session: requests.Session | None = None,
        max_body: int = MAX_RESPONSE_BODY, pool_size: int | None = None,
    ) -> None:
        self.session = session or new_session(trust_env=trust_env, pool_size=pool_size)
        self.session.trust_env = trust_env
        self.follow_redirects = follow_redirects
        self.verify = verify
        self.max_body = max_body

    @classmethod
    def for_options(cls, options: RunOptions, *,
                    pool_size: int | None = None) -> RequestsTransport:
        """The transport a run's options ask for: the one place that maps them, so a run, a
        resume, the scheduler and the tester cannot disagree on redirects, TLS or proxies.
        ``pool_size``: connections kept per origin (one transport shared by many runs)."""
        return cls(follow_redirects=options.follow_redirects, verify=options.verify,
                   trust_env=options.trust_env, pool_size=pool_size)

    def send(self, request: HttpRequest) -> HttpResponse | TransportFailure:
        return _http11.drive(self.send_steps(request))

    def send_steps(self, request: HttpRequest) -> Generator[
            _http11.Pause, None, HttpResponse | TransportFailure]:
        """``send`` as a step generator (``_exchange.exchange_steps``): the scheduler drives
        many of them on one thread, each paused while its answer is on the way."""
        started = time.monotonic()
        secrets = request.secret_values

        def credential(name: str, value: str) -> bool:
            return is_secret_name(name) or any(s in value for s in secrets)

        try:
            answer = yield from exchange_steps(
                self.session, request.method, request.url, headers=request.headers,
                body=request.body, timeout=request.timeout, max_body=self.max_body,
                follow_redirects=self.follow_redirects, verify=self.verify,
                credential=credential, secret_values=frozenset(secrets),
            )
        except ExchangeError as error:
            return TransportFailure(error.message, elapsed=time.monotonic() - started,
                                    timed_out=error.timed_out)
        return HttpResponse(
            status_code=answer.status_code, headers=answer.headers, body=answer.body,
            elapsed=time.monotonic() - started, received_at=time.time(), url=answer.url,
        )

    def close(self) -> None:
        self.session.close()

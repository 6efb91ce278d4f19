"""The HTTP adapter: the only place the executor touches the network.

The state machine describes a request as an ``HttpRequest`` and receives an ``HttpResponse`` (or a
``TransportFailure``); a ``Transport`` turns one into the other. ``RequestsTransport`` is the real
one: one pooled ``requests.Session`` per run, redirects off unless asked, TLS verified.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests

__all__ = [
    "MAX_RESPONSE_BODY",
    "HttpRequest",
    "HttpResponse",
    "RequestsTransport",
    "Transport",
    "TransportFailure",
]


#: Bytes of one response body the transport reads before it gives up on the response.
MAX_RESPONSE_BODY = 64 * 1024 * 1024


@dataclass
class HttpRequest:
    """One request as the machine wants it sent; ``url`` already carries the encoded query."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    timeout: float | None = None

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
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class TransportFailure:
    """The request got no HTTP response at all: refused connection, timeout, TLS error."""

    message: str
    elapsed: float = 0.0


class Transport(Protocol):
    """Sends one request. Never raises for network trouble: it returns a ``TransportFailure``."""

    def send(self, request: HttpRequest) -> HttpResponse | TransportFailure: ...

    def close(self) -> None: ...


class RequestsTransport:
    """A ``Transport`` over one ``requests.Session`` (connection pooling for the whole run).

    ``trust_env`` keeps requests' handling of proxy variables and netrc for real use; tests pass
    ``trust_env=False`` so a developer's proxy settings cannot bend them.
    """

    def __init__(
        self, *, follow_redirects: bool = False, verify: bool | str = True,
        trust_env: bool = True, session: requests.Session | None = None,
        max_body: int = MAX_RESPONSE_BODY,
    ) -> None:
        self.session = session or requests.Session()
        self.session.trust_env = trust_env
        self.follow_redirects = follow_redirects
        self.verify = verify
        self.max_body = max_body

    def send(self, request: HttpRequest) -> HttpResponse | TransportFailure:
        started = time.monotonic()
        try:
            response = self.session.request(
                request.method, request.url, headers=request.headers, data=request.body,
                timeout=request.timeout, allow_redirects=self.follow_redirects,
                verify=self.verify, stream=True,
            )
            with response:
                body = self._read(response, request, started)
        except _Refused as refused:
            return TransportFailure(str(refused), elapsed=time.monotonic() - started)
        except requests.Timeout:
            return TransportFailure(
                f"no response within {request.timeout} s", elapsed=time.monotonic() - started
            )
        except requests.RequestException as exc:
            return TransportFailure(_describe(exc, request.url),
                                    elapsed=time.monotonic() - started)
        except ValueError as exc:  # http.client refuses what it cannot encode (a header in UTF-8)
            return TransportFailure(f"cannot send the request: {_one_line(str(exc))}",
                                    elapsed=time.monotonic() - started)
        return HttpResponse(
            status_code=response.status_code,
            headers=list(_raw_headers(response)),
            body=body,
            elapsed=time.monotonic() - started,
            received_at=time.time(),
            url=response.url,
        )

    def close(self) -> None:
        self.session.close()

    def _read(self, response: requests.Response, request: HttpRequest, started: float) -> bytes:
        """The whole body, unless it outgrows ``max_body`` or the request's timeout: a server
        trickling bytes forever would otherwise never let the run end."""
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > self.max_body:
                raise _Refused(f"the response body from {_host(request.url)} is larger than "
                               f"{self.max_body // (1024 * 1024)} MiB")
            if request.timeout is not None and time.monotonic() - started > request.timeout:
                raise _Refused(f"no complete response within {request.timeout} s")
            chunks.append(chunk)
        return b"".join(chunks)


class _Refused(Exception):
    """A response the transport gives up on while reading it."""


def _host(url: str) -> str:
    try:
        return urlsplit(url).netloc or url
    except ValueError:  # a URL urllib cannot split either ("http://[::1")
        return url


def _raw_headers(response: requests.Response) -> Iterator[tuple[str, str]]:
    raw = getattr(response.raw, "headers", None)
    if raw is not None and hasattr(raw, "items"):
        yield from ((str(k), str(v)) for k, v in raw.items())
    else:
        yield from response.headers.items()


_OS_ERROR = re.compile(r"\[Errno -?\d+\] ([^)'\"]+)")
_TLS_ERROR = re.compile(r"\[SSL: [A-Z0-9_]+\] ([^(']+)")
_BROKEN = re.compile(r"Connection broken: (\w+)\((.*?)\)['\"]?,")
_ABORTED = re.compile(r"Connection aborted\.', (\w+)\((.*)\)\)$")


def _describe(exc: requests.RequestException, url: str) -> str:
    """One line a person can act on, instead of urllib3's nested exception reprs."""
    host = _host(url)
    text = str(exc.args[0]) if exc.args else type(exc).__name__
    if isinstance(exc, requests.exceptions.SSLError):
        found = _TLS_ERROR.search(text)
        return f"TLS failed with {host}: {(found.group(1) if found else text).strip()}"
    if isinstance(exc, requests.TooManyRedirects):
        return f"too many redirects, starting at {url}: {_one_line(text)}"
    broken = _BROKEN.search(text)
    if broken:
        return f"the response from {host} broke off ({broken.group(1)}: {broken.group(2)})"
    aborted = _ABORTED.search(text)
    if aborted:
        return (f"{host} closed the connection or did not answer with HTTP "
                f"({aborted.group(1)}: {_one_line(aborted.group(2))})")
    if isinstance(exc, requests.ConnectionError):
        found = _OS_ERROR.search(text)
        return f"cannot connect to {host}: {(found.group(1) if found else text).strip()}"
    return f"{type(exc).__name__}: {_one_line(text)}"


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."

"""One HTTP/1.1 request and its response on a pooled urllib3 connection, without http.client.

Why: on the direct route (``arazzo_engine._exchange``) the request is already built exactly as
requests would build it, yet putting it on the wire through urllib3's ``urlopen`` and reading
the answer through http.client cost several times the exchange's own work: layers of objects,
an e-mail parser for the header lines, and a socket timeout set and a ``poll`` made before every
write and read. Each of those system calls also lets go of the interpreter lock, which a
process driving many runs at once pays for in thread switches. Here the request goes out in one
write and a small response comes in with one read.

urllib3 still owns the connections: its pool hands one out (checking that a kept-alive one is
still open), connects it (name lookup, TLS and its verification, the same warnings) and takes
it back. The exchange as a whole is bounded by ``_exchange``'s watchdog, which cuts the socket
when time is up, so once connected the socket needs no timeout of its own.

What comes back is read as http.client and urllib3 read it: the status line and header lines
with their limits, ``100 Continue`` skipped, the body framed by ``Transfer-Encoding: chunked``,
``Content-Length`` or the end of the connection (none for HEAD, 1xx, 204 and 304), decoded by
urllib3's own content decoders. Failures are raised as the exceptions urllib3 raises for them,
same classes, same messages, so ``_exchange`` words them as it words requests' route
(tests/test_exchange_direct.py compares the two).

The exchange is a step generator (``send_steps``) that pauses where it would wait: before a
connection is made, and once the request is sent. ``drive`` runs one to its end, blocking at
each pause; the scheduler's thread instead waits on many sockets at once and lets each
exchange go on once its answer has arrived (``_framing``), so one thread serves many runs.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from http.client import (
    BadStatusLine,
    HTTPException,
    LineTooLong,
    RemoteDisconnected,
    UnknownProtocol,
)
from typing import Any, TypeVar, cast

import urllib3
from urllib3.connection import HTTPConnection
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    IncompleteRead,
    InvalidHeader,
    MaxRetryError,
    ProtocolError,
    SSLError,
)
from urllib3.response import HTTPResponse
from urllib3.util.retry import Retry

__all__ = ["NEEDS_OWN_SESSION", "NEEDS_THREAD", "Answer", "NeedsThread", "Pause", "Readable",
           "applies", "drive", "send_steps"]

_T = TypeVar("_T")

_MAX_LINE = 65536  # http.client's limit on a status or header line
_MAX_HEADERS = 100  # and on the number of header lines (the blank one included)
_MAX_CHUNK_LINE = 2 ** 16
_READ = 65536
_NO_BODY_STATUSES = frozenset({204, 304})
_CONTROL = re.compile("[\x00-\x20\x7f]")  # what http.client refuses in a request target
_METHOD_CONTROL = re.compile(r"[^!#$%&'*+\-.^_`|~0-9a-zA-Z]")
_USER_AGENT = "python-urllib3/" + urllib3.__version__
#: What e-mail header parsing (and so http.client) takes for a header line.
_HEADER_NAME = re.compile(r"[\041-\071\073-\176]*:")


def applies(retries: Any) -> bool:
    """True for the retries requests gives an adapter by default (none, reads never): the
    only ones this module follows, as urlopen would. Other retries go through urlopen."""
    return (isinstance(retries, Retry) and retries.total == 0 and retries.read is False
            and retries.connect is None and retries.other is None and retries.status is None)


class _Reader:
    """The connection's bytes as they arrive: lines and lengths out of one growing buffer."""

    def __init__(self, sock: Any) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.start = 0
        #: A failure met by ``take_arrived``, raised where the reading meets it.
        self.failure: OSError | None = None

    def take_arrived(self) -> bool:
        """One read of what has come, for a caller that knows the socket is readable (so it
        does not block); False at the end of the stream, or on a failure, which is kept
        and raised when the reading gets there (as a blocking read would have raised it)."""
        try:
            return self._fill()
        except OSError as error:
            self.failure = error
            return False

    def _fill(self) -> bool:
        if self.failure is not None:
            raise self.failure
        data = self.sock.recv(_READ)
        if not data:
            return False
        if self.start:
            del self.buffer[:self.start]
            self.start = 0
        self.buffer += data
        return True

    def line(self, limit: int) -> bytes:
        """One line with its end (shorter at the end of the stream); ``limit + 1`` bytes of
        a longer line, as ``readline(limit + 1)`` gives them."""
        while True:
            end = self.buffer.find(b"\n", self.start)
            if end >= 0 and end - self.start <= limit:
                return self.take(end + 1 - self.start)
            if len(self.buffer) - self.start > limit or not self._fill():
                return self.take(min(len(self.buffer) - self.start, limit + 1))

    def take(self, size: int) -> bytes:
        data = bytes(self.buffer[self.start:self.start + size])
        self.start += len(data)
        return data

    def some(self, most: int) -> bytes:
        """Up to ``most`` bytes: what is buffered, else one read (b"" at the end)."""
        if self.start >= len(self.buffer) and not self._fill():
            return b""
        return self.take(min(most, len(self.buffer) - self.start))

    def exactly(self, size: int) -> bytes:
        """``size`` bytes, or fewer when the stream ends first."""
        while len(self.buffer) - self.start < size and self._fill():
            pass
        return self.take(min(size, len(self.buffer) - self.start))

    def block(self) -> list[bytes] | None:
        """The header lines up to the blank one, taken at once when they are all buffered
        with CRLF line ends and within the limits (the usual case); else None, and nothing
        is taken, for the line-by-line reading that words each failure."""
        end = self.buffer.find(b"\r\n\r\n", self.start - 2 if self.start >= 2 else 0)
        if end < 0:
            return None
        if end < self.start:  # the blank line comes first: no header lines
            lines: list[bytes] = []
        else:
            text = bytes(self.buffer[self.start:end])
            lines = text.split(b"\r\n")
            if (len(lines) + 1 > _MAX_HEADERS or text.count(b"\n") != len(lines) - 1
                    or max(map(len, lines)) > _MAX_LINE - 2):
                return None
        self.start = end + 4
        return lines

    @property
    def pending(self) -> bool:
        return self.start < len(self.buffer)


class _Headers:
    """The response's header lines, in order, repeats kept; names compared without case."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self.items = items
        self.names = {name.lower() for name, _ in items}

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self.names

    def get(self, name: str, default: str | None = None) -> str | None:
        wanted = name.lower()
        if wanted in self.names:
            for key, value in self.items:
                if key.lower() == wanted:
                    return value
        return default

    def get_all(self, name: str, default: Any = None) -> Any:
        """As ``email.message.Message.get_all``: what the cookie jar reads Set-Cookie with."""
        wanted = name.lower()
        found = [value for key, value in self.items if key.lower() == wanted]
        return found or default

    def grouped(self) -> list[tuple[str, str]]:
        """Each name's values together, names in the order first seen, each spelt as first
        seen: how urllib3's header dict lists them (and so what requests' route reports)."""
        groups: dict[str, tuple[str, list[str]]] = {}
        for name, value in self.items:
            groups.setdefault(name.lower(), (name, []))[1].append(value)
        return [(name, value) for name, values in groups.values() for value in values]


class Answer:
    """A response whose status and headers have arrived; its body is read by ``stream``.

    ``_original_response`` lets ``requests.cookies.extract_cookies_to_jar`` read it as it
    reads urllib3's responses (``.msg.get_all``)."""

    def __init__(self, pool: HTTPConnectionPool, conn: HTTPConnection, reader: _Reader,
                 status: int, version: int, headers: _Headers, method: str) -> None:
        self.pool = pool
        self.conn: HTTPConnection | None = conn
        self.reader = reader
        self.status = status
        self.headers = headers
        self.msg = headers
        self._original_response = self
        self.chunked = (headers.get("transfer-encoding") or "").lower() == "chunked"
        length: int | None = None
        if not self.chunked:
            _refuse_unmatching_lengths(headers)
            try:
                length = int(headers.get("content-length") or "")
            except ValueError:
                length = None
            if length is not None and length < 0:
                length = None
        if status in _NO_BODY_STATUSES or 100 <= status < 200 or method == "HEAD":
            length = 0
        self.length = length
        self.will_close = _will_close(version, headers)
        if not self.will_close and not self.chunked and length is None:
            self.will_close = True
        #: Body bytes read so far, as urllib3's ``tell()`` counts them (not chunked ones).
        self.read_bytes = 0
        self.whole = False

    # the body ------------------------------------------------------------------------------

    def stream(self) -> Iterator[bytes]:
        """The body's decoded pieces; ``whole`` once its last byte has been read."""
        decoder = _decoder(self.headers)
        try:
            for piece in self._raw():
                if decoder is not None:
                    piece = decoder.decompress(piece)
                if piece:
                    yield piece
            if decoder is not None:
                tail = decoder.decompress(b"") + decoder.flush()
                if tail:
                    yield tail
        except HTTPResponse.DECODER_ERROR_CLASSES as error:
            encoding = (self.headers.get("content-encoding") or "").lower()
            raise DecodeError(f"Received response with content-encoding: {encoding}, but "
                              "failed to decode it.", error) from error
        except (HTTPException, OSError) as error:
            if isinstance(error, ssl.SSLError):
                raise SSLError(error) from error
            raise ProtocolError(f"Connection broken: {error!r}", error) from error
        self.whole = True

    def _raw(self) -> Iterator[bytes]:
        if self.chunked:
            yield from self._chunks()
        elif self.length is not None:
            left = self.length
            while left > 0:
                piece = self.reader.some(min(left, _READ))
                if not piece:
                    raise IncompleteRead(self.read_bytes, left)
                left -= len(piece)
                self.read_bytes += len(piece)
                yield piece
        else:
            while piece := self.reader.some(_READ):
                self.read_bytes += len(piece)
                yield piece

    def _chunks(self) -> Iterator[bytes]:
        while True:
            line = self.reader.line(_MAX_CHUNK_LINE)
            if len(line) > _MAX_CHUNK_LINE:
                raise ProtocolError("Response chunk size line exceeded maximum allowed length")
            size_text = line.split(b";", 1)[0]
            try:
                size = int(size_text, 16)
            except ValueError:
                if size_text:
                    raise _InvalidChunkLength(self.read_bytes, size_text) from None
                raise ProtocolError("Response ended prematurely") from None
            if size == 0:
                break
            while size > 0:  # in pieces, as urllib3 reads a chunk: a huge one is not held
                want = min(size, _READ)
                data = self.reader.exactly(want)
                if len(data) < want:
                    raise IncompleteRead(len(data), want - len(data))  # as http.client's
                size -= want
                yield data
            self.reader.exactly(2)  # the chunk's CRLF (not checked, as urllib3 does not)
        while True:  # trailer lines, up to the blank one
            line = self.reader.line(_MAX_LINE)
            if not line or line in (b"\r\n", b"\n"):
                return

    # the connection ------------------------------------------------------------------------

    def release(self) -> None:
        """The connection back to the pool: kept alive when the whole body was read and
        nothing more came, else closed (a half-read body leaves the stream mid-message)."""
        conn, self.conn = self.conn, None
        if conn is None:
            return
        if not self.whole or self.will_close or self.reader.pending:
            conn.close()
        self.pool._put_conn(conn)


class _InvalidChunkLength(HTTPException):
    """Worded as urllib3's ``InvalidChunkLength`` (which needs a urllib3 response to make)."""

    def __init__(self, partial: int, length: bytes) -> None:
        self.partial = partial
        self.length = length
        super().__init__(repr(self))

    def __repr__(self) -> str:
        return f"InvalidChunkLength(got length {self.length!r}, {self.partial} bytes read)"


def _refuse_unmatching_lengths(headers: _Headers) -> None:
    """urllib3 refuses a response whose Content-Length values disagree (two lines, or a list
    in one), whichever one http.client would have read by: so does this module."""
    values = headers.get_all("content-length")
    if not values:
        return
    listed = ", ".join(values)
    try:
        lengths = {int(value) for value in listed.split(",")}
    except ValueError:
        return
    if len(lengths) > 1:
        raise InvalidHeader(f"Content-Length contained multiple unmatching values ({listed})")


def _will_close(version: int, headers: _Headers) -> bool:
    """http.client's reading of whether the server keeps the connection open."""
    connection = (headers.get("connection") or "").lower()
    if version == 11:
        return "close" in connection
    if headers.get("keep-alive") or "keep-alive" in connection:
        return False
    return "keep-alive" not in (headers.get("proxy-connection") or "").lower()


def _decoder(headers: _Headers) -> Any:
    encoding = (headers.get("content-encoding") or "").lower()
    if not encoding:
        return None
    known = HTTPResponse.CONTENT_DECODERS
    if encoding in known or ("," in encoding
                             and any(e.strip() in known for e in encoding.split(","))):
        from urllib3.response import _get_decoder

        return _get_decoder(encoding)
    return None


# sending -----------------------------------------------------------------------------------

class Pause:
    """What a step generator (``send_steps``) waits for before it goes on. A driver that
    blocks ignores it and goes on at once: every step then simply blocks."""


@dataclass(frozen=True)
class NeedsThread(Pause):
    """The exchange would block for long on this thread (a connection to make, TLS, a big
    body to write, requests' own route). Nothing has been sent. ``shareable``: another
    thread may go on with the generator (its pool is made to be shared by threads); else
    the driver closes it and sends the request on a session of that thread's own."""

    shareable: bool


@dataclass(frozen=True)
class Readable(Pause):
    """The request is sent; ``reader`` reads the answer from ``sock``. A driver that cannot
    block waits until it has all arrived (``_framing.arrived``); the reading then takes it
    from the reader's buffer without blocking."""

    sock: Any
    method: str
    reader: _Reader


NEEDS_THREAD = NeedsThread(shareable=True)
NEEDS_OWN_SESSION = NeedsThread(shareable=False)
#: A request body up to this size goes out in one write without blocking for long.
_QUICK_BODY = 64 * 1024

Steps = Generator[Pause, None, "Answer"]


def drive(steps: Generator[Pause, None, _T]) -> _T:
    """Runs a step generator to its end on this thread, blocking where it pauses."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return cast(_T, done.value)


def send_steps(pool: HTTPConnectionPool, method: str, target: str, headers: dict[str, str],
               body: bytes | None, timeout: float | None,
               on_socket: Callable[[Any], None], on_resume: Callable[[], None]) -> Steps:
    """Sends the request on one of the pool's connections; the answer with its head read.
    ``on_socket`` is given the connection's socket before it is used (the watchdog's hook).
    Pauses (``NeedsThread``) before a connection is made, and (``Readable``) once sent;
    ``on_resume`` is called where it goes on after a ``NeedsThread``, on that thread.

    Raises what urlopen raises with requests' default retries: ``MaxRetryError`` when the
    connection cannot be made, ``ProtocolError("Connection aborted.", ...)`` when it breaks.
    """
    if _METHOD_CONTROL.search(method):
        raise ValueError(f"Method cannot contain non-token characters {method!r}")
    found = _CONTROL.search(target)
    if found:
        from http.client import InvalidURL

        raise InvalidURL(f"URL can't contain control characters. {target!r} "
                         f"(found at least {found.group()!r})")
    head = _head(pool, method, target, headers)
    if pool.scheme != "http" or (body is not None and len(body) > _QUICK_BODY):
        yield NEEDS_THREAD
        on_resume()
    conn: Any = pool._get_conn()  # an HTTPConnection (urllib3's base type lacks .sock)
    try:
        if conn.sock is None:
            yield NEEDS_THREAD
            on_resume()
        _connect(pool, conn, target, timeout)
        try:
            sock = conn.sock
            assert sock is not None
            on_socket(sock)
            if sock.gettimeout() is not None:  # the connect's, or an earlier request's
                sock.settimeout(None)  # the watchdog bounds the exchange from here
            sock.sendall(head + body if body else head)
            reader = _Reader(sock)
            yield Readable(sock, method, reader)
            status, version, answered = _read_head(reader)
        except ssl.SSLError as error:
            raise MaxRetryError(pool, target, SSLError(error)) from error
        except (OSError, HTTPException) as error:
            raise ProtocolError("Connection aborted.", error) from error
        return Answer(pool, conn, reader, status, version, answered, method)
    except BaseException:
        conn.close()
        pool._put_conn(conn)
        raise


def _connect(pool: HTTPConnectionPool, conn: HTTPConnection, target: str,
             timeout: float | None) -> None:
    """As urlopen connects: a closed connection is connected (TLS verified, warned about
    when it is not), its failures raised in a ``MaxRetryError``."""
    try:
        conn.timeout = timeout
        pool._validate_conn(conn)  # HTTPS: connects, verifies, warns when unverified
        if conn.sock is None:
            conn.connect()
    except ConnectTimeoutError as error:  # NewConnectionError, NameResolutionError too
        raise MaxRetryError(pool, target, error) from error
    except SSLError as error:
        raise MaxRetryError(pool, target, error) from error
    except (ssl.SSLError, ssl.CertificateError) as error:
        raise MaxRetryError(pool, target, SSLError(error)) from error
    except (OSError, HTTPException) as error:
        raise ProtocolError("Connection aborted.", error) from error


def _head(pool: HTTPConnectionPool, method: str, target: str,
          headers: dict[str, str]) -> bytes:
    """The request line and header lines, as urllib3 and http.client write them (names in
    ASCII, values in Latin-1: what cannot be written so raises ``UnicodeEncodeError``)."""
    names = {name.lower() for name in headers}
    lines = [f"{method} {target} HTTP/1.1".encode("ascii")]
    if "host" not in names:
        lines.append(b"Host: " + _host(pool).encode("ascii"))
    if "accept-encoding" not in names:
        lines.append(b"Accept-Encoding: identity")
    lines.extend(name.encode("ascii") + b": " + value.encode("latin-1")
                 for name, value in headers.items())
    if "user-agent" not in names:
        lines.append(b"User-Agent: " + _USER_AGENT.encode("ascii"))
    lines.append(b"\r\n")
    return b"\r\n".join(lines)


def _host(pool: HTTPConnectionPool) -> str:
    """The Host header http.client derives from the connection's host and port."""
    host = str(pool.host)
    try:
        host.encode("ascii")
    except UnicodeEncodeError:
        host = host.encode("idna").decode("ascii")
    host = host.partition("%")[0] if ":" in host else host
    if ":" in host:
        host = f"[{host}]"
    port = pool.port
    if port is None or port == pool.ConnectionCls.default_port:
        return host
    return f"{host}:{port}"


def _read_head(reader: _Reader) -> tuple[int, int, _Headers]:
    while True:
        line = reader.line(_MAX_LINE)
        if len(line) > _MAX_LINE:
            raise LineTooLong("status line")
        text = str(line, "iso-8859-1")
        if not line:
            raise RemoteDisconnected("Remote end closed connection without response")
        parts = text.split(None, 2)
        version = parts[0] if parts else ""
        if len(parts) < 2 or not version.startswith("HTTP/"):
            raise BadStatusLine(text)
        try:
            status = int(parts[1])
        except ValueError:
            raise BadStatusLine(text) from None
        if not 100 <= status <= 999:
            raise BadStatusLine(text)
        headers = _read_headers(reader)
        if status != 100:
            break
    if version in ("HTTP/1.0", "HTTP/0.9"):
        number = 10
    elif version.startswith("HTTP/1."):
        number = 11
    else:
        raise UnknownProtocol(version)
    return status, number, headers


def _read_headers(reader: _Reader) -> _Headers:
    """Header lines up to the blank one, read as http.client's parser and urllib3 read them:
    a value without the spaces after the colon, a folded line joined on with one space, and
    nothing after a line that is not a header."""
    lines = reader.block()
    if lines is None:
        lines = []
        while True:  # the blank line counts towards the limit, as in http.client
            line = reader.line(_MAX_LINE)
            if len(line) > _MAX_LINE:
                raise LineTooLong("header line")
            if len(lines) + 1 > _MAX_HEADERS:
                raise HTTPException(f"got more than {_MAX_HEADERS} headers")
            if line in (b"\r\n", b"\n", b""):
                break
            lines.append(line)
    items: list[tuple[str, str]] = []
    for raw in lines:
        text = str(raw, "iso-8859-1")
        if text[:1] in (" ", "\t"):
            if not items:
                break
            name, value = items[-1]  # obs-fold: one space, as urllib3 joins it
            items[-1] = (name, value + " " + text.strip())
            continue
        if not _HEADER_NAME.match(text):
            break
        name, _, value = text.partition(":")
        items.append((name, value.lstrip(" \t").rstrip("\r\n")))
    return _Headers(items)


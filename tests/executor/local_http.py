"""Test helpers: a small real HTTP server on 127.0.0.1 scripted with routes, and the run CLI."""

from __future__ import annotations

import json
import re
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Seen:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    raw_query: str
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Seen], Any]


class LocalServer:
    """Routes ``(METHOD, path regex)`` to handlers returning a ``Reply`` (or a JSON value)."""

    def __init__(self, tls: tuple[str, str] | None = None) -> None:
        self.scheme = "https" if tls else "http"
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.requests: list[Seen] = []
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                server._dispatch(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve
            do_QUERY = do_COPY = _serve  # OpenAPI 3.2: QUERY, and one of additionalOperations

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"{self.scheme}://{host}:{port}"

    def route(self, method: str, pattern: str, handler: Handler | Any = None,
              status: int = 200, headers: dict[str, str] | None = None) -> None:
        """A handler, or a fixed reply (``handler`` is then the JSON body)."""
        if not callable(handler):
            fixed = Reply(status, handler, headers or {})
            handler = lambda _seen: fixed  # noqa: E731
        self.routes.append((method.upper(), re.compile(pattern + r"\Z"), handler))

    def sequence(self, method: str, pattern: str, replies: list[Reply]) -> None:
        """Replies in order; the last one repeats."""
        queue = list(replies)

        def next_reply(_seen: Seen) -> Reply:
            return queue.pop(0) if len(queue) > 1 else queue[0]

        self.route(method, pattern, next_reply)

    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        seen = Seen(
            method=handler.command, path=parts.path, query=parse_qs(parts.query),
            raw_query=parts.query,
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=handler.rfile.read(length) if length else b"",
        )
        self.requests.append(seen)
        reply: Any = Reply(404, {"message": f"no route for {seen.method} {seen.path}"})
        for method, pattern, route in self.routes:
            match = pattern.match(parts.path)
            if method == seen.method and match:
                seen.params = match.groupdict()
                reply = route(seen)
                break
        if not isinstance(reply, Reply):
            reply = Reply(200, reply)
        body = reply.body
        headers = dict(reply.headers)
        if isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode()
            headers.setdefault("Content-Type", "text/plain")
        elif body is None:
            data = b""
        else:
            data = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        try:
            handler.send_response(reply.status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            if seen.method != "HEAD":
                handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up first (a timeout under test): nothing to answer, and a
            # traceback printed from this thread would land in some later test's stderr.
            handler.close_connection = True

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def run_cli(argv: list[str]) -> int:
    """``arazzo ...`` in-process, through the real command-line entry point."""
    from arazzo_engine.cli import main

    return main(argv)

def openapi_doc(base_url: str, *operations: dict[str, Any]) -> dict[str, Any]:
    """A small OpenAPI 3.1 document; each operation: id, method, path, and optional extras."""
    paths: dict[str, Any] = {}
    for op in operations:
        extra = {k: v for k, v in op.items() if k not in ("id", "method", "path")}
        paths.setdefault(op["path"], {})[op.get("method", "get")] = {
            "operationId": op["id"], "responses": {"200": {"description": "ok"}}, **extra}
    return {"openapi": "3.1.0", "info": {"title": "test", "version": "1"},
            "servers": [{"url": base_url}], "paths": paths}


def arazzo_doc(*workflows: dict[str, Any], sources: dict[str, str] | None = None,
               **extra: Any) -> dict[str, Any]:
    sources = sources or {"api": "openapi.yaml"}
    return {
        "arazzo": "1.0.1", "info": {"title": "test", "version": "1"},
        "sourceDescriptions": [
            {"name": name, "url": url, "type": "arazzo" if url.endswith(".arazzo.yaml")
             else "openapi"} for name, url in sources.items()],
        "workflows": list(workflows), **extra,
    }


RawHandler = Callable[[bytes, Any], None]


def read_request_body(head: bytes, conn: Any) -> bytes:
    """The body of the request whose head (up to and past its blank line, as a RawServer
    handler gets it) is ``head``, read to its Content-Length from ``conn``. A raw server that
    closes with request bytes unread makes the kernel reset the connection, which the client
    may see before the answer."""
    top, _, rest = head.partition(b"\r\n\r\n")
    length = 0
    for line in top.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return rest


class RawServer:
    """A TCP server on 127.0.0.1 whose handler writes raw bytes: for servers that break HTTP.

    The handler gets the request head (bytes, up to the blank line) and the socket; it may send
    anything, stall, or close. ``release`` lets stalled handlers go when the test ends.
    """

    def __init__(self, handler: RawHandler) -> None:
        import socket

        self.handler = handler
        self.release = threading.Event()
        self.requests: list[bytes] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.sock.getsockname()[:2]
        return f"http://{host}:{port}"

    def _serve(self) -> None:
        while not self.release.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: Any) -> None:
        conn.settimeout(5)
        with conn:
            while True:  # keep-alive: one request after another on the same connection
                head = b""
                try:
                    while b"\r\n\r\n" not in head:
                        chunk = conn.recv(65536)
                        if not chunk:
                            return
                        head += chunk
                except OSError:
                    return
                self.requests.append(head)
                try:
                    if self.handler(head, conn) is not True:  # True: keep the connection
                        return
                except OSError:
                    return

    def __enter__(self) -> RawServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.thread.join(2)
        self.sock.close()

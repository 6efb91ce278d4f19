"""The activity sends a request exactly as a local run would, from what crossed the wire."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from arazzo_engine.executor import HttpRequest
from arazzo_engine.temporal._activities import send_request
from arazzo_engine.temporal._wire import exchange_from_wire, request_from_wire, request_to_wire

SECRET = "s3cr3t-value"


class Recorder(BaseHTTPRequestHandler):
    """Answers 307 to another origin when the server has ``redirect_to``, else 200; keeps the
    headers of every request it gets."""

    def do_GET(self) -> None:
        server = self.server
        server.seen.append(dict(self.headers))  # type: ignore[attr-defined]
        target = server.redirect_to  # type: ignore[attr-defined]
        self.send_response(307 if target else 200)
        if target:
            self.send_header("Location", target + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def serve(redirect_to: str | None) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.seen = []  # type: ignore[attr-defined]
    server.redirect_to = redirect_to  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture()
def origins() -> Iterator[tuple[ThreadingHTTPServer, ThreadingHTTPServer]]:
    other = serve(None)
    first = serve(f"http://127.0.0.1:{other.server_address[1]}")
    try:
        yield first, other
    finally:
        for server in (first, other):
            server.shutdown()
            server.server_close()


def test_secret_values_cross_the_wire() -> None:
    request = HttpRequest("POST", "http://x/", {"X-Team": SECRET}, b"{}", 5.0,
                          secret_values=frozenset({SECRET}))
    back = request_from_wire(json.loads(json.dumps(request_to_wire(request))))
    assert back == request and back.secret_values == request.secret_values


def test_a_redirect_to_another_origin_never_carries_a_secret(
        origins: tuple[ThreadingHTTPServer, ThreadingHTTPServer]) -> None:
    """A header holding a secret input under a name that does not say so (``X-Team``) is dropped
    on a redirect to another origin, on Temporal as locally: the activity knows the secrets."""
    first, other = origins
    request = HttpRequest("GET", f"http://127.0.0.1:{first.server_address[1]}/runs",
                          {"X-Team": SECRET, "Accept": "application/json"}, None, 5.0,
                          secret_values=frozenset({SECRET}))
    call = json.loads(json.dumps({"request": request_to_wire(request),
                                  "transport": {"follow_redirects": True, "trust_env": False}}))
    answer = exchange_from_wire(send_request(call))
    assert getattr(answer, "status_code", None) == 200, answer
    assert first.seen[0]["X-Team"] == SECRET  # sent to the origin it was meant for
    assert "X-Team" not in other.seen[0] and other.seen[0]["Accept"] == "application/json"

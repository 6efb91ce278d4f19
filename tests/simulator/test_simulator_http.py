"""HTTP-level behaviour below the API: framing, keep-alive, HEAD."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator

from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN

TRIGGER = f"/api/v2/accounts/{DEMO_ACCOUNT_ID}/jobs/{DEMO_JOB_ID}/run/"
AUTH = {"Authorization": f"Token {DEMO_TOKEN}", "Content-Type": "application/json"}


def test_chunked_body_is_read_and_the_connection_stays_usable(launch) -> None:
    launched = launch()
    connection = http.client.HTTPConnection("127.0.0.1", launched.simulator.port, timeout=5)

    def body() -> Iterator[bytes]:
        yield b'{"cause":'
        yield b' "chunked"}'

    connection.request("POST", TRIGGER, body=body(), headers=AUTH, encode_chunked=True)
    first = connection.getresponse()
    assert (first.status, json.loads(first.read())["data"]["status"]) == (200, 1)
    connection.request("POST", TRIGGER, body=b'{"cause": "again"}', headers=AUTH)
    second = connection.getresponse()
    assert second.status == 200
    second.read()
    connection.close()
    assert [entry.body for entry in launched.simulator.requests] == [
        {"cause": "chunked"}, {"cause": "again"},
    ]


def test_unreadable_content_length_gets_400_and_a_closed_connection(launch) -> None:
    launched = launch()
    with socket.create_connection(("127.0.0.1", launched.simulator.port), timeout=5) as raw:
        raw.sendall(f"POST {TRIGGER} HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n".encode())
        reply = b""
        while chunk := raw.recv(4096):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert json.loads(body)["status"]["code"] == 400


def test_head_gets_headers_without_a_body(launch) -> None:
    launched = launch()
    connection = http.client.HTTPConnection("127.0.0.1", launched.simulator.port, timeout=5)
    connection.request("HEAD", TRIGGER, headers=AUTH)
    response = connection.getresponse()
    assert response.status == 405
    assert response.read() == b""
    connection.close()

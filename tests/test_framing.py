"""``_framing.whole_message`` says True only once the reader needs no more bytes, False while
more is to come, and None where a thread should read (it may block): each case is judged as
given and in every shorter prefix (a prefix of a whole message is never whole)."""

from __future__ import annotations

import pytest

from arazzo_engine._framing import LIMIT, whole_message

_OK = b"HTTP/1.1 200 OK\r\n"

#: (name, the bytes, the request's method, the verdict on all of them)
CASES: list[tuple[str, bytes, str, bool | None]] = [
    ("length", _OK + b"Content-Length: 2\r\n\r\nok", "GET", True),
    ("length, spaced", _OK + b"content-length:   2\r\n\r\nok", "GET", True),
    ("length, more than the body", _OK + b"Content-Length: 2\r\n\r\nokEXTRA", "GET", True),
    ("chunked", _OK + b"Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", "GET", True),
    ("chunked, extension and trailer", _OK + b"Transfer-Encoding: CHUNKED\r\n\r\n"
     b"2;x=1\r\nok\r\n0\r\nX-T: 1\r\n\r\n", "GET", True),
    ("HEAD", _OK + b"Content-Length: 99\r\n\r\n", "HEAD", True),
    ("204", b"HTTP/1.1 204 No Content\r\n\r\n", "DELETE", True),
    ("304", b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", "GET", True),
    ("a bad status line is refused at once", b"HTTP/1.1 abc\r\n\r\n", "GET", True),
    ("a status out of range is refused at once", b"HTTP/1.1 1000 x\r\n\r\n", "GET", True),
    ("not HTTP", b"SSH-2.0\r\n\r\n", "GET", True),
    ("read to the end", _OK + b"Connection: close\r\n\r\nok", "GET", None),
    ("1xx first", b"HTTP/1.1 100 Continue\r\n\r\n", "POST", None),
    ("bare LF line ends", b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok", "GET", None),
    ("a bare LF inside the head", _OK + b"X: 1\nY: 2\r\nContent-Length: 2\r\n\r\nok", "GET",
     None),
    ("a folded line", _OK + b"X: 1\r\n  2\r\nContent-Length: 2\r\n\r\nok", "GET", None),
    ("a line that is not a header", _OK + b"not one\r\nContent-Length: 2\r\n\r\nok", "GET",
     None),
    ("length twice", _OK + b"Content-Length: 2\r\nContent-Length: 2\r\n\r\nok", "GET", None),
    ("length not a number", _OK + b"Content-Length: 2, 2\r\n\r\nok", "GET", None),
    ("another transfer coding", _OK + b"Transfer-Encoding: gzip\r\n\r\nok", "GET", None),
    ("chunked, spaced after the value", _OK + b"Transfer-Encoding: chunked \r\n\r\n", "GET",
     None),
    ("a chunk size that is not hex", _OK + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", "GET",
     None),
    ("a bigger body than waits here", _OK + f"Content-Length: {LIMIT}\r\n\r\n".encode(), "GET",
     None),
]


@pytest.mark.parametrize(("name", "data", "method", "verdict"), CASES,
                         ids=[case[0] for case in CASES])
def test_the_verdict_on_the_whole(name: str, data: bytes, method: str,
                                  verdict: bool | None) -> None:
    assert whole_message(data, method) is verdict
    assert whole_message(bytearray(data), method) is verdict


@pytest.mark.parametrize(("name", "data", "method"),
                         [case[:3] for case in CASES if case[3] is True and b"200" in case[1]],
                         ids=[case[0] for case in CASES if case[3] is True and b"200" in case[1]])
def test_no_prefix_of_a_whole_body_is_whole(name: str, data: bytes, method: str) -> None:
    head_end = data.index(b"\r\n\r\n") + 4
    cut_short = [whole_message(data[:size], method) for size in range(head_end - 1)]
    assert all(verdict is False for verdict in cut_short)
    if method != "HEAD" and head_end < len(data):
        body_short = [whole_message(data[:size], method)
                      for size in range(head_end, len(data) - len("EXTRA") * (b"EXTRA" in data))]
        assert all(verdict is False for verdict in body_short), body_short


def test_a_head_too_long_to_wait_for_is_handed_on() -> None:
    assert whole_message(_OK + b"X: " + b"x" * LIMIT, "GET") is None
    assert whole_message(_OK + b"X: 1\r\n", "GET") is False

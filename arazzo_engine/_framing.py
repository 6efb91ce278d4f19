"""Whether the bytes that have arrived hold a whole HTTP/1.1 response.

The scheduler drives many runs' exchanges on one thread (``executor/_scheduler``): it waits
for their sockets together, takes what arrives into the exchange's ``_http11`` reader (each
read finds bytes waiting, so none blocks), and lets the reader go on only once the whole
answer has arrived, so the reading never blocks that thread either. The reader then checks
the bytes as always; a failure on the way is kept and raised where the reading meets it.

The answer is deliberately simple: True when the message is whole (or broken in a way the
reader will refuse without reading more: a bad status line or chunk size), False while
more is to come, None for what is better read by a thread that may block: a body delimited
by the end of the connection, a 1xx interim response, unusual framing, or a message larger
than ``LIMIT`` (the kernel's receive buffer may never hold it all).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["LIMIT", "arrived", "whole_message"]

#: Bytes of one response (head and body) worth waiting for on the shared thread.
LIMIT = 256 * 1024
_NO_BODY = frozenset({204, 304})
#: A header name as the reader (and e-mail parsing) takes one.
_NAME = re.compile(rb"[\041-\071\073-\176]+")
_HEX = frozenset(b"0123456789abcdefABCDEF")


def arrived(reader: Any, method: str) -> bool | None:
    """Takes what has come on a readable socket into ``reader`` (an ``_http11._Reader``):
    ``whole_message`` of all it holds; True too when the connection has ended or failed
    (the reading meets that and words it)."""
    if not reader.take_arrived():
        return True
    return whole_message(reader.buffer, method)


def whole_message(data: bytes | bytearray, method: str) -> bool | None:
    """True: a whole response (or one the reader refuses at once); False: not yet; None:
    hand it to a thread. True only where the reader needs no byte beyond ``data``."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None if b"\n\n" in data or len(data) >= LIMIT else False
    if data.count(b"\n", 0, end) != data.count(b"\r\n", 0, end):
        return None  # a bare LF: the reader may end a line where this would not
    lines = bytes(data[:end]).split(b"\r\n")
    parts = lines[0].split(None, 2)
    if len(parts) < 2 or not parts[1].isdigit() or not parts[0].startswith(b"HTTP/"):
        return True  # the reader refuses the status line, its first line
    status = int(parts[1])
    if not 100 <= status <= 999:
        return True  # the reader refuses the status code
    if status < 200:
        return None  # 1xx: the real answer follows
    length: int | None = None
    chunked = False
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or _NAME.fullmatch(name) is None:
            return None  # folded, or not a header line: the reader's own rules decide
        lowered = name.lower()
        value = value.lstrip(b" \t")  # as the reader takes a value
        if lowered == b"transfer-encoding":
            if chunked:
                return None
            chunked = value.lower() == b"chunked"
            if not chunked:
                return None
        elif lowered == b"content-length":
            if length is not None or not value.isdigit():
                return None
            length = int(value)
    body = end + 4
    if method == "HEAD" or status in _NO_BODY:
        return True
    if chunked:
        return _chunks_end(data, body)
    if length is None or body + length > LIMIT:
        return None  # delimited by the end of the connection, or big: a thread reads it
    return len(data) >= body + length


def _chunks_end(data: bytes | bytearray, at: int) -> bool | None:
    """Whether the last chunk and the blank line after the trailers have arrived."""
    while True:
        line_end = data.find(b"\r\n", at)
        if line_end < 0:
            return None if b"\n" in data[at:] or len(data) >= LIMIT else False
        size_text = bytes(data[at:line_end]).split(b";", 1)[0]
        if b"\n" in size_text or not size_text.strip() or any(
                c not in _HEX for c in size_text.strip()):
            return None
        size = int(size_text, 16)
        if size == 0:
            tail = data.find(b"\r\n\r\n", line_end)
            if data.startswith(b"\r\n", line_end + 2) or tail >= 0:
                return True  # the reader's trailer lines end at or before this
            return None if len(data) >= LIMIT else False
        at = line_end + 2 + size + 2
        if at > LIMIT:
            return None
        if at > len(data):
            return False

"""Standard output that a closed pipe cannot turn into a lie.

``arazzo run ... | head -c 1`` closes the pipe after one byte. Writing on raises
``BrokenPipeError``; caught at the top, that used to end a failing run with exit 0. Here a
closed pipe only stops the printing: the command carries on and its outcome decides the exit
code. The descriptor is pointed at the null device so the interpreter's own final flush is
quiet too.
"""

from __future__ import annotations

import io
import os
from typing import Protocol, TextIO

__all__ = ["PipeSafe", "Writer"]


class Writer(Protocol):
    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...


class PipeSafe:
    """Wraps a text stream; after the reader goes away, writes are dropped."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        #: True once the reader has closed its end.
        self.broken = False

    def write(self, text: str, /) -> int:
        if not self.broken:
            try:
                self.stream.write(text)
            except BrokenPipeError:
                self._reader_gone()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self._reader_gone()

    def _reader_gone(self) -> None:
        self.broken = True
        try:
            null = os.open(os.devnull, os.O_WRONLY)
        except OSError:
            return
        try:
            os.dup2(null, self.stream.fileno())
        except (OSError, ValueError, io.UnsupportedOperation):
            pass  # not a real descriptor (captured in tests): nothing will flush it later
        finally:
            os.close(null)

"""Where a run's step executions go: out of the run state, into a stream.

The state keeps only what the machine needs to go on (the latest outputs of each step); every
step execution, each poll of a loop included, is handed to a ``History`` as it finishes. A run
of ten thousand polls then holds no more in memory than a run of ten, and ``RunResult.steps``
still lists every execution: it reads them back from the history. The run store is one history
(its ``steps`` table); ``SpillHistory``, a temporary file, serves runs without a store. Runs
driven together by a ``Scheduler`` share one ``SpillFile``: a thousand runs, one open file.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Iterator, Sequence
from typing import IO, Protocol, overload

from arazzo_engine.executor._results import StepExecution

__all__ = ["History", "SpillFile", "SpillHistory"]

#: ``json.dumps(value, default=str)`` without building an encoder for every line.
_ENCODE = json.JSONEncoder(default=str).encode


class History(Protocol):
    """Where the driver appends each step execution as it finishes."""

    def append(self, execution: StepExecution) -> None: ...


class SpillFile:
    """An anonymous temporary file of JSON lines that any number of histories append to.

    It is gone once closed, or once the last history holding it is; reads and writes take a
    lock, so results may be read from any thread while other runs still append.
    """

    def __init__(self) -> None:
        # Not a with-block: the file lives as long as the histories (the runs' results) do.
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._end = 0
        #: Where the file stands after the last write (None after a read): a seek before
        #: each line would flush the write buffer every time, a system call per step.
        self._at: int | None = 0
        self._lock = threading.Lock()

    def write(self, line: bytes) -> int:
        """Appends one line; its offset."""
        with self._lock:
            offset = self._end
            if self._at != offset:
                self._file.seek(offset)
            self._file.write(line)
            self._end += len(line)
            self._at = self._end
            return offset

    def read(self, offset: int) -> bytes:
        with self._lock:
            self._file.flush()
            self._file.seek(offset)
            self._at = None
            return self._file.readline()

    def close(self) -> None:
        self._file.close()


class SpillHistory(Sequence[StepExecution]):
    """One run's step executions, as lines of a ``SpillFile`` (its own unless one is given)."""

    def __init__(self, spill: SpillFile | None = None) -> None:
        self._spill = spill if spill is not None else SpillFile()
        self._offsets: list[int] = []

    def append(self, execution: StepExecution) -> None:
        line = _ENCODE(execution.to_dict()).encode() + b"\n"
        self._offsets.append(self._spill.write(line))

    def __len__(self) -> int:
        return len(self._offsets)

    @overload
    def __getitem__(self, index: int) -> StepExecution: ...

    @overload
    def __getitem__(self, index: slice) -> list[StepExecution]: ...

    def __getitem__(self, index: int | slice) -> StepExecution | list[StepExecution]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return StepExecution.from_dict(json.loads(self._spill.read(self._offsets[index])))

    def __iter__(self) -> Iterator[StepExecution]:
        for offset in list(self._offsets):
            yield StepExecution.from_dict(json.loads(self._spill.read(offset)))

    def json_texts(self) -> Iterator[str]:
        """Each step execution as the JSON text it was spilled as (what ``json.dumps(
        step.to_dict(), default=str)`` gives for it), for a caller that only writes it out."""
        for offset in list(self._offsets):
            yield self._spill.read(offset).decode().rstrip("\n")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<SpillHistory of {len(self)} step executions>"

    def close(self) -> None:
        """Closes the file (every history sharing it can no longer be read)."""
        self._spill.close()

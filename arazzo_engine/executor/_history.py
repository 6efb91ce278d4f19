"""Where a run's step executions go: out of the run state, into a stream.

The state keeps only what the machine needs to go on (the latest outputs of each step); every
step execution, each poll of a loop included, is handed to a ``History`` as it finishes. A run
of ten thousand polls then holds no more in memory than a run of ten, and ``RunResult.steps``
still lists every execution: it reads them back from the history. The run store is one history
(its ``steps`` table); ``SpillHistory``, a temporary file, serves runs without a store.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Sequence
from typing import IO, Protocol, overload

from arazzo_engine.executor._results import StepExecution

__all__ = ["History", "SpillHistory"]


class History(Protocol):
    """Where the driver appends each step execution as it finishes."""

    def append(self, execution: StepExecution) -> None: ...


class SpillHistory(Sequence[StepExecution]):
    """Step executions as JSON lines in an anonymous temporary file (gone when closed)."""

    def __init__(self) -> None:
        # Not a with-block: the file lives as long as the history (the run's result) does.
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._offsets: list[int] = []
        self._end = 0

    def append(self, execution: StepExecution) -> None:
        line = json.dumps(execution.to_dict(), default=str).encode() + b"\n"
        self._file.seek(self._end)
        self._file.write(line)
        self._offsets.append(self._end)
        self._end += len(line)

    def __len__(self) -> int:
        return len(self._offsets)

    @overload
    def __getitem__(self, index: int) -> StepExecution: ...

    @overload
    def __getitem__(self, index: slice) -> list[StepExecution]: ...

    def __getitem__(self, index: int | slice) -> StepExecution | list[StepExecution]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        offset = self._offsets[index]
        self._file.flush()
        self._file.seek(offset)
        return StepExecution.from_dict(json.loads(self._file.readline()))

    def __iter__(self) -> Iterator[StepExecution]:
        self._file.flush()
        self._file.seek(0)
        for _ in range(len(self._offsets)):
            yield StepExecution.from_dict(json.loads(self._file.readline()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<SpillHistory of {len(self)} step executions>"

    def close(self) -> None:
        self._file.close()

"""The simulator's record of every request it answered, for tests to inspect."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any


class Headers(Mapping[str, str]):
    """Read-only headers that look names up case-insensitively, keeping the sent spelling."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: dict[str, tuple[str, str]] = {}
        for name, value in items:
            self._items[name.lower()] = (name, value)

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({dict(self)!r})"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the simulator saw it, with the status it answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Headers
    body: Any
    raw_body: bytes
    status: int


def parse_json(raw: bytes) -> Any:
    """The parsed JSON body, or None when there is none or it is not JSON."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


class RequestLog:
    """Append-only and thread-safe: server threads write while a test reads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[RecordedRequest] = []

    def append(self, entry: RecordedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

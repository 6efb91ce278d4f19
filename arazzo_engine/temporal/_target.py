"""Where a Temporal-backed run goes: a plain value, importable without the Temporal SDK.

``RunOptions(backend=Temporal("localhost:7233"))`` names the backend; nothing here talks to
Temporal, so ``arazzo --version`` and every local run stay free of the optional extra.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_NAMESPACE", "DEFAULT_TASK_QUEUE", "Temporal"]

DEFAULT_NAMESPACE = "default"
DEFAULT_TASK_QUEUE = "arazzo"


@dataclass(frozen=True)
class Temporal:
    """A Temporal frontend and the task queue its ``arazzo worker`` processes poll.

    Attributes:
        address: ``HOST:PORT`` of the Temporal frontend (gRPC), e.g. ``localhost:7233``.
        namespace: the Temporal namespace runs live in.
        task_queue: the task queue workers poll; a run started on one queue is only picked up
            by workers of that queue.
    """

    address: str
    namespace: str = DEFAULT_NAMESPACE
    task_queue: str = DEFAULT_TASK_QUEUE

    def __post_init__(self) -> None:
        host, sep, port = self.address.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"a Temporal address is HOST:PORT, got {self.address!r}")
        if not self.namespace:
            raise ValueError("the Temporal namespace must not be empty")
        if not self.task_queue:
            raise ValueError("the Temporal task queue must not be empty")

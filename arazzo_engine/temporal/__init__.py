"""Runs on Temporal: durable timers, runs that survive the loss of any machine.

The optional extra ``arazzo-engine[temporal]`` brings the Temporal SDK. A workflow
(``ArazzoRun``) advances the executor's pure ``Machine``; each HTTP exchange is an activity with
the transport, masking and criteria of a local run, each wait a server-side timer. This package
imports the SDK only when a function here is called, so the rest of arazzo-engine works without
it::

    from arazzo_engine import RunOptions, load
    from arazzo_engine.temporal import Temporal

    result = load("workflow.yml").run(inputs={...}, options=RunOptions(
        backend=Temporal("localhost:7233"), servers={...}))

``start`` returns a run id at once; ``follow``, ``describe``, ``runs`` and ``cancel`` act on a
run by id; ``serve`` runs a worker. See docs/distributed.md.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from arazzo_engine.document import Bundle
from arazzo_engine.executor import Observer, RunOptions, RunResult
from arazzo_engine.temporal._errors import INSTALL_HINT, TemporalError, TemporalNotInstalled
from arazzo_engine.temporal._target import DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, Temporal

if TYPE_CHECKING:
    from arazzo_engine.temporal._client import RunSummary

__all__ = [
    "DEFAULT_NAMESPACE",
    "DEFAULT_TASK_QUEUE",
    "INSTALL_HINT",
    "Temporal",
    "TemporalError",
    "TemporalNotInstalled",
    "available",
    "cancel",
    "describe",
    "follow",
    "run",
    "runs",
    "serve",
    "start",
]

T = TypeVar("T")


def available() -> bool:
    """True when the Temporal SDK (the ``temporal`` extra) can be imported."""
    try:
        importlib.import_module("temporalio")
    except ImportError:
        return False
    return True


def _require() -> None:
    if not available():
        raise TemporalNotInstalled()


def _target(options: RunOptions) -> Temporal:
    backend = options.backend
    if not isinstance(backend, Temporal):
        raise TemporalError("RunOptions.backend does not name a Temporal service")
    return backend


def _on(target: Temporal, work: Callable[[Any], Awaitable[T]]) -> T:
    """Connects, does ``work(client)``, and returns its result, in a fresh event loop."""
    _require()
    from arazzo_engine.temporal import _client

    async def main() -> T:
        return await work(await _client.connect(target))

    return asyncio.run(main())


def start(bundle: Bundle, workflow_id: str | None = None,
          inputs: Mapping[str, Any] | None = None, options: RunOptions | None = None, *,
          run_id: str | None = None, resend_in_doubt: bool = False,
          document: str | None = None) -> str:
    """Starts a run on ``options.backend`` and returns its run id without waiting.

    Raises ``InputError``/``ExecutionError`` as a local run would, before contacting Temporal,
    and ``TemporalError`` when Temporal is unreachable or already has a run ``run_id``.
    """
    _require()
    from arazzo_engine.temporal import _client

    options = options or RunOptions()
    target = _target(options)
    spec = _client.run_spec(bundle, workflow_id, inputs or {}, options, run_id=run_id,
                            resend_in_doubt=resend_in_doubt, document=document)

    async def work(client: Any) -> str:
        return (await _client.start(client, target, spec)).id

    return _on(target, work)


def follow(target: Temporal, run_id: str, observer: Observer | None = None,
           notice: Observer | None = None) -> RunResult:
    """Reports a run's progress to ``observer`` until it ends; returns its result."""
    _require()
    from arazzo_engine.temporal import _client

    return _on(target, lambda client: _client.follow(client, run_id, observer, notice=notice))


def run(bundle: Bundle, workflow_id: str | None = None,
        inputs: Mapping[str, Any] | None = None, options: RunOptions | None = None,
        observer: Observer | None = None, *, run_id: str | None = None,
        resend_in_doubt: bool = False, document: str | None = None,
        notice: Observer | None = None) -> RunResult:
    """``start`` then ``follow``: what ``ArazzoDocument.run`` does for a Temporal backend."""
    _require()
    from arazzo_engine.temporal import _client

    options = options or RunOptions()
    target = _target(options)
    spec = _client.run_spec(bundle, workflow_id, inputs or {}, options, run_id=run_id,
                            resend_in_doubt=resend_in_doubt, document=document)

    async def work(client: Any) -> RunResult:
        handle = await _client.start(client, target, spec)
        return await _client.follow(client, handle.id, observer, notice=notice, started=handle)

    return _on(target, work)


def describe(target: Temporal, run_id: str) -> dict[str, Any]:
    _require()
    from arazzo_engine.temporal import _client

    return _on(target, lambda client: _client.describe(client, run_id))


def runs(target: Temporal, *, limit: int = 50) -> list[RunSummary]:
    _require()
    from arazzo_engine.temporal import _client

    return _on(target, lambda client: _client.runs(client, limit=limit))


def cancel(target: Temporal, run_id: str) -> None:
    _require()
    from arazzo_engine.temporal import _client

    _on(target, lambda client: _client.cancel(client, run_id))


def serve(target: Temporal, *, concurrent_requests: int | None = None,
          ready: Callable[[], None] | None = None) -> None:
    """Runs a worker for ``target.task_queue`` until interrupted (Ctrl-C, SIGTERM)."""
    _require()
    from arazzo_engine.temporal import _worker

    count = concurrent_requests or _worker.DEFAULT_CONCURRENT_REQUESTS
    asyncio.run(_worker.run_worker(target, concurrent_requests=count, ready=ready,
                                   handle_signals=True))

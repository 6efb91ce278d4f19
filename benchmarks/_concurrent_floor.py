"""The floors of the concurrent-runs benchmark: the same runs written by hand.

    python -m benchmarks._concurrent_floor requests|http.client RUNS BASE_URL LOOP_DELAY

What a user would write to drive many dbt Cloud runs at once without an engine: each run the
reference workflow's requests (trigger, GET the run until its status is 10, waiting the loop
delay and then 1.5 times longer each time, GET its artifacts; every answer parsed and its
status checked), driven by as many threads as the Scheduler's default pool, with a timer heap
for the waits, so no thread sleeps. On a ``requests.Session`` per thread (the floor a user
writes by hand) or on one kept-alive ``http.client`` connection per thread (the lower floor:
no library above the standard one). Prints the seconds from the first request to the last
answer, the polls made and the first wave (until the last run began its first wait), in a
fresh process, as ``_concurrent_child`` does for the engine.
"""

from __future__ import annotations

import heapq
import http.client
import itertools
import json
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from arazzo_engine.executor._loops import GROWTH
from arazzo_engine.executor._scheduler import DEFAULT_MAX_CONNECTIONS
from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN

from ._loops import http_client_exchange

SUCCESS, ERROR, CANCELLED = 10, 20, 30
#: One exchange: (method, path, JSON body or None) -> the parsed answer.
Exchange = Callable[[str, str, Any], Any]
#: A run: yields each wait, in seconds; returns the polls it made.
Run = Iterator[float]


def _run(exchange: Exchange, job: int, delay: float, polls: list[int],
         waited: list[float]) -> Run:
    account = f"/api/v2/accounts/{DEMO_ACCOUNT_ID}"
    run_id = exchange("POST", f"{account}/jobs/{job}/run/",
                      {"cause": "Triggered via Arazzo workflow"})["data"]["id"]
    made = 0
    while True:
        made += 1
        status = exchange("GET", f"{account}/runs/{run_id}/", None)["data"]["status"]
        if status == SUCCESS:
            break
        if status in (ERROR, CANCELLED):
            raise RuntimeError(f"run {run_id} ended with status {status}")
        if made == 1:
            waited.append(time.perf_counter())
        yield delay
        delay *= GROWTH
    exchange("GET", f"{account}/runs/{run_id}/artifacts/", None)
    polls.append(made)


def _requests_exchange(base_url: str) -> Exchange:
    import requests

    session = requests.Session()
    headers = {"Authorization": f"Bearer {DEMO_TOKEN}"}

    def exchange(method: str, path: str, body: Any) -> Any:
        answer = session.request(method, base_url + path, json=body, headers=headers)
        answer.raise_for_status()
        return answer.json()

    return exchange


def _http_client_exchange(base_url: str) -> Exchange:
    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port)
    send = http_client_exchange(connection, DEMO_TOKEN)

    def exchange(method: str, path: str, body: Any) -> Any:
        return send(method, path, None if body is None else json.dumps(body).encode())

    return exchange


CLIENTS: dict[str, Callable[[str], Exchange]] = {
    "requests": _requests_exchange, "http.client": _http_client_exchange}


def drive(client: str, runs: int, base_url: str, delay: float, waited: list[float],
          workers: int = DEFAULT_MAX_CONNECTIONS) -> list[int]:
    """Drives ``runs`` runs at once on ``workers`` threads; the polls each made. Each run's
    first wait's start is added to ``waited``."""
    local = threading.local()
    polls: list[int] = []
    failures: list[BaseException] = []

    def exchange(method: str, path: str, body: Any) -> Any:
        own = getattr(local, "exchange", None)
        if own is None:
            own = local.exchange = CLIENTS[client](base_url)
        return own(method, path, body)

    ready: deque[Run] = deque(_run(exchange, DEMO_JOB_ID + n, delay, polls, waited)
                              for n in range(runs))
    timers: list[tuple[float, int, Run]] = []
    order = itertools.count()
    changed = threading.Condition()
    unfinished = [runs]

    def take() -> Run | None:
        with changed:
            while True:
                now = time.monotonic()
                while timers and timers[0][0] <= now:
                    ready.append(heapq.heappop(timers)[2])
                if ready:
                    return ready.popleft()
                if unfinished[0] == 0 or failures:
                    return None
                changed.wait(timers[0][0] - now if timers else None)

    def work() -> None:
        while (run := take()) is not None:
            try:
                wait = next(run)
            except StopIteration:
                wait = None
            except BaseException as exc:  # handed to the main thread
                failures.append(exc)
                wait = None
            with changed:
                if wait is None:
                    unfinished[0] -= 1
                else:
                    heapq.heappush(timers, (time.monotonic() + wait, next(order), run))
                if unfinished[0] == 0 or failures:
                    changed.notify_all()
                else:  # a waiting thread looks again (this may be the earliest timer now)
                    changed.notify()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return polls


def main(argv: list[str]) -> int:
    client, runs, base_url, delay = argv[0], int(argv[1]), argv[2], float(argv[3])
    waited: list[float] = []
    started = time.perf_counter()
    polls = drive(client, runs, base_url, delay, waited)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "polls": sum(polls), "runs": len(polls),
                      "first_wave": max(waited) - started if waited else None}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

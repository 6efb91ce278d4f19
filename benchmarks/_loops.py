"""The floors: the reference workflow's requests written by hand, the way a user would.

Trigger a run (POST), GET it until its status is 10, GET its artifacts, parsing every JSON
answer and checking every status: once on a ``requests.Session`` (the floor a user writes by
hand) and once on one ``http.client`` connection (the lower floor: no library above the
standard one). Both keep their defaults (a Session trusts the environment for proxies, as the
engine's CLI does).

Run as a script for the whole-process measurements:
``python benchmarks/_loops.py requests|http.client BASE_URL POLLS``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

ACCOUNT_ID = 70_471_823_400_001
TOKEN = "dbtc_arazzo_benchmark_token"
CAUSE = "Triggered via Arazzo workflow"
SUCCESS, ERROR, CANCELLED = 10, 20, 30


def requests_loop(base_url: str, polls: int) -> int:
    """Returns the number of GETs of the run it made (``polls`` when all went well)."""
    import requests

    account = f"{base_url}/api/v2/accounts/{ACCOUNT_ID}"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with requests.Session() as session:
        trigger = session.post(f"{account}/jobs/{polls}/run/", json={"cause": CAUSE},
                               headers=headers)
        trigger.raise_for_status()
        run_id = trigger.json()["data"]["id"]
        made = 0
        while True:
            poll = session.get(f"{account}/runs/{run_id}/", headers=headers)
            poll.raise_for_status()
            made += 1
            status = poll.json()["data"]["status"]
            if status == SUCCESS:
                break
            if status in (ERROR, CANCELLED):
                raise RuntimeError(f"run {run_id} ended with status {status}")
        artifacts = session.get(f"{account}/runs/{run_id}/artifacts/", headers=headers)
        artifacts.raise_for_status()
        artifacts.json()
    return made


def http_client_exchange(connection: Any, token: str) -> Callable[..., Any]:
    """One exchange on a kept-alive ``http.client`` connection: the answer parsed, its
    status checked (what a user writes with the standard library alone)."""
    headers = {"Authorization": f"Bearer {token}"}

    def exchange(method: str, path: str, body: bytes | None = None) -> Any:
        sent = dict(headers, **({"Content-Type": "application/json"} if body else {}))
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: HTTP {response.status}")
        return json.loads(payload)

    return exchange


def http_client_loop(base_url: str, polls: int) -> int:
    import http.client

    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port)
    account = f"/api/v2/accounts/{ACCOUNT_ID}"
    exchange = http_client_exchange(connection, TOKEN)

    try:
        trigger = exchange("POST", f"{account}/jobs/{polls}/run/",
                           json.dumps({"cause": CAUSE}).encode())
        run_id = trigger["data"]["id"]
        made = 0
        while True:
            made += 1
            status = exchange("GET", f"{account}/runs/{run_id}/")["data"]["status"]
            if status == SUCCESS:
                break
            if status in (ERROR, CANCELLED):
                raise RuntimeError(f"run {run_id} ended with status {status}")
        exchange("GET", f"{account}/runs/{run_id}/artifacts/")
    finally:
        connection.close()
    return made


def transport_loop(base_url: str, polls: int) -> int:
    """The same requests through the engine's own transport (``RequestsTransport``: one
    session, the whole-exchange timeout, the proxy environment read once per origin), with
    no machine around it: what the engine's HTTP layer costs, apart from everything else."""
    from arazzo_engine.executor import HttpRequest, HttpResponse, RequestsTransport
    from arazzo_engine.executor._options import DEFAULT_TIMEOUT

    account = f"{base_url}/api/v2/accounts/{ACCOUNT_ID}"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    transport = RequestsTransport()

    def exchange(method: str, url: str, body: bytes | None = None) -> Any:
        sent = dict(headers, **({"Content-Type": "application/json"} if body else {}))
        answer = transport.send(HttpRequest(method, url, sent, body, DEFAULT_TIMEOUT))
        if not isinstance(answer, HttpResponse) or answer.status_code != 200:
            raise RuntimeError(f"{method} {url}: {answer}")
        return json.loads(answer.body)

    try:
        run_id = exchange("POST", f"{account}/jobs/{polls}/run/",
                          json.dumps({"cause": CAUSE}).encode())["data"]["id"]
        made = 0
        while True:
            made += 1
            status = exchange("GET", f"{account}/runs/{run_id}/")["data"]["status"]
            if status == SUCCESS:
                break
            if status in (ERROR, CANCELLED):
                raise RuntimeError(f"run {run_id} ended with status {status}")
        exchange("GET", f"{account}/runs/{run_id}/artifacts/")
    finally:
        transport.close()
    return made


LOOPS = {"requests": requests_loop, "http.client": http_client_loop,
         "engine transport": transport_loop}

if __name__ == "__main__":
    kind, base, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    done = LOOPS[kind](base, count)
    if done != count:
        sys.exit(f"polled {done} times, expected {count}")

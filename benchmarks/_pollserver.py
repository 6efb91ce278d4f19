"""A dbt-Cloud-shaped HTTP server that answers at once, for per-poll and peer benchmarks.

The embedded simulator is faithful but does real work per request (routing, a request log,
run lifecycles, JSON encoding); measured against it, a client's cost is diluted by the
server's. This server does almost nothing: answers are rendered from templates, HTTP/1.1
keep-alive on one asyncio loop, in its own process on the other core. What a benchmark times
is then the client.

The run's job id says how many polls it takes: a run of job ``N`` reports status 3 (running)
on its first ``N - 1`` GETs and 10 (success) on the ``N``-th, so one server serves every
size. ``GET /__counts__/<run id>`` (or ``/__counts__/latest``) tells how many GETs of the run
(and of its artifacts) the server answered: the check that a client really polled the number
of times it claims.

Only the standard library, so it runs as a script too:
``python benchmarks/_pollserver.py`` prints its base URL and serves until stdin closes.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import threading
from dataclasses import dataclass

TOKEN = "dbtc_arazzo_benchmark_token"
ACCOUNT_ID = 70_471_823_400_001
_FIRST_RUN_ID = 70_471_823_500_001
SUCCESS, RUNNING, QUEUED = 10, 3, 1

_TRIGGER = re.compile(r"^/api/v2/accounts/(\d+)/jobs/(\d+)/run/?$")
_RUN = re.compile(r"^/api/v2/accounts/(\d+)/runs/(\d+)/?$")
_ARTIFACTS = re.compile(r"^/api/v2/accounts/(\d+)/runs/(\d+)/artifacts/?$")
_COUNTS = re.compile(r"^/__counts__/(\d+|latest)$")
_MAX_HEAD = 64 * 1024


def _run_body(run_id: int, job_id: int, status: int) -> bytes:
    """About the size and shape of a real dbt Cloud run resource (1 KB)."""
    done = status == SUCCESS
    return json.dumps({
        "status": {"code": 200, "is_success": True, "user_message": "Success!",
                   "developer_message": None},
        "data": {
            "id": run_id, "trigger_id": run_id + 100_000, "account_id": ACCOUNT_ID,
            "environment_id": 70_471_823_400_003, "project_id": 70_471_823_400_002,
            "job_definition_id": job_id, "job_id": job_id, "status": status,
            "status_humanized": {SUCCESS: "Success", RUNNING: "Running"}.get(status, "Queued"),
            "in_progress": not done, "is_complete": done, "is_success": done,
            "is_error": False, "is_cancelled": False, "is_running": status == RUNNING,
            "created_at": "2026-01-01 00:00:00.000000+00:00",
            "updated_at": "2026-01-01 00:00:00.000000+00:00",
            "dequeued_at": None, "started_at": None, "finished_at": None,
            "duration": "00:00:00", "queued_duration": "00:00:00", "run_duration": "00:00:00",
            "status_message": None, "git_branch": "main", "git_sha": None,
            "dbt_version": "versionless",
            "href": f"https://cloud.getdbt.com/deploy/{ACCOUNT_ID}/runs/{run_id}/",
            "artifacts_saved": done, "has_docs_generated": False,
        },
    }).encode()


_ARTIFACT_LIST = json.dumps({
    "status": {"code": 200, "is_success": True, "user_message": "Success!",
               "developer_message": None},
    "data": ["manifest.json", "catalog.json", "run_results.json"],
}).encode()


@dataclass
class _Run:
    job_id: int
    polls: int = 0  # GETs of the run so far
    artifact_gets: int = 0
    running: bytes = b""
    succeeded: bytes = b""


class PollApi:
    """Routes one request to its answer; every run lives in memory."""

    def __init__(self) -> None:
        self.runs: dict[int, _Run] = {}
        self._lock = threading.Lock()

    def answer(self, method: str, path: str, authorization: str,
               body: bytes) -> tuple[int, bytes]:
        if path.startswith("/__counts__/"):
            return self._counts(path)
        if authorization != f"Bearer {TOKEN}":
            return 401, b'{"status": {"code": 401, "is_success": false}, "data": null}'
        if method == "POST":
            found = _TRIGGER.match(path)
            if found and int(found.group(1)) == ACCOUNT_ID:
                return self._trigger(int(found.group(2)), body)
        elif method == "GET":
            found = _RUN.match(path)
            if found:
                return self._poll(int(found.group(2)))
            found = _ARTIFACTS.match(path)
            if found:
                return self._artifacts(int(found.group(2)))
        return 404, b'{"status": {"code": 404, "is_success": false}, "data": null}'

    def _trigger(self, job_id: int, body: bytes) -> tuple[int, bytes]:
        try:
            cause = json.loads(body or b"null")
        except ValueError:
            cause = None
        if not isinstance(cause, dict) or not isinstance(cause.get("cause"), str):
            return 400, b'{"status": {"code": 400, "is_success": false}, "data": null}'
        with self._lock:
            run_id = _FIRST_RUN_ID + len(self.runs)
            self.runs[run_id] = _Run(job_id, running=_run_body(run_id, job_id, RUNNING),
                                     succeeded=_run_body(run_id, job_id, SUCCESS))
        return 200, _run_body(run_id, job_id, QUEUED)

    def _poll(self, run_id: int) -> tuple[int, bytes]:
        run = self.runs.get(run_id)
        if run is None:
            return 404, b'{"status": {"code": 404, "is_success": false}, "data": null}'
        run.polls += 1
        return 200, run.succeeded if run.polls >= run.job_id else run.running

    def _artifacts(self, run_id: int) -> tuple[int, bytes]:
        run = self.runs.get(run_id)
        if run is None or run.polls < run.job_id:
            return 404, b'{"status": {"code": 404, "is_success": false}, "data": null}'
        run.artifact_gets += 1
        return 200, _ARTIFACT_LIST

    def _counts(self, path: str) -> tuple[int, bytes]:
        found = _COUNTS.match(path)
        wanted = found.group(1) if found else None
        if wanted == "latest":
            wanted = str(max(self.runs)) if self.runs else None
        run = self.runs.get(int(wanted)) if wanted else None
        if run is None:
            return 404, b"{}"
        return 200, json.dumps({"run": int(wanted or 0), "job": run.job_id, "polls": run.polls,
                                "artifacts": run.artifact_gets}).encode()


_REASONS = {200: b"OK", 400: b"Bad Request", 401: b"Unauthorized", 404: b"Not Found"}


class _Connection(asyncio.Protocol):
    """HTTP/1.1 with keep-alive; Content-Length and chunked request bodies."""

    def __init__(self, api: PollApi) -> None:
        self.api = api
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None and self._one_request():
            pass
        if len(self.buffer) > _MAX_HEAD and self.transport is not None:
            self.transport.close()

    def _one_request(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        lines = self.buffer[:end].decode("latin-1").split("\r\n")
        method, target, _ = [*lines[0].split(" "), "", ""][:3]
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        rest = self.buffer[end + 4:]
        if "chunked" in headers.get("transfer-encoding", "").lower():
            decoded = _dechunk(rest)
            if decoded is None:
                return False
            body, used = decoded
        else:
            length = int(headers.get("content-length") or 0)
            if len(rest) < length:
                return False
            body, used = rest[:length], length
        self.buffer = rest[used:]
        status, payload = self.api.answer(method, target.split("?")[0],
                                          headers.get("authorization", ""), body)
        assert self.transport is not None
        self.transport.write(
            b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
            % (status, _REASONS.get(status, b"Other"), len(payload), payload))
        if headers.get("connection", "").lower() == "close":
            self.transport.close()
            self.transport = None
        return True


def _dechunk(data: bytes) -> tuple[bytes, int] | None:
    """The chunked body at the start of ``data`` and the bytes it used; None if incomplete."""
    chunks: list[bytes] = []
    position = 0
    while True:
        line_end = data.find(b"\r\n", position)
        if line_end < 0:
            return None
        size = int(data[position:line_end].split(b";")[0] or b"0", 16)
        start = line_end + 2
        if size == 0:
            trailer_end = data.find(b"\r\n", start)
            if trailer_end < 0:
                return None
            return b"".join(chunks), trailer_end + 2
        if len(data) < start + size + 2:
            return None
        chunks.append(data[start:start + size])
        position = start + size + 2


async def _serve() -> None:
    loop = asyncio.get_running_loop()
    api = PollApi()
    server = await loop.create_server(lambda: _Connection(api), "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"http://127.0.0.1:{port}", flush=True)
    stdin_closed = loop.run_in_executor(None, sys.stdin.read)
    async with server:
        await stdin_closed


if __name__ == "__main__":
    asyncio.run(_serve())

"""The simulator as a real HTTP server on 127.0.0.1, served from a background thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from ._api import DbtCloudApi, IncomingRequest, RateLimit
from ._envelope import INVALID_REQUEST_MESSAGE, ApiResponse, failure
from ._log import Headers, RecordedRequest, RequestLog, parse_json
from ._runs import Job
from ._scenarios import SCENARIOS, Scenario
from ._scheduler import RunScheduler, Transition

DEMO_TOKEN = "dbtc_arazzo_simulator_demo_token"
DEMO_ACCOUNT_ID = 70_471_823_400_001
DEMO_JOB_ID = 70_471_823_410_007
DEMO_PROJECT_ID = 70_471_823_400_002
DEMO_ENVIRONMENT_ID = 70_471_823_400_003
DBT_CLOUD_UI = "https://cloud.getdbt.com"
_SHUTDOWN_POLL_SECONDS = 0.02  # how long stop() may wait for the serving loop to notice
#: The pace of ``arazzo simulate dbt`` and ``arazzo demo``: a run is done 3 s after it starts.
DEFAULT_SECONDS_PER_STATUS = 1.0
#: The background clock looks at the runs at least this often (in time mode).
_TICK_SECONDS = 0.25


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class DbtCloudSimulator:
    """dbt Cloud's trigger / get run / list artifacts endpoints, answering on a local port.

    Arguments:
        scenario: how every run ends: ``success``, ``error``, ``cancelled``, ``rate-limit``
            (some polls answered 429 with ``Retry-After``, then success) or ``stuck`` (never
            leaves the queue).
        token: the only token accepted, as ``Token <t>`` or ``Bearer <t>``.
        account_id: the only account the token is scoped to; other ids get 403.
        job_ids: the jobs that exist; other ids get 404.
        polls_per_status: how many observations a run spends in each status (the trigger's
            answer counts as the first observation of Queued); each GET of the run is one.
        seconds_per_status: when given, time moves runs instead of polls, as in dbt Cloud: a
            background clock moves every run on whether anyone polls it or not, so an
            abandoned run finishes on its own and frees its job's queue (the CLI's default,
            ``DEFAULT_SECONDS_PER_STATUS``). Without it, polls script the lifecycle (tests).
        rate_limited_polls: in ``rate-limit``, how many GETs of a run, from its second on,
            are answered 429.
        retry_after_seconds: the ``Retry-After`` value sent with those 429s.
        host, port: where to listen; port 0 picks a free one.
        clock: returns the current time (aware, UTC); tests inject their own.
        on_request: called after each request is answered, e.g. to print an access log.
        on_transition: called with ``(run, old status, new status)`` when a run moves on,
            from the background clock or a request.

    Use it as a context manager, or call ``start()`` and ``stop()``.
    """

    def __init__(
        self,
        scenario: Scenario | str = Scenario.SUCCESS,
        *,
        token: str = DEMO_TOKEN,
        account_id: int = DEMO_ACCOUNT_ID,
        job_ids: Iterable[int] = (DEMO_JOB_ID,),
        polls_per_status: int = 1,
        seconds_per_status: float | None = None,
        rate_limited_polls: int = 2,
        retry_after_seconds: int = 1,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], datetime] = _utc_now,
        on_request: Callable[[RecordedRequest], None] | None = None,
        on_transition: Callable[[Transition], None] | None = None,
    ) -> None:
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; expected one of {SCENARIOS}")
        if polls_per_status < 1:
            raise ValueError("polls_per_status must be at least 1")
        if seconds_per_status is not None and seconds_per_status <= 0:
            raise ValueError("seconds_per_status must be positive")
        if rate_limited_polls < 0 or retry_after_seconds < 0:
            raise ValueError("rate_limited_polls and retry_after_seconds must not be negative")
        self.scenario = Scenario(scenario)
        self.token = token
        self.account_id = account_id
        self.job_ids = tuple(job_ids)
        self._host = host
        self._requested_port = port
        self._on_request = on_request
        self._log = RequestLog()
        self._release: threading.Event | None = None
        jobs = {
            job_id: Job(
                id=job_id,
                account_id=account_id,
                project_id=DEMO_PROJECT_ID,
                environment_id=DEMO_ENVIRONMENT_ID,
                name=f"Simulated job {job_id}",
            )
            for job_id in self.job_ids
        }
        scheduler = RunScheduler(
            self.scenario,
            polls_per_status=polls_per_status,
            seconds_per_status=seconds_per_status,
            ui_host=DBT_CLOUD_UI,
        )
        self._api = DbtCloudApi(
            token=token,
            account_id=account_id,
            jobs=jobs,
            scheduler=scheduler,
            rate_limit=RateLimit(2, rate_limited_polls, retry_after_seconds),
            clock=clock,
            on_transition=on_transition,
        )
        self.seconds_per_status = seconds_per_status
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._clock_thread: threading.Thread | None = None
        self._clock_stop = threading.Event()

    def start(self) -> DbtCloudSimulator:
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        server = _Server((self._host, self._requested_port), _Handler)
        server.simulator = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": _SHUTDOWN_POLL_SECONDS},
            name="dbt-cloud-simulator",
            daemon=True,
        )
        self._thread.start()
        if self.seconds_per_status is not None:
            self._clock_stop.clear()
            tick = min(_TICK_SECONDS, self.seconds_per_status / 4)
            self._clock_thread = threading.Thread(
                target=self._keep_time, args=(tick,), name="dbt-cloud-simulator-clock",
                daemon=True)
            self._clock_thread.start()
        return self

    def _keep_time(self, tick: float) -> None:
        while not self._clock_stop.wait(tick):
            self._api.tick()

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._clock_stop.set()
        if self._clock_thread is not None:
            self._clock_thread.join()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join()
        self._server = self._thread = self._clock_thread = None

    def __enter__(self) -> DbtCloudSimulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not running; call start() first")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """Where to point a client, e.g. ``http://127.0.0.1:54321`` (no trailing slash)."""
        return f"http://{self._host}:{self.port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request answered so far, oldest first (a copy)."""
        return self._log.snapshot()

    def clear_requests(self) -> None:
        self._log.clear()

    @property
    def trigger_count(self) -> int:
        """Trigger-run POSTs the simulator acted on (each created a run): the number a client
        that resumes after a crash must not raise twice."""
        return sum(1 for entry in self._log.snapshot() if _is_trigger(entry.method, entry.path)
                   and entry.status == 200)

    def hold_trigger_responses(self) -> threading.Event:
        """From now on a trigger POST creates its run but its response waits until the
        returned event is set: a client can be killed with the request in flight."""
        self._release = threading.Event()
        return self._release

    def _answer(self, request: IncomingRequest) -> ApiResponse:
        response = self._api.handle(request)
        entry = RecordedRequest(
            method=request.method,
            path=request.path,
            query={name: list(values) for name, values in request.query.items()},
            headers=Headers(request.headers.items()),
            body=parse_json(request.raw_body),
            raw_body=request.raw_body,
            status=response.status,
        )
        self._log.append(entry)
        if self._on_request is not None:
            self._on_request(entry)
        release = self._release
        if release is not None and _is_trigger(request.method, request.path):
            release.wait(_HOLD_LIMIT_SECONDS)
        return response


_HOLD_LIMIT_SECONDS = 120.0


def _is_trigger(method: str, path: str) -> bool:
    return method == "POST" and path.rstrip("/").endswith("/run")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops bursts of connects, costing 1 s SYN retries
    simulator: DbtCloudSimulator


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "dbt-cloud-simulator"
    disable_nagle_algorithm = True  # headers and body go out in two writes; no 40 ms stall
    timeout = 30

    def _serve(self) -> None:
        raw_body = self._read_body()
        if raw_body is None:
            self.close_connection = True
            self._send(failure(400, INVALID_REQUEST_MESSAGE, "Malformed request body framing."))
            return
        url = urlsplit(self.path)
        request = IncomingRequest(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query, keep_blank_values=True),
            headers=Headers(self.headers.items()),
            raw_body=raw_body,
        )
        # The stdlib types ``server`` as any socketserver; this handler only ever serves ours.
        server = self.server
        assert isinstance(server, _Server), "the handler runs only under _Server"
        self._send(server.simulator._answer(request))

    def _send(self, response: ApiResponse) -> None:
        payload = response.encode()
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _read_body(self) -> bytes | None:
        """The request body, or None when its length cannot be trusted."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunks()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        if length < 0:
            return None
        return self.rfile.read(length) if length else b""

    def _read_chunks(self) -> bytes | None:
        chunks: list[bytes] = []
        while True:
            try:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
            except ValueError:
                return None
            if size == 0:
                while self.rfile.readline().strip():  # trailers, up to the blank line
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the request log (and ``on_request``) replace stderr access lines."""

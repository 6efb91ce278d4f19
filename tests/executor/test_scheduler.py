"""Many runs in one process: the Scheduler drives them from one thread, waits on a timer heap."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from local_http import LocalServer, Reply, Seen, arazzo_doc, openapi_doc

import arazzo_engine
from arazzo_engine import RunOptions, Scheduler, StopSignal, ValidationFailed, run_many
from arazzo_engine.executor import (
    HttpRequest,
    HttpResponse,
    ManualClock,
    RequestsTransport,
    RunEvent,
    TransportFailure,
    run_workflow,
)
from arazzo_engine.executor._history import SpillHistory
from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN, DbtCloudSimulator
from arazzo_engine.store import RunStore, StoredSteps

WORKFLOW = Path(__file__).parents[2] / "specs/dbt/arazzo/dbt-trigger-run-and-poll-workflow.yml"
JOBS = [DEMO_JOB_ID + number for number in range(12)]


def _inputs(job: int) -> dict[str, Any]:
    return {"accountId": DEMO_ACCOUNT_ID, "jobId": job, "token": DEMO_TOKEN}


@pytest.fixture
def simulator() -> Iterator[DbtCloudSimulator]:
    with DbtCloudSimulator(job_ids=JOBS) as running:
        yield running


def _options(simulator: DbtCloudSimulator, **extra: Any) -> RunOptions:
    extra.setdefault("loop_delay", 0.05)
    return RunOptions(servers={"dbtAdminApi": simulator.base_url}, trust_env=False, **extra)


def test_many_reference_runs_succeed_each_with_its_own_run(
        simulator: DbtCloudSimulator) -> None:
    document = arazzo_engine.load(WORKFLOW)
    results = run_many(document, [_inputs(job) for job in JOBS], options=_options(simulator),
                       max_connections=4)
    assert [r.outcome for r in results] == ["succeeded"] * len(JOBS)
    # results come back in submission order, each the run of its own job
    triggered = {request.path: request for request in simulator.requests
                 if request.method == "POST"}
    for job, result in zip(JOBS, results, strict=True):
        assert f"/api/v2/accounts/{DEMO_ACCOUNT_ID}/jobs/{job}/run/" in triggered
        assert [s.step_id for s in result.steps] == (
            ["triggerRun"] + ["pollRun"] * 3 + ["listArtifacts"])
        assert result.outputs["finalStatus"] == 10
    assert len({r.outputs["runId"] for r in results}) == len(JOBS)


def test_a_scheduled_run_records_what_a_run_driven_alone_records(
        simulator: DbtCloudSimulator) -> None:
    options = _options(simulator, loop_delay=0)
    alone = run_workflow(WORKFLOW, inputs=_inputs(JOBS[0]), options=options)
    scheduler = Scheduler(max_connections=2)
    handle = scheduler.submit(arazzo_engine.load(WORKFLOW), inputs=_inputs(JOBS[1]),
                              options=options)
    [together] = scheduler.run()
    assert handle.result is together and handle.done
    assert together.outcome == alone.outcome == "succeeded"
    assert [(s.step_id, s.status_code, s.action.type if s.action else None)
            for s in together.steps] == [
        (s.step_id, s.status_code, s.action.type if s.action else None) for s in alone.steps]


class _Dbt:
    """A thread-safe in-memory dbt: a run succeeds on its third GET. Counts concurrency."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.lock = threading.Lock()
        self.polls: dict[str, int] = {}
        self.in_flight = 0
        self.most_in_flight = 0
        self.threads: set[str] = set()

    def send(self, request: HttpRequest) -> HttpResponse:
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.threads.add(threading.current_thread().name)
        try:
            if self.delay:
                time.sleep(self.delay)
            return self._answer(request)
        finally:
            with self.lock:
                self.in_flight -= 1

    def _answer(self, request: HttpRequest) -> HttpResponse:
        headers = [("Content-Type", "application/json")]
        parts = request.url.rstrip("/").split("/")
        if request.method == "POST":
            body = f'{{"data": {{"id": {parts[-2]}, "status": 1}}}}'
        elif parts[-1] == "artifacts":
            body = '{"data": ["manifest.json"]}'
        else:
            with self.lock:
                seen = self.polls[parts[-1]] = self.polls.get(parts[-1], 0) + 1
            body = f'{{"data": {{"id": {parts[-1]}, "status": {10 if seen >= 3 else 3}}}}}'
        return HttpResponse(200, headers, body.encode())


class _DbtTransport:
    def __init__(self, dbt: _Dbt) -> None:
        self.dbt = dbt
        self.closed = False

    def send(self, request: HttpRequest) -> HttpResponse | TransportFailure:
        return self.dbt.send(request)

    def close(self) -> None:
        self.closed = True


def _fake_options(**extra: Any) -> RunOptions:
    return RunOptions(servers={"dbtAdminApi": "http://dbt.invalid"}, trust_env=False, **extra)


def test_waiting_runs_share_the_wait_and_hold_no_thread_each() -> None:
    """200 runs, each waiting 5 s twice: the clock moves 10 s in all, not 2,000 s, and no
    more threads than HTTP workers exist while they run."""
    dbt = _Dbt()
    clock = ManualClock()
    transports: list[_DbtTransport] = []

    def transport(_options: RunOptions) -> _DbtTransport:
        transports.append(_DbtTransport(dbt))
        return transports[-1]

    scheduler = Scheduler(max_connections=3, transport=transport, clock=clock)
    document = arazzo_engine.load(WORKFLOW)
    options = _fake_options(loop_delay=5, loop_delay_max=5)  # a constant wait
    threads_before = threading.active_count()
    threads_seen: list[int] = []
    for job in range(200):
        scheduler.submit(document, inputs=_inputs(job), options=options,
                         observer=lambda _event: threads_seen.append(threading.active_count()))
    results = scheduler.run()
    assert [r.outcome for r in results] == ["succeeded"] * 200
    assert all(len(r.steps) == 5 for r in results)
    assert clock.now == pytest.approx(10.0)  # two waits, shared by every run
    assert max(threads_seen) <= threads_before + 3
    assert len(dbt.threads) <= 3 and dbt.most_in_flight <= 3
    assert len(transports) <= 3 and all(t.closed for t in transports)


def test_max_connections_bounds_the_requests_in_flight() -> None:
    dbt = _Dbt(delay=0.01)
    scheduler = Scheduler(max_connections=2, transport=lambda _o: _DbtTransport(dbt))
    document = arazzo_engine.load(WORKFLOW)
    for job in range(8):
        scheduler.submit(document, inputs=_inputs(job), options=_fake_options(loop_delay=0))
    assert all(r.succeeded for r in scheduler.run())
    assert dbt.most_in_flight == 2  # eight runs wanted to send at once; two could


def test_the_deadline_cuts_a_wait_short_as_it_does_for_a_run_alone() -> None:
    dbt = _Dbt()
    clock = ManualClock()
    scheduler = Scheduler(transport=lambda _o: _DbtTransport(dbt), clock=clock)
    options = _fake_options(loop_delay=30, deadline=12)
    handle = scheduler.submit(arazzo_engine.load(WORKFLOW), inputs=_inputs(1), options=options)
    [result] = scheduler.run()
    alone = run_workflow(WORKFLOW, inputs=_inputs(2), options=options, clock=ManualClock(),
                         transport=_DbtTransport(_Dbt()))
    assert result.outcome == alone.outcome == "failed"
    assert result.error == alone.error == "the run's deadline of 12 s (--deadline) passed"
    assert clock.now == pytest.approx(12.0)
    assert handle.done


def test_a_run_whose_transport_raises_stops_alone() -> None:
    dbt = _Dbt()

    class Breaking(_DbtTransport):
        def send(self, request: HttpRequest) -> HttpResponse | TransportFailure:
            if "/jobs/666/" in request.url:
                raise RuntimeError("the custom transport broke")
            return super().send(request)

    _only_job_666_fails(Scheduler(transport=lambda _o: Breaking(dbt)),
                        "the custom transport broke")


def _only_job_666_fails(scheduler: Scheduler, message: str) -> None:
    """Job 666's run (submitted first) raises ``message``; job 1's still succeeds, and run()
    raises the failure once both have ended."""
    document = arazzo_engine.load(WORKFLOW)
    bad = scheduler.submit(document, inputs=_inputs(666), options=_fake_options(loop_delay=0))
    good = scheduler.submit(document, inputs=_inputs(1), options=_fake_options(loop_delay=0))
    with pytest.raises(RuntimeError, match=message):
        scheduler.run()
    assert good.result is not None and good.result.succeeded
    assert bad.result is None and isinstance(bad.error, RuntimeError)


def test_a_failure_around_the_machine_stops_its_run_not_a_worker(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Something failing on a worker outside the machine's decision (here the deadline's
    check before a send) ends that run with the error: the worker goes on with the others,
    and run() returns instead of waiting for a run that would never end."""
    from arazzo_engine.executor import _deadline

    real = _deadline.Deadline.send

    def send(self: _deadline.Deadline, request: HttpRequest, now: float) -> Any:
        if "/jobs/666/" in request.url:
            raise RuntimeError("broke beside the machine")
        return real(self, request, now)

    monkeypatch.setattr(_deadline.Deadline, "send", send)
    _only_job_666_fails(Scheduler(max_connections=1, transport=lambda _o: _DbtTransport(_Dbt())),
                        "broke beside the machine")


def test_each_run_sees_only_its_own_events() -> None:
    dbt = _Dbt()
    scheduler = Scheduler(transport=lambda _o: _DbtTransport(dbt))
    document = arazzo_engine.load(WORKFLOW)
    seen: dict[int, list[RunEvent]] = {1: [], 2: []}
    for job in seen:
        scheduler.submit(document, inputs=_inputs(job), options=_fake_options(loop_delay=0),
                         observer=seen[job].append)
    scheduler.run()
    for job, events in seen.items():
        urls = [e.data["url"] for e in events if e.kind == "request"]
        assert len(urls) == 5 and f"/jobs/{job}/run/" in urls[0]
        assert all(f"/runs/{job}/" in url for url in urls[1:])
        assert [e.kind for e in events][-1] == "run-finished"


def test_submit_checks_the_document_and_the_inputs_at_once(tmp_path: Path) -> None:
    broken = tmp_path / "broken.arazzo.yaml"
    broken.write_text(yaml.safe_dump(arazzo_doc({"workflowId": "w", "steps": [
        {"stepId": "s", "operationId": "missing"}]})))
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(openapi_doc("http://127.0.0.1:1")))
    scheduler = Scheduler()
    with pytest.raises(ValidationFailed):
        scheduler.submit(arazzo_engine.load(broken))
    with pytest.raises(arazzo_engine.InputError):
        scheduler.submit(arazzo_engine.load(WORKFLOW), inputs={"accountId": "not a number"})
    assert scheduler.handles == [] and scheduler.run() == []
    with pytest.raises(ValueError, match="max_connections"):
        Scheduler(max_connections=0)


def test_cookies_stay_with_their_run_across_shared_connections(tmp_path: Path) -> None:
    """Two runs log in as different users through the same two HTTP workers; each must send
    back its own session cookie, never the other's."""
    with LocalServer() as server:
        def login(seen: Seen) -> Reply:
            return Reply(200, {"ok": True},
                         headers={"Set-Cookie": f"who={seen.json()['user']}; Path=/"})

        def whoami(seen: Seen) -> Any:
            return {"cookie": seen.header("cookie")}

        server.route("POST", "/login", login)
        server.route("GET", "/whoami", whoami)
        (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(openapi_doc(
            server.url, {"id": "login", "method": "post", "path": "/login"},
            {"id": "whoami", "path": "/whoami"})))
        document_path = tmp_path / "flow.arazzo.yaml"
        document_path.write_text(yaml.safe_dump(arazzo_doc({
            "workflowId": "w",
            "inputs": {"type": "object", "properties": {"user": {"type": "string"}}},
            "steps": [
                {"stepId": "login", "operationId": "login",
                 "requestBody": {"contentType": "application/json",
                                 "payload": {"user": "$inputs.user"}}},
                {"stepId": "again", "operationId": "whoami",
                 "outputs": {"cookie": "$response.body#/cookie"}},
                {"stepId": "twice", "operationId": "whoami",
                 "outputs": {"cookie": "$response.body#/cookie"}},
            ],
            "outputs": {"first": "$steps.again.outputs.cookie",
                        "second": "$steps.twice.outputs.cookie"},
        })))
        users = [f"user{number}" for number in range(6)]
        results = run_many(arazzo_engine.load(document_path), [{"user": u} for u in users],
                           options=RunOptions(loop_delay=0, trust_env=False),
                           max_connections=2)
    for user, result in zip(users, results, strict=True):
        assert result.succeeded, result.error
        assert result.outputs == {"first": f"who={user}", "second": f"who={user}"}


def test_the_default_transport_is_requests_with_the_runs_options() -> None:
    from arazzo_engine.executor._scheduler import _requests_transport

    transport = _requests_transport(RunOptions(trust_env=False, follow_redirects=True))
    try:
        assert isinstance(transport, RequestsTransport)
        assert transport.session.trust_env is False and transport.follow_redirects is True
    finally:
        transport.close()


# the history stream ---------------------------------------------------------------------------


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
def test_step_executions_leave_the_state_as_they_finish_into_one_shared_file() -> None:
    """As in drive(): the state never holds finished step executions (memory flat in polls),
    and 150 runs spill their histories into one file, not 150."""
    dbt = _Dbt()
    scheduler = Scheduler(transport=lambda _o: _DbtTransport(dbt), clock=ManualClock())
    document = arazzo_engine.load(WORKFLOW)
    held: list[int] = []
    files: list[int] = []
    before = _open_files()
    handles = []
    counting = threading.Lock()  # observers run on the workers: one listing of fds at a time
    for job in range(150):
        def observe(event: RunEvent, number: int = job) -> None:
            held.append(len(handles[number].state.executions))
            with counting:
                files.append(_open_files())
        handles.append(scheduler.submit(document, inputs=_inputs(job), observer=observe,
                                        options=_fake_options(loop_delay=1)))
    results = scheduler.run()
    assert held and max(held) == 0
    assert max(files) <= before + 2  # one spill file (and the pool's own handles, if any)
    for job, result in enumerate(results):
        assert isinstance(result.steps, SpillHistory) and len(result.steps) == 5
        assert [s.step_id for s in result.steps] == (
            ["triggerRun"] + ["pollRun"] * 3 + ["listArtifacts"])
        assert f"/runs/{job}/" in result.steps[-1].request.url  # each run reads its own
        assert result.steps == list(result.steps)


def test_with_a_run_store_each_scheduled_run_is_recorded_and_checkpointed(
        tmp_path: Path) -> None:
    store_path = tmp_path / "runs.db"
    dbt = _Dbt()
    scheduler = Scheduler(transport=lambda _o: _DbtTransport(dbt), clock=ManualClock())
    document = arazzo_engine.load(WORKFLOW)
    recorded: list[str] = []
    options = _fake_options(loop_delay=1, state=store_path)
    handles = [scheduler.submit(document, inputs=_inputs(job), options=options,
                                observer=lambda e: recorded.extend(
                                    [e.data["runId"]] if e.kind == "recorded" else []))
               for job in range(3)]
    results = scheduler.run()
    assert [h.run_id for h in handles] == [r.run_id for r in results] == recorded
    assert isinstance(results[0].steps, StoredSteps)
    with RunStore(store_path) as store:
        stored = {run.id: run for run in store.runs()}
        assert set(stored) == set(recorded)
        for result in results:
            assert result.run_id is not None
            assert stored[result.run_id].status == "succeeded"
            assert [s.step_id for s in store.steps(result.run_id)] == (
                ["triggerRun"] + ["pollRun"] * 3 + ["listArtifacts"])



def test_many_recorded_runs_share_one_store_across_the_workers(tmp_path: Path) -> None:
    """Forty runs recorded at once by eight workers (requests that take a little while, so
    several workers write checkpoints at the same moments): each run whole in the store."""
    store_path = tmp_path / "runs.db"
    dbt = _Dbt(delay=0.002)
    scheduler = Scheduler(max_connections=8, transport=lambda _o: _DbtTransport(dbt))
    document = arazzo_engine.load(WORKFLOW)
    options = _fake_options(loop_delay=0, state=store_path, checkpoint_interval=0)
    for job in range(40):
        scheduler.submit(document, inputs=_inputs(job), options=options)
    results = scheduler.run()
    assert all(r.succeeded for r in results) and len(dbt.threads) > 1
    with RunStore(store_path) as store:
        for result in results:
            assert result.run_id is not None
            assert store.get(result.run_id).status == "succeeded"
            assert len(store.steps(result.run_id)) == 5


def test_a_run_is_decided_on_the_worker_that_sent_its_request() -> None:
    """No hand-off to a deciding thread: the events of each decision (observers) come on the
    worker that sent the request before it, and never on the caller's thread."""
    dbt = _Dbt()
    scheduler = Scheduler(max_connections=4, transport=lambda _o: _DbtTransport(dbt))
    document = arazzo_engine.load(WORKFLOW)
    seen: list[str] = []
    for job in range(12):
        scheduler.submit(document, inputs=_inputs(job), options=_fake_options(loop_delay=0),
                         observer=lambda _e: seen.append(threading.current_thread().name))
    assert all(r.succeeded for r in scheduler.run())
    assert seen and set(seen) <= dbt.threads
    assert threading.current_thread().name not in seen


# stopping -------------------------------------------------------------------------------------


def test_a_stop_signal_ends_every_waiting_run_at_once_as_interrupted() -> None:
    dbt = _Dbt()
    stop = StopSignal()
    scheduler = Scheduler(transport=lambda _o: _DbtTransport(dbt), stop=stop)
    document = arazzo_engine.load(WORKFLOW)
    waits = threading.Semaphore(0)

    def observe(event: RunEvent) -> None:
        if event.kind == "waiting":
            waits.release()

    for job in range(20):
        scheduler.submit(document, inputs=_inputs(job), observer=observe,
                         options=_fake_options(loop_delay=600))

    def stop_when_all_wait() -> None:
        for _ in range(20):  # every run in its first wait
            waits.acquire(timeout=60)
        stop.stop("stopped by the test")

    stopper = threading.Thread(target=stop_when_all_wait)
    stopper.start()
    started = time.monotonic()
    results = scheduler.run()
    stopper.join()
    assert time.monotonic() - started < 300  # the 600 s wait was cut short
    assert all(r.interrupted for r in results)
    assert {r.error for r in results} == {"the run was stopped by the test"}
    assert all([s.step_id for s in r.steps] == ["triggerRun", "pollRun"] for r in results)
    stop.close()


def test_a_run_given_its_own_stop_signal_stops_alone() -> None:
    dbt = _Dbt()
    scheduler = Scheduler(transport=lambda _o: _DbtTransport(dbt), clock=ManualClock())
    document = arazzo_engine.load(WORKFLOW)
    stop = StopSignal()

    def observe(event: RunEvent) -> None:
        if event.kind == "waiting":
            stop.stop("cancelled")

    others = [scheduler.submit(document, inputs=_inputs(job), options=_fake_options(
        loop_delay=5)) for job in (1, 2)]
    stopped = scheduler.submit(document, inputs=_inputs(3), options=_fake_options(loop_delay=5),
                               observer=observe, stop=stop)
    scheduler.run()
    assert all(h.result is not None and h.result.succeeded for h in others)
    assert stopped.result is not None and stopped.result.interrupted
    assert stopped.result.error == "the run was cancelled"
    assert [s.step_id for s in stopped.result.steps] == ["triggerRun", "pollRun"]
    stop.close()


def test_a_stop_ends_a_run_whose_request_is_in_flight_and_records_that_request() -> None:
    """A worker's blocking read cannot be cut off; the run ends at once anyway, its request
    recorded as in flight (it may have landed), and the late answer is dropped."""
    release = threading.Event()
    sending = threading.Event()

    class Hanging(_DbtTransport):
        def send(self, request: HttpRequest) -> HttpResponse | TransportFailure:
            if request.method == "GET":
                sending.set()
                release.wait(60)
            return super().send(request)

    stop = StopSignal()
    scheduler = Scheduler(transport=lambda _o: Hanging(_Dbt()), stop=stop)
    handle = scheduler.submit(arazzo_engine.load(WORKFLOW), inputs=_inputs(7),
                              options=_fake_options(loop_delay=0))
    stopper = threading.Thread(target=lambda: (sending.wait(60), stop.stop("stopped")))
    stopper.start()
    try:
        [result] = scheduler.run()
    finally:
        release.set()
        stopper.join()
    assert handle.result is result and result.interrupted
    assert [(s.step_id, s.outcome) for s in result.steps] == [
        ("triggerRun", "succeeded"), ("pollRun", "interrupted")]
    assert "may have been acted on" in (result.steps[-1].error or "")
    stop.close()


def test_a_scheduler_stopped_before_it_runs_sends_nothing() -> None:
    dbt = _Dbt()
    stop = StopSignal()
    stop.stop("stopped early")
    scheduler = Scheduler(transport=lambda _o: _DbtTransport(dbt), stop=stop)
    scheduler.submit(arazzo_engine.load(WORKFLOW), inputs=_inputs(1),
                     options=_fake_options(loop_delay=0))
    [result] = scheduler.run()
    assert result.interrupted and len(result.steps) == 0 and dbt.polls == {}
    stop.close()


def test_run_many_passes_its_stop_signal_to_every_run(simulator: DbtCloudSimulator) -> None:
    stop = StopSignal()
    stop.stop("stopped before the start")
    results = run_many(arazzo_engine.load(WORKFLOW), [_inputs(job) for job in JOBS[:3]],
                       options=_options(simulator), stop=stop)
    assert [r.outcome for r in results] == ["interrupted"] * 3
    assert not simulator.requests  # nothing was sent
    stop.close()

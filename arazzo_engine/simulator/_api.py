"""dbt Cloud's behaviour for the three operations, independent of sockets.

Checks run in the order Django and DRF apply them: the URL must route (else 404), then the
token must authenticate (401) and be scoped to the account (403), then the method must be
allowed (405), then the view validates its input.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ._artifacts import list_artifacts
from ._drift import drift
from ._envelope import (
    INVALID_REQUEST_MESSAGE,
    INVALID_TOKEN_MESSAGE,
    NOT_FOUND_MESSAGE,
    NOT_SCOPED_MESSAGE,
    RATE_LIMITED_MESSAGE,
    ApiResponse,
    failure,
    success,
)
from ._runs import OVERRIDE_FIELDS, Job
from ._scenarios import Scenario
from ._scheduler import RunScheduler, Transition

MAX_CAUSE_LENGTH = 255
_POSITIVE_INTEGER = re.compile(r"0*[1-9][0-9]*")
_AUTH_SCHEMES = ("token", "bearer")


@dataclass(frozen=True)
class IncomingRequest:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    raw_body: bytes


@dataclass(frozen=True)
class RateLimit:
    """The 429 episode of the rate-limit scenario: which GET polls of a run are refused."""

    first_poll: int
    polls: int
    retry_after_seconds: int

    def refuses(self, poll: int) -> bool:
        return self.first_poll <= poll < self.first_poll + self.polls


_Handler = Callable[["DbtCloudApi", "re.Match[str]", IncomingRequest, datetime], ApiResponse]


class DbtCloudApi:
    """Answers requests for one account with one token; thread-safe."""

    def __init__(
        self,
        *,
        token: str,
        account_id: int,
        jobs: Mapping[int, Job],
        scheduler: RunScheduler,
        rate_limit: RateLimit,
        clock: Callable[[], datetime],
        on_transition: Callable[[Transition], None] | None = None,
    ) -> None:
        self.token = token
        self.account_id = account_id
        self.jobs = dict(jobs)
        self.scheduler = scheduler
        self.rate_limit = rate_limit
        self.clock = clock
        self.on_transition = on_transition
        self.lock = threading.Lock()

    def handle(self, request: IncomingRequest) -> ApiResponse:
        routed = _route(request.path)
        if routed is None:
            return failure(404, NOT_FOUND_MESSAGE, f"No API route matches {request.path}.")
        match, handlers = routed
        if not self._authenticated(request.headers):
            return failure(401, INVALID_TOKEN_MESSAGE)
        if int(match["account_id"]) != self.account_id:
            return failure(403, NOT_SCOPED_MESSAGE)
        handler = handlers.get(request.method)
        if handler is None:
            return failure(
                405,
                f'Method "{request.method}" not allowed.',
                headers={"Allow": ", ".join(handlers)},
            )
        with self.lock:
            now = self.clock()
            self.scheduler.catch_up(now)
            response = handler(self, match, request, now)
            transitions = self.scheduler.take_transitions()
        self._report(transitions)
        if self.scheduler.scenario is Scenario.DRIFT:
            return drift(_OPERATIONS[handler], response)
        return response

    def tick(self) -> None:
        """Brings every run to where the clock says it is, polled or not (the background
        clock calls this)."""
        with self.lock:
            self.scheduler.catch_up(self.clock())
            transitions = self.scheduler.take_transitions()
        self._report(transitions)

    def _report(self, transitions: list[Transition]) -> None:
        if self.on_transition is not None:
            for transition in transitions:
                self.on_transition(transition)

    def _authenticated(self, headers: Mapping[str, str]) -> bool:
        scheme, _, credential = headers.get("Authorization", "").strip().partition(" ")
        return scheme.lower() in _AUTH_SCHEMES and credential.strip() == self.token

    def _trigger_job_run(
        self, match: re.Match[str], request: IncomingRequest, now: datetime
    ) -> ApiResponse:
        job = self.jobs.get(int(match["job_id"]))
        if job is None:
            return failure(404, NOT_FOUND_MESSAGE, f"Job {match['job_id']} does not exist.")
        body, problem = _read_json_object(request.raw_body)
        if problem is None:
            problem = _trigger_body_problem(body)
        if problem is not None:
            return failure(400, INVALID_REQUEST_MESSAGE, problem)
        overrides = {name: body.get(name) for name in OVERRIDE_FIELDS}
        run = self.scheduler.trigger(job, body["cause"], overrides, now)
        return success(run.to_json(now))

    def _get_run(
        self, match: re.Match[str], request: IncomingRequest, now: datetime
    ) -> ApiResponse:
        run = self.scheduler.find(int(match["run_id"]))
        if run is None:
            return _run_not_found(match["run_id"])
        run.polls += 1
        if run.scenario is Scenario.RATE_LIMIT and self.rate_limit.refuses(run.polls):
            return failure(
                429,
                RATE_LIMITED_MESSAGE,
                "Account request limit reached (5,000 requests per minute).",
                headers={"Retry-After": str(self.rate_limit.retry_after_seconds)},
            )
        self.scheduler.observe(run, now)
        related = frozenset(
            name.strip()
            for value in request.query.get("include_related", [])
            for name in value.split(",")
            if name.strip()
        )
        return success(run.to_json(now, related))

    def _list_run_artifacts(
        self, match: re.Match[str], request: IncomingRequest, now: datetime
    ) -> ApiResponse:
        steps = request.query.get("step")
        if steps and not _POSITIVE_INTEGER.fullmatch(steps[-1]):
            return failure(400, INVALID_REQUEST_MESSAGE, "step: A valid integer is required.")
        run = self.scheduler.find(int(match["run_id"]))
        if run is None:
            return _run_not_found(match["run_id"])
        artifacts = list_artifacts(run)
        if artifacts is None:
            return failure(
                404,
                NOT_FOUND_MESSAGE,
                f"Run {run.id} has not finished; its artifacts are saved when it completes.",
            )
        return success(artifacts)


def _run_not_found(run_id: str) -> ApiResponse:
    return failure(404, NOT_FOUND_MESSAGE, f"Run {run_id} does not exist.")


def _read_json_object(raw: bytes) -> tuple[dict[str, Any], str | None]:
    if not raw.strip():
        return {}, None
    try:
        body = json.loads(raw)
    except ValueError as error:
        return {}, f"JSON parse error - {error}"
    if not isinstance(body, dict):
        return {}, f"Invalid data. Expected a dictionary, but got {_json_type(body)}."
    return body, None


def _trigger_body_problem(body: dict[str, Any]) -> str | None:
    """DRF-style field messages, joined; None when the body is acceptable."""
    problems: list[str] = []
    if "cause" not in body:
        problems.append("cause: This field is required.")
    else:
        cause = body["cause"]
        if cause is None:
            problems.append("cause: This field may not be null.")
        elif not isinstance(cause, str):
            problems.append("cause: Not a valid string.")
        elif not cause.strip():
            problems.append("cause: This field may not be blank.")
        elif len(cause) > MAX_CAUSE_LENGTH:
            problems.append(
                f"cause: Ensure this field has no more than {MAX_CAUSE_LENGTH} characters."
            )
    for name, (check, message) in _OVERRIDE_CHECKS.items():
        value = body.get(name)
        if value is not None and not check(value):
            problems.append(f"{name}: {message}")
    return " ".join(problems) or None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


_OVERRIDE_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "git_sha": (_is_str, "Not a valid string."),
    "git_branch": (_is_str, "Not a valid string."),
    "schema_override": (_is_str, "Not a valid string."),
    "dbt_version_override": (_is_str, "Not a valid string."),
    "threads_override": (_is_int, "A valid integer is required."),
    "target_name_override": (_is_str, "Not a valid string."),
    "generate_docs_override": (_is_bool, "Must be a valid boolean."),
    "timeout_seconds_override": (_is_int, "A valid integer is required."),
    "steps_override": (_is_str_list, "Expected a list of strings."),
}


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "str"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return type(value).__name__
    return "null"


_ACCOUNT = r"/api/v2/accounts/(?P<account_id>[0-9]+)"
_ROUTES: tuple[tuple[re.Pattern[str], dict[str, _Handler]], ...] = (
    (
        re.compile(_ACCOUNT + r"/jobs/(?P<job_id>[0-9]+)/run/"),
        {"POST": DbtCloudApi._trigger_job_run},
    ),
    (
        re.compile(_ACCOUNT + r"/runs/(?P<run_id>[0-9]+)/"),
        {"GET": DbtCloudApi._get_run},
    ),
    (
        re.compile(_ACCOUNT + r"/runs/(?P<run_id>[0-9]+)/artifacts/"),
        {"GET": DbtCloudApi._list_run_artifacts},
    ),
)


#: The operationId each handler answers, as the OpenAPI description names it.
_OPERATIONS: dict[_Handler, str] = {
    DbtCloudApi._trigger_job_run: "triggerJobRun",
    DbtCloudApi._get_run: "getRun",
    DbtCloudApi._list_run_artifacts: "listRunArtifacts",
}


def _route(path: str) -> tuple[re.Match[str], dict[str, _Handler]] | None:
    for pattern, handlers in _ROUTES:
        match = pattern.fullmatch(path)
        if match:
            return match, handlers
    return None

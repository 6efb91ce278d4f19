"""Everything a caller can tune about one run, in one frozen object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the Temporal target is a plain value; the SDK is imported only when used
    from arazzo_engine.temporal._target import Temporal

from arazzo_engine.expressions._regex import DEFAULT_TIMEOUT as DEFAULT_REGEX_TIMEOUT

__all__ = ["DEFAULT_CHECKPOINT_INTERVAL", "DEFAULT_LOOP_DELAY", "DEFAULT_LOOP_DELAY_MAX",
           "DEFAULT_MAX_RETRY_WAIT", "DEFAULT_MAX_STEPS", "DEFAULT_REGEX_TIMEOUT",
           "DEFAULT_TIMEOUT", "RunOptions"]

DEFAULT_LOOP_DELAY = 2.0
DEFAULT_LOOP_DELAY_MAX = 30.0
#: Fits a 24-hour poll at the default waits (about 2,900 polls) with room to spare.
DEFAULT_MAX_STEPS = 5000
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRY_WAIT = 60.0
#: A tight loop of idempotent polls commits to the run store at most this often (seconds):
#: at a millisecond a poll that is one commit per ~250 polls, and a crash re-sends at most a
#: quarter of a second of GETs on resume. Any wait this long or longer is committed before
#: it starts, so a run polling an API at human speed commits every poll (docs/reliability.md).
DEFAULT_CHECKPOINT_INTERVAL = 0.25


@dataclass(frozen=True)
class RunOptions:
    """How to run a workflow.

    Attributes:
        loop_delay: seconds to wait before a ``goto`` re-runs a step that already ran (polling
            manners); each consecutive re-run of the same step waits 1.5 times longer, up to
            ``loop_delay_max``; 0 disables the wait.
        loop_delay_max: the cap on that growing wait (never below ``loop_delay``).
        expect: conditions over ``$outputs``, ``$steps``, ``$inputs`` (and ``$workflows``)
            checked when the workflow succeeds; a false one fails the run, with its values.
        max_steps: step executions allowed in one run before it fails as a probable endless loop.
        timeout: seconds one HTTP request may take.
        deadline: seconds the whole run may take (None: no limit).
        servers: source description name -> base URL replacing its OpenAPI ``servers``.
        server_variables: server variable name -> value, overriding their defaults; a name
            written ``SOURCE.NAME`` applies to that source description only.
        follow_redirects: follow 3xx responses (off: a workflow may want ``Location``).
        verify: verify TLS certificates (True), or the path of a CA bundle to trust.
        max_retry_wait: cap, in seconds, on any wait a ``retry`` asks for (Retry-After included).
        allow_remote: allow source descriptions to be fetched over HTTP(S).
        trust_env: let requests read proxy variables and netrc from the environment.
        regex_timeout: seconds one criterion may spend in regular expressions (a regex
            criterion, or JSONPath ``search()``/``match()``); past it the criterion fails.
        state: the run store: None (or False) records nothing, True the default store
            (``arazzo_engine.store.default_store_path()``), a path that SQLite file. The CLI
            records every run unless ``--no-state``; the Python API only when asked.
        checkpoint_interval: with a run store, how long (seconds) the checkpoints of
            repeatable actions (idempotent requests, steps marked ``x-arazzo-safe-to-repeat``,
            short waits) may be grouped into one commit; a non-idempotent request, a longer
            wait, the end and an interruption are always committed at once. 0 commits before
            every action. A crash (SIGKILL) may lose the grouped ones: resume sends them again.
        backend: where the run happens: ``"local"`` (this process) or a
            ``arazzo_engine.temporal.Temporal`` service (see docs/distributed.md).
    """

    loop_delay: float = DEFAULT_LOOP_DELAY
    loop_delay_max: float = DEFAULT_LOOP_DELAY_MAX
    expect: tuple[str, ...] = ()
    max_steps: int = DEFAULT_MAX_STEPS
    timeout: float | None = DEFAULT_TIMEOUT
    deadline: float | None = None
    servers: Mapping[str, str] = field(default_factory=dict)
    server_variables: Mapping[str, str] = field(default_factory=dict)
    follow_redirects: bool = False
    verify: bool | str = True
    max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT
    allow_remote: bool = False
    trust_env: bool = True
    regex_timeout: float = DEFAULT_REGEX_TIMEOUT
    state: bool | str | os.PathLike[str] | None = None
    checkpoint_interval: float = DEFAULT_CHECKPOINT_INTERVAL
    backend: Literal["local"] | Temporal = "local"

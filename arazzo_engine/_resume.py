"""``resume``: carries on a stopped run from its last checkpoint in the run store.

The run continues with the documents it started with (a changed document is refused: its hash
differs), the inputs it started with (secret inputs must be given again and match their salted
hashes) and its options (``--server`` and the like may be given again, to point elsewhere). What
the run was doing when it stopped decides the first action:

- a wait (loop delay, retry, Retry-After): the time left of it, then on;
- a request in flight, its response never recorded: ``decide_in_doubt`` says whether it is sent
  again (idempotent methods, steps marked ``x-arazzo-safe-to-repeat``, ``resend_in_doubt``) or
  the resume stops with ``InDoubtRequest``, saying what to check;
- anything else: the next action, as if nothing had happened.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any, Literal

from arazzo_engine.document import load_bundle
from arazzo_engine.errors import ArazzoError
from arazzo_engine.executor import (
    Clock,
    Machine,
    Observer,
    Program,
    RequestsTransport,
    RunEvent,
    RunOptions,
    RunResult,
    RunState,
    StopSignal,
    SystemClock,
    Transport,
    drive,
)
from arazzo_engine.executor._in_doubt import Failure, decide_in_doubt, marked_safe_to_repeat
from arazzo_engine.executor._run import document_hash
from arazzo_engine.store import FAILED, RUNNING, SUCCEEDED, RunStore, StoredRun, _vault

__all__ = ["InDoubtRequest", "ResumeRefused", "resume"]


class ResumeRefused(ArazzoError):
    """The run cannot be resumed as asked (finished, document changed, secrets missing)."""


class InDoubtRequest(ResumeRefused):
    """The run stopped with a non-idempotent request in flight; it is not sent again blindly."""

    def __init__(self, message: str, *, run_id: str, step_id: str, method: str,
                 url: str) -> None:
        super().__init__(message)
        self.run_id, self.step_id, self.method, self.url = run_id, step_id, method, url


def resume(
    run_id: str, *, inputs: Mapping[str, Any] | None = None,
    servers: Mapping[str, str] | None = None,
    server_variables: Mapping[str, str] | None = None,
    resend_in_doubt: bool = False, state: Literal[True] | str | os.PathLike[str] = True,
    observer: Observer | None = None, transport: Transport | None = None,
    clock: Clock | None = None, environ: Mapping[str, str] | None = None,
    stop: StopSignal | None = None,
) -> RunResult:
    """Resumes run ``run_id`` (or a unique prefix of it) from the store ``state``.

    Secret inputs come from ``inputs`` or the environment (``ARAZZO_INPUT_<NAME>``, the name
    upper-cased with other characters as ``_``).

    Raises:
        StoreError: no store, or no such run.
        ResumeRefused: the run is finished or running, its documents changed, a secret input
            is missing or differs, an input differs from the one it started with.
        InDoubtRequest: a POST/PATCH was in flight (see ``decide_in_doubt``).
    """
    store = RunStore(None if state is True else state)
    stored = store.get(run_id)
    if stored.status in (SUCCEEDED, FAILED):
        raise ResumeRefused(f"run {stored.id} has already {stored.status}; there is nothing "
                            "to resume")
    if stored.status == RUNNING:
        raise ResumeRefused(f"run {stored.id} is still running (process {stored.pid} on "
                            f"{stored.host})")
    program = _program(stored)
    secrets, key = _secrets(stored, dict(inputs or {}),
                            os.environ if environ is None else environ)
    try:
        restored = _vault.restore(stored.state, secrets)
        options_data = _vault.restore(stored.options, secrets)
    except KeyError:
        raise ResumeRefused(
            f"run {stored.id} used secrets obtained at run time (or a password in a --server "
            "URL) and had no secret input to protect them with, so the store did not keep "
            "them: it cannot be resumed; start it again") from None
    options = _options(options_data, servers, server_variables)
    run_state = RunState.from_dict(restored)
    machine = Machine(program, options)
    if observer is not None:  # first: the progress names the run before the wait it resumes
        observer(RunEvent("recorded", {"runId": stored.id, "store": str(store.path),
                                       "resumed": True}))
    resume_wait = _first_action(stored, run_state, machine, program, resend_in_doubt, observer)
    recorder = store.resume(stored.id, key, next_seq=len(store.steps(stored.id)),
                            secret_count=stored.secret_count,
                            checkpoint_interval=options.checkpoint_interval)
    own_transport = transport is None
    transport = transport or RequestsTransport.for_options(options)
    try:
        return drive(machine, run_state, transport, clock or SystemClock(), observer, stop,
                     recorder=recorder, resume_wait=resume_wait)
    finally:
        if own_transport:
            transport.close()


def _program(stored: StoredRun) -> Program:
    path = Path(stored.document)
    if not path.is_file():
        raise ResumeRefused(f"run {stored.id} ran {stored.document}, which is gone")
    allow_remote = bool(stored.options.get("allow_remote"))
    program = Program(load_bundle(path, allow_remote=allow_remote))
    if document_hash(program) != stored.document_hash:
        raise ResumeRefused(
            f"{stored.document} (or a source description it loads) changed since run "
            f"{stored.id} started: a run resumes only with the documents it started with. "
            "Start a new run (or put the old document back)")
    return program


def _given_secrets(stored: StoredRun, inputs: dict[str, Any],
                   environ: Mapping[str, str]) -> tuple[dict[str, str], bytes]:
    """The secret inputs given again, checked; and the key they open."""
    names = list(stored.secret_inputs.get("names") or [])
    found: dict[str, str] = {}
    missing: list[str] = []
    for name in names:
        exact = f"ARAZZO_INPUT_{name}"  # as arazzo run reads the environment: exact case first
        if name in inputs:
            found[name] = str(inputs[name])
        elif exact in environ:
            found[name] = environ[exact]
        elif _env_name(name) in environ:
            found[name] = environ[_env_name(name)]
        else:
            missing.append(name)
    if missing:
        how = " ".join(f"--input {n}=..." for n in missing)
        env = ", ".join(_env_name(n) for n in missing)
        raise ResumeRefused(
            f"run {stored.id} needs its secret input(s) {', '.join(map(repr, missing))} again "
            f"(the store keeps no secret in clear): give them with {how}, --inputs-file, or "
            f"the environment ({env})")
    key = _vault.verify(found, _vault._unb64(stored.key_salt or ""),
                        str(stored.secret_inputs.get("verifier")))
    if key is None:
        which = " or ".join(map(repr, names))
        raise ResumeRefused(f"the value given for secret input {which} is not the one run "
                            f"{stored.id} started with")
    return found, key


def _secrets(stored: StoredRun, inputs: dict[str, Any],
             environ: Mapping[str, str]) -> tuple[dict[int, str], bytes | None]:
    """The run's secret values by index, and the key that seals them, from the secret
    inputs given again."""
    names = set(stored.secret_inputs.get("names") or [])
    for name, value in inputs.items():
        if name in names:
            continue
        if name in stored.inputs and not _same(stored.inputs[name], value):
            raise ResumeRefused(
                f"input {name!r} differs from the one run {stored.id} started with; a resumed "
                "run keeps its inputs (only secret inputs are given again)")
    if not names or not stored.key_salt:
        return {}, None
    _given, key = _given_secrets(stored, inputs, environ)
    if not stored.sealed_secrets:
        return {}, key
    try:
        values = json.loads(_vault.decrypt(key, stored.sealed_secrets))
    except _vault.VaultError as exc:
        raise ResumeRefused(f"run {stored.id}: {exc}") from None
    return dict(enumerate(values)), key


def _same(stored: Any, given: Any) -> bool:
    """An input given again as text (``--input n=42``) matches what was stored (42)."""
    if json.dumps(stored, default=str) == json.dumps(given, default=str):
        return True
    return isinstance(given, str) and (given == str(stored) or given == json.dumps(stored))


def _env_name(name: str) -> str:
    return "ARAZZO_INPUT_" + "".join(c if c.isalnum() else "_" for c in name).upper()


def _options(data: Mapping[str, Any], servers: Mapping[str, str] | None,
             variables: Mapping[str, str] | None) -> RunOptions:
    known = {f.name for f in fields(RunOptions)} - {"state"}
    values = {k: v for k, v in data.items() if k in known}
    values["servers"] = {**dict(values.get("servers") or {}), **dict(servers or {})}
    values["server_variables"] = {**dict(values.get("server_variables") or {}),
                                  **dict(variables or {})}
    return RunOptions(**values)


def _first_action(stored: StoredRun, state: RunState, machine: Machine, program: Program,
                  resend: bool, observer: Observer | None) -> float | None:
    """Prepares ``state`` for what the run was doing; returns the wait left, if any."""
    action = stored.action or {}
    kind = action.get("kind")
    if kind == "wait":
        left = max(0.0, float(action.get("until", 0.0)) - time.time())
        if observer is not None:
            observer(RunEvent("waiting", {"seconds": round(left, 1), "depth": 0,
                                          "reason": f"the time left of: {action.get('reason')}"}))
        return left
    if kind == "send" and state.pending is not None:
        frame = state.frames[-1]
        step = program.steps(frame.document, frame.workflow_id)[state.pending["position"]]
        method = str(state.pending["request"]["method"])
        url = machine.masker(state).url(str(state.pending["request"]["url"]))
        failure: Failure = "interrupted" if stored.recorded_status == "interrupted" else "crashed"
        decision = decide_in_doubt(method, marked_safe=marked_safe_to_repeat(step),
                                   resend_flag=resend, failure=failure)
        step_id = str(state.pending.get("stepId"))
        if not decision.resend:
            raise InDoubtRequest(
                f"run {stored.id}: step {step_id!r} is in doubt: {method} {url} was sent (or "
                f"about to be) when {decision.reason}. Check whether the API acted on it (a "
                f"new resource, a new job run). Then `arazzo resume {stored.id} "
                f"--resend-in-doubt` sends it again, or mark the step x-arazzo-safe-to-repeat: "
                "true if sending it twice is harmless",
                run_id=stored.id, step_id=step_id, method=method, url=url)
        if observer is not None:
            observer(RunEvent("in-doubt", {"stepId": step_id, "method": method, "url": url,
                                           "reason": decision.reason, "depth": 0}))
        state.pending = None
        state.step_count = max(0, state.step_count - 1)
    return None

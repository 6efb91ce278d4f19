"""The run store: every run's checkpoint and step history in one SQLite file (stdlib sqlite3).

One row per run in ``runs`` holds its latest checkpoint: the machine's ``RunState`` with secrets
cut out (``_vault``), the action under way (the request about to be sent, written *before* it
is sent; a wait and when it ends) and a summary for ``arazzo runs list``. One row per step
execution in ``steps`` holds the history (records are masked already). A checkpoint is one
transaction: the new step rows and the run row together, never one without the other.
Checkpoints before repeatable actions (idempotent requests, short waits) are grouped: a tight
poll loop commits at most every ``RunOptions.checkpoint_interval`` seconds (``RunRecorder.record``;
docs/reliability.md says what each failure may lose).

Durability: WAL journal with ``synchronous=NORMAL``. A committed checkpoint survives the death
of the process (SIGKILL, a crash) because it is in the WAL file, which the next opener replays.
On power loss or an OS crash, the last checkpoints before the failure may be lost (SQLite
fsyncs the WAL only when it checkpoints it into the database), but the database is never
corrupted and every run comes back as it was at an earlier checkpoint. ``synchronous=FULL``
would fsync every commit: a disk flush per step, which the store is not allowed to cost.
Several processes may use one store at once: SQLite locks, and each write waits its turn.
Several threads of one process may share one ``RunStore`` (a ``Scheduler``'s workers record
the runs they drive): its connection is not bound to the thread that opened it, and a lock
lets one thread at a time into a transaction or a read.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

from arazzo_engine.errors import ArazzoError
from arazzo_engine.executor._results import StepExecution
from arazzo_engine.executor._state import RunState
from arazzo_engine.store import _vault
from arazzo_engine.store._paths import default_store_path

__all__ = ["RunRecorder", "RunStore", "StoreError", "StoredRun", "StoredSteps"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    document TEXT NOT NULL,
    document_hash TEXT NOT NULL,
    workflow_id TEXT NOT NULL,
    started REAL NOT NULL,
    updated REAL NOT NULL,
    status TEXT NOT NULL,
    last_step TEXT,
    step_count INTEGER NOT NULL DEFAULT 0,
    pid INTEGER,
    host TEXT,
    inputs TEXT NOT NULL,
    secret_inputs TEXT NOT NULL,
    key_salt TEXT,
    sealed_secrets TEXT,
    secret_count INTEGER NOT NULL DEFAULT 0,
    options TEXT NOT NULL,
    state TEXT NOT NULL,
    action TEXT,
    error TEXT
);
CREATE TABLE IF NOT EXISTS steps (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS runs_started ON runs(started);
"""

RUNNING, INTERRUPTED, SUCCEEDED, FAILED = "running", "interrupted", "succeeded", "failed"


class StoreError(ArazzoError):
    """The run store cannot be opened, or has no such run."""


@dataclass
class StoredRun:
    """One run as the store holds it; ``state`` is redacted (see ``_vault``)."""

    id: str
    document: str
    document_hash: str
    workflow_id: str
    started: float
    updated: float
    status: str
    last_step: str | None
    step_count: int
    pid: int | None
    host: str | None
    inputs: dict[str, Any]
    #: ``names`` of the secret inputs, and the ``verifier`` of their values (see ``_vault``).
    secret_inputs: dict[str, Any]
    key_salt: str | None
    sealed_secrets: str | None
    secret_count: int
    options: dict[str, Any]
    state: dict[str, Any]
    action: dict[str, Any] | None
    error: str | None = None
    #: ``status`` as recorded; ``status`` itself says ``interrupted`` for a run recorded as
    #: running whose process is gone (killed, crashed).
    recorded_status: str = ""

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "document": self.document, "workflowId": self.workflow_id,
                "started": _iso(self.started), "updated": _iso(self.updated),
                "status": self.status, "lastStep": self.last_step, "steps": self.step_count}


def _iso(stamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))


def new_run_id() -> str:
    """Sortable by start time and short enough to type: ``20261201-114939-3f9a2c``."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


class RunStore:
    """One SQLite file of runs. Open it with a path, or ``RunStore()`` for the default one."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        #: One thread at a time in the connection (a transaction spans several statements).
        self.lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None,
                                      check_same_thread=False)
            self.db.execute("PRAGMA busy_timeout = 30000")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the run store {self.path}: {exc}") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # writing ------------------------------------------------------------------------------

    def begin(self, *, document: str, document_hash: str, state: RunState,
              inputs: Mapping[str, Any], secret_inputs: Mapping[str, str],
              options: Mapping[str, Any], checkpoint_interval: float = 0.0) -> RunRecorder:
        """Records a new run (status running) and returns its writer (``RunRecorder``: it
        may defer checkpoints of repeatable actions by up to ``checkpoint_interval`` s)."""
        run_id = new_run_id()
        salt = os.urandom(16)
        key = None
        hashes: dict[str, Any] = {"names": sorted(secret_inputs)}
        if secret_inputs:
            verifier, key = _vault.derive(secret_inputs, salt)
            hashes.update(verifier=verifier, kdf=_vault.KDF)
        secrets = list(state.secrets)
        sealed = _vault.encrypt(key, json.dumps(secrets).encode()) if key else None
        now = time.time()
        with self._transaction():
            self.db.execute(
                "INSERT INTO runs (id, document, document_hash, workflow_id, started, updated, "
                "status, step_count, pid, host, inputs, secret_inputs, key_salt, options, "
                "state, sealed_secrets, secret_count) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, document, document_hash, state.workflow_id, now, now, RUNNING,
                 os.getpid(), socket.gethostname(),
                 json.dumps(_vault.redact(dict(inputs), secrets), default=str),
                 json.dumps(hashes), _vault._b64(salt),
                 json.dumps(_vault.redact(dict(options), secrets), default=str),
                 json.dumps(_vault.redact(state.to_dict(), secrets), default=str),
                 sealed, len(secrets)))
        recorder = RunRecorder(self, run_id, key, next_seq=0, interval=checkpoint_interval)
        recorder._sealed_count = len(secrets)
        return recorder

    def resume(self, run_id: str, key: bytes | None, *, next_seq: int,
               secret_count: int = -1, checkpoint_interval: float = 0.0) -> RunRecorder:
        """Claims a stopped run for this process (refused when another process has it)."""
        with self._transaction():
            row = self.db.execute("SELECT status, pid, host FROM runs WHERE id = ?",
                                  (run_id,)).fetchone()
            if row is None:
                raise StoreError(f"no run {run_id!r} in {self.path}")
            if _effective_status(*row) == RUNNING:
                raise StoreError(f"run {run_id} is running in process {row[1]} on {row[2]}")
            self.db.execute("UPDATE runs SET status = ?, pid = ?, host = ?, updated = ? "
                            "WHERE id = ?", (RUNNING, os.getpid(), socket.gethostname(),
                                             time.time(), run_id))
        recorder = RunRecorder(self, run_id, key, next_seq=next_seq,
                               interval=checkpoint_interval)
        recorder._sealed_count = secret_count
        return recorder

    def forget(self, run_id: str) -> str:
        found = self.find(run_id)
        with self._transaction():
            self.db.execute("DELETE FROM steps WHERE run_id = ?", (found,))
            self.db.execute("DELETE FROM runs WHERE id = ?", (found,))
        return found

    # reading ------------------------------------------------------------------------------

    def find(self, prefix: str) -> str:
        """The run id that is ``prefix`` or starts with it (one only)."""
        with self.lock:
            rows = self.db.execute("SELECT id FROM runs WHERE id = ? OR id LIKE ? ORDER BY id",
                                   (prefix, _like(prefix) + "%")).fetchall()
        exact = [r[0] for r in rows if r[0] == prefix]
        if exact:
            return str(exact[0])
        if not rows:
            raise StoreError(f"no run {prefix!r} in {self.path} (see: arazzo runs list)")
        if len(rows) > 1:
            ids = ", ".join(r[0] for r in rows[:5])
            raise StoreError(f"{prefix!r} matches {len(rows)} runs ({ids}...): give more of "
                             "the id")
        return str(rows[0][0])

    def get(self, run_id: str) -> StoredRun:
        found = self.find(run_id)
        with self.lock:
            row = self.db.execute(f"SELECT {_COLUMNS} FROM runs WHERE id = ?",
                                  (found,)).fetchone()
        return _stored(row)

    def runs(self, limit: int | None = None) -> list[StoredRun]:
        query = f"SELECT {_COLUMNS} FROM runs ORDER BY started DESC, id DESC"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        with self.lock:
            rows = self.db.execute(query).fetchall()
        return [_stored(row) for row in rows]

    def steps(self, run_id: str) -> StoredSteps:
        return StoredSteps(self, self.find(run_id))

    # plumbing -----------------------------------------------------------------------------

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db, self.lock)

    def _rows(self, query: str, parameters: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        """A query's rows, read a batch at a time under the lock: another thread may write
        between two batches (a run's results are read while other runs go on)."""
        with self.lock:
            cursor = self.db.execute(query, parameters)
            batch = cursor.fetchmany(_BATCH)
        while batch:
            yield from batch
            with self.lock:
                batch = cursor.fetchmany(_BATCH)


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK``): a writer waits for the lock up
    front instead of failing half-way."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock) -> None:
        self.db = db
        self.lock = lock

    def __enter__(self) -> sqlite3.Connection:
        self.lock.acquire()
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.lock.release()
            raise
        return self.db

    def __exit__(self, kind: object, *rest: object) -> None:
        try:
            self.db.execute("ROLLBACK" if kind is not None else "COMMIT")
        finally:
            self.lock.release()


#: Rows read per batch when a run's steps are streamed back.
_BATCH = 256

_COLUMNS = ("id, document, document_hash, workflow_id, started, updated, status, last_step, "
            "step_count, pid, host, inputs, secret_inputs, key_salt, sealed_secrets, "
            "secret_count, options, state, action, error")


def _stored(row: Sequence[Any]) -> StoredRun:
    (run_id, document, document_hash, workflow_id, started, updated, status, last_step,
     step_count, pid, host, inputs, secret_inputs, key_salt, sealed, secret_count, options,
     state, action, error) = row
    return StoredRun(
        id=run_id, document=document, document_hash=document_hash, workflow_id=workflow_id,
        started=started, updated=updated, status=_effective_status(status, pid, host),
        last_step=last_step, step_count=step_count, pid=pid, host=host,
        inputs=json.loads(inputs), secret_inputs=json.loads(secret_inputs), key_salt=key_salt,
        sealed_secrets=sealed, secret_count=secret_count, options=json.loads(options),
        state=json.loads(state), action=json.loads(action) if action else None, error=error,
        recorded_status=status,
    )


def _effective_status(status: str, pid: int | None, host: str | None) -> str:
    if status != RUNNING or pid is None:
        return status
    if host == socket.gethostname() and not _alive(pid):
        return INTERRUPTED
    return status


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return _not_a_zombie(pid)


def _not_a_zombie(pid: int) -> bool:
    """A killed child its parent has not reaped yet still answers ``kill(pid, 0)``."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return True


def _like(text: str) -> str:
    return text.replace("%", "").replace("_", "")


class RunRecorder:
    """Writes one run: its step executions (the history stream) and its checkpoints.

    ``checkpoint`` commits at once. ``record`` is what the drivers call before each action:
    it commits when the action needs it (a request that must not be sent twice, a wait, the
    finish: see ``record``) and otherwise defers the checkpoint, for at most ``interval``
    seconds, keeping the state it would have written by reference; ``flush`` commits a
    deferred one. A deferred checkpoint is only valid while the state object has not moved on:
    the driver flushes before it lets the machine decide an interruption.
    """

    def __init__(self, store: RunStore, run_id: str, key: bytes | None, *,
                 next_seq: int, interval: float = 0.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.id = run_id
        self.key = key
        #: Seconds a checkpoint of a repeatable action may be deferred (0: never).
        self.interval = interval
        self._seq = next_seq
        self._pending: list[StepExecution] = []
        self._sealed_count = -1
        #: Measures the interval: the process's own time, whatever clock the run waits on.
        self.clock = clock
        self._committed_at = clock()
        #: The last commit's action was one that must not be repeated (a POST sent): the
        #: next checkpoint, which records its response, is committed at once.
        self._must_commit = False
        self._deferred: tuple[RunState, ActionThunk] | None = None
        self._redactor: tuple[tuple[str, ...], _vault.Redactor] | None = None

    # the history ---------------------------------------------------------------------------

    def append(self, execution: StepExecution) -> None:
        """Queues a step execution; the next checkpoint writes it, in the same transaction."""
        self._pending.append(execution)

    def __len__(self) -> int:
        return self._seq + len(self._pending)

    def steps(self) -> StoredSteps:
        return StoredSteps(self.store, self.id)

    # checkpoints ---------------------------------------------------------------------------

    def record(self, state: RunState, action: ActionThunk, *, repeatable: bool,
               wait: float = 0.0) -> bool:
        """The checkpoint before an action: committed now, or deferred. True when committed.

        ``action`` makes the action's record (called only when it is written). ``repeatable``
        says that losing this checkpoint is harmless: the action is a request that may be
        sent twice (an idempotent method, a step marked safe to repeat) or a wait; a crash
        then only means resume sends it again. It is deferred unless ``interval`` is 0, the
        last commit recorded an action that must not be repeated (its response must be on
        record before anything else happens), or ``interval`` has passed since the last
        commit (counting ``wait``, the seconds of a wait about to start: a run that sleeps is
        on record as sleeping).
        """
        if (not repeatable or self._must_commit or self.interval <= 0
                or self.clock() - self._committed_at + wait >= self.interval):
            self.checkpoint(state, action())
            self._must_commit = not repeatable
            return True
        self._deferred = (state, action)
        return False

    @property
    def deferred(self) -> bool:
        """A checkpoint waits to be written (``flush``)."""
        return self._deferred is not None

    def flush(self) -> None:
        """Commits the deferred checkpoint, if any: the state as it is now, with the action
        recorded when it was deferred. Call it only while the state is still the one the
        deferred action was decided from."""
        if self._deferred is not None:
            state, action = self._deferred
            self.checkpoint(state, action())

    def discard(self) -> None:
        """Forgets the deferred checkpoint and the step executions queued since the last
        commit: the state they belong to is gone (the machine was stopped half-way through a
        decision), so the last commit stands, as after a crash."""
        self._deferred = None
        self._pending.clear()

    def checkpoint(self, state: RunState, action: Mapping[str, Any] | None) -> None:
        """One transaction: queued steps, the redacted state and the action under way."""
        secrets = state.secrets
        rows = self._rows()
        last = self._pending[-1].step_id if self._pending else None
        status = RUNNING
        if state.finished:
            status = SUCCEEDED if state.outcome == SUCCEEDED else FAILED
        sealed = None
        if len(secrets) != self._sealed_count and self.key is not None:
            sealed = _vault.encrypt(self.key, _dumps(secrets).encode())
        text = _dumps(self._redact(state.to_dict(), secrets))
        db = self.store.db
        with self.store._transaction():
            if rows:
                db.executemany("INSERT INTO steps (run_id, seq, data) VALUES (?, ?, ?)", rows)
            db.execute(
                "UPDATE runs SET updated = ?, status = ?, state = ?, action = ?, "
                "step_count = step_count + ?, last_step = COALESCE(?, last_step), "
                "error = ?, secret_count = ?, "
                "sealed_secrets = COALESCE(?, sealed_secrets) WHERE id = ?",
                (time.time(), status, text, _dumps(action) if action else None, len(rows),
                 last, state.error, len(secrets), sealed, self.id))
        self._seq += len(rows)
        self._pending.clear()
        self._deferred = None
        self._committed_at = self.clock()
        self._must_commit = False
        if sealed is not None or self.key is None:
            self._sealed_count = len(secrets)

    def interrupted(self, state: RunState) -> None:
        """The process is stopping (Ctrl-C, SIGTERM) with the run unfinished: the last
        checkpoint stands, marked interrupted; steps finished since are written too.
        A deferred checkpoint must be flushed (or discarded) first: ``state`` here may be the
        machine's interrupted ending, which is not written."""
        rows = self._rows()
        with self.store._transaction():
            if rows:
                self.store.db.executemany(
                    "INSERT INTO steps (run_id, seq, data) VALUES (?, ?, ?)", rows)
            self.store.db.execute(
                "UPDATE runs SET status = ?, updated = ?, step_count = step_count + ? "
                "WHERE id = ?", (INTERRUPTED, time.time(), len(rows), self.id))
        self._seq += len(rows)
        self._pending.clear()
        self._deferred = None

    def _rows(self) -> list[tuple[str, int, str]]:
        seq, run_id = self._seq, self.id
        return [(run_id, seq + i, _dumps(e.to_dict())) for i, e in enumerate(self._pending)]

    def _redact(self, value: Any, secrets: list[str]) -> Any:
        """``_vault.redact`` with the run's compiled pattern kept while its secrets stay."""
        if not secrets:
            return value
        key = tuple(secrets)
        if self._redactor is None or self._redactor[0] != key:
            self._redactor = (key, _vault.redactor(secrets))
        return self._redactor[1].redact(value)


#: Makes the record of the action under way (``executor.action_record``), when it is written.
ActionThunk = Callable[[], Mapping[str, Any] | None]

#: One encoder for every record: ``json.dumps(..., default=str)`` builds a new one per call.
_dumps = json.JSONEncoder(default=str).encode


_STEPS = "SELECT data FROM steps WHERE run_id = ? ORDER BY seq"


class StoredSteps(Sequence[StepExecution]):
    """A run's step executions read back from the store, in order, without loading them all."""

    def __init__(self, store: RunStore, run_id: str) -> None:
        self.store = store
        self.run_id = run_id

    def __len__(self) -> int:
        with self.store.lock:
            row = self.store.db.execute("SELECT COUNT(*) FROM steps WHERE run_id = ?",
                                        (self.run_id,)).fetchone()
        return int(row[0])

    @overload
    def __getitem__(self, index: int) -> StepExecution: ...

    @overload
    def __getitem__(self, index: slice) -> list[StepExecution]: ...

    def __getitem__(self, index: int | slice) -> StepExecution | list[StepExecution]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        size = len(self)
        position = index + size if index < 0 else index
        if not 0 <= position < size:
            raise IndexError(index)
        with self.store.lock:
            row = self.store.db.execute(
                "SELECT data FROM steps WHERE run_id = ? ORDER BY seq LIMIT 1 OFFSET ?",
                (self.run_id, position)).fetchone()
        return StepExecution.from_dict(json.loads(row[0]))

    def __iter__(self) -> Iterator[StepExecution]:
        for (data,) in self.store._rows(_STEPS, (self.run_id,)):
            yield StepExecution.from_dict(json.loads(data))

    def json_texts(self) -> Iterator[str]:
        """Each step execution as the JSON text it is stored as: exactly
        ``json.dumps(step.to_dict(), default=str)`` of what iterating gives (records round-trip),
        without decoding it into objects and encoding it again for a caller that only writes
        it out (the CLI's JSON result)."""
        for (data,) in self.store._rows(_STEPS, (self.run_id,)):
            yield str(data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<steps of run {self.run_id}>"

"""The run store: runs checkpointed in SQLite so that a killed run resumes where it stopped.

``RunStore(path)`` opens (or creates) a store; ``default_store_path()`` is where the CLI keeps
it. The executor writes through a ``RunRecorder`` (one per run: its checkpoints and its step
history); ``arazzo runs`` and ``arazzo resume`` read ``StoredRun`` rows. Secrets never reach the
file in clear (``_vault``).
"""

from arazzo_engine.store._paths import default_store_path
from arazzo_engine.store._store import (
    FAILED,
    INTERRUPTED,
    RUNNING,
    SUCCEEDED,
    RunRecorder,
    RunStore,
    StoredRun,
    StoredSteps,
    StoreError,
)

__all__ = [
    "FAILED",
    "INTERRUPTED",
    "RUNNING",
    "SUCCEEDED",
    "RunRecorder",
    "RunStore",
    "StoreError",
    "StoredRun",
    "StoredSteps",
    "default_store_path",
]

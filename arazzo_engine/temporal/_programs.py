"""Programs shared by the runs a worker hosts, keyed by the content of their documents.

A worker may host a thousand runs of one document; each would otherwise parse and index the
same OpenAPI description. A ``Program`` only answers questions about immutable documents (its
caches fill with the same answers whoever asks first), so runs of identical documents share one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from arazzo_engine.executor import Program
from arazzo_engine.temporal._snapshot import bundle_from_snapshot, snapshot_digest

__all__ = ["program_for"]

#: Distinct document sets a worker keeps indexed; the least recently used is dropped first.
MAX_PROGRAMS = 64

_lock = threading.Lock()
_programs: OrderedDict[str, Program] = OrderedDict()


def program_for(snapshot: Mapping[str, Any]) -> Program:
    digest = snapshot_digest(snapshot)
    with _lock:
        program = _programs.get(digest)
        if program is not None:
            _programs.move_to_end(digest)
            return program
    program = Program(bundle_from_snapshot(snapshot))
    with _lock:
        program = _programs.setdefault(digest, program)
        while len(_programs) > MAX_PROGRAMS:
            _programs.popitem(last=False)
    return program

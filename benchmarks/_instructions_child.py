"""The client of the instructions benchmark: ``KIND BASE_URL POLLS``, run under callgrind.

``engine`` runs the reference workflow through the Python API (``--loop-delay 0``); the others
are the hand-written loops of ``_loops.py``. Only standard output is checked, not timed.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _loops


def main(kind: str, base_url: str, polls: int) -> int:
    if kind == "engine":
        import arazzo_engine
        from benchmarks._paths import DBT_WORKFLOW

        document = arazzo_engine.load(DBT_WORKFLOW)
        options = arazzo_engine.RunOptions(servers={"dbtAdminApi": base_url}, loop_delay=0,
                                           max_steps=polls + 10)
        result = document.run(inputs={"accountId": _loops.ACCOUNT_ID, "jobId": polls,
                                      "token": _loops.TOKEN}, options=options)
        return 0 if result.succeeded and len(result.steps) == polls + 2 else 1
    return 0 if _loops.LOOPS[kind](base_url, polls) == polls else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))

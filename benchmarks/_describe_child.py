"""One measurement of the big-descriptions benchmark, in a fresh process of its own.

    python -m benchmarks._describe_child validate ROOT ARAZZO
    python -m benchmarks._describe_child yaml|cyaml FILE...

Prints one JSON object: the seconds the work took inside the process (imports excluded, so the
figure is the work alone) and, for ``validate``, the number of diagnostics. The parent reads
the process's peak RSS, so each size gets a clean heap.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def _validate(root: str, arazzo: str) -> dict[str, object]:
    import arazzo_engine

    started = time.perf_counter()
    report = arazzo_engine.load(arazzo, root=root).validate()
    seconds = time.perf_counter() - started
    diagnostics = list(report.diagnostics)
    errors = [d for d in diagnostics if getattr(d, "severity", "error") == "error"]
    return {"seconds": seconds, "diagnostics": len(diagnostics), "errors": len(errors),
            "first": str(errors[0]) if errors else None}


def _yaml(paths: list[str], *, c_loader: bool) -> dict[str, object]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader) if c_loader else yaml.SafeLoader
    started = time.perf_counter()
    for path in paths:
        yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)
    return {"seconds": time.perf_counter() - started, "c_loader": loader is not yaml.SafeLoader}


def main(argv: list[str]) -> int:
    mode, *rest = argv
    if mode == "validate":
        found = _validate(rest[0], rest[1])
    elif mode in ("yaml", "cyaml"):
        found = _yaml(rest, c_loader=mode == "cyaml")
    else:
        print(f"unknown mode {mode!r}", file=sys.stderr)
        return 2
    print(json.dumps(found))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""``--dry-run``: print what a run would send, built as the run builds it, and send nothing.

Exit 0 when the first request can be built, 1 when the run would fail before sending anything
(the reason is on stderr), as the run itself would.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any

from arazzo_engine._api import ArazzoDocument
from arazzo_engine.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from arazzo_engine.cli._exchange import body_lines
from arazzo_engine.cli._input_sources import HOW_TO_GIVE
from arazzo_engine.errors import ArazzoError, InputError
from arazzo_engine.executor import DryRun, PlannedStep, RunOptions

__all__ = ["dry_run_command", "dry_run_lines"]


def dry_run_command(document: ArazzoDocument, workflow_id: str | None,
                    inputs: Mapping[str, Any], options: RunOptions, output: str,
                    command: str = "run") -> int:
    try:
        plan = document.dry_run(workflow_id, inputs, options=options, validate=False)
    except InputError as exc:
        print(f"arazzo {command}: {exc} ({HOW_TO_GIVE})", file=sys.stderr)
        return EXIT_USAGE
    except ArazzoError as exc:
        print(f"arazzo {command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if output == "json":
        sys.stdout.write(json.dumps(plan.to_dict(), indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(dry_run_lines(plan)) + "\n")
    sys.stdout.flush()
    if not plan.ok:
        print(f"arazzo {command}: dry run: the run would fail before sending anything: "
              f"{plan.error}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def dry_run_lines(plan: DryRun) -> list[str]:
    lines = [f"dry run of workflow {plan.workflow_id}: nothing is sent", ""]
    for number, step in enumerate(plan.steps, 1):
        lines += _step_lines(number, step)
        lines.append("")
    complete = sum(s.complete and s.request is not None for s in plan.steps)
    lines.append(f"{complete} of {len(plan.steps)} step(s) fully known before the run; "
                 "{$...} marks what only the run can know")
    return lines


def _step_lines(number: int, step: PlannedStep) -> list[str]:
    pad = "   " + "  " * step.depth
    where = f" (workflow {step.workflow_id})" if step.depth else ""
    if step.error:
        state = "cannot be built"
    elif step.first:
        state = "the first request, exactly as the run would send it"
    elif step.kind == "workflow":
        state = f"runs workflow {step.child_workflow_id}"
    elif step.complete:
        state = "known in full"
    else:
        state = "needs " + ", ".join(step.unknown)
    lines = [f"{'  ' * step.depth}{number}. {step.step_id}{where}: {state}"]
    if step.error:
        lines.append(f"{pad}{step.error}")
    request = step.request
    if request is None:
        if step.kind == "workflow" and step.unknown:
            lines.append(f"{pad}its inputs need {', '.join(step.unknown)}")
        return lines
    lines.append(f"{pad}{request.method} {request.url}")
    lines += [f"{pad}{name}: {value}" for name, value in request.headers.items()]
    if request.body is not None:
        lines.append(pad.rstrip())
        lines += [f"{pad}{line}" for line in body_lines(request.body, limit=None)]
    return lines


"""``arazzo test``: run workflows and check every HTTP exchange against its OpenAPI operation.

Exit codes: 0 no error-level check failed and every workflow succeeded, 1 otherwise, 2 the
input is unusable (a document that does not load or validate, bad options or inputs).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import Any

from arazzo_engine.cli import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED, EXIT_USAGE
from arazzo_engine.cli._input_sources import from_environment
from arazzo_engine.cli.run import (
    StopSignal,
    TextReporter,
    _options,
    _validation_errors,
    add_run_options,
    given_inputs,
    stop_on_signals,
)

_NAME = "arazzo test"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "test", help="run workflows and check every exchange against the OpenAPI description",
        description="Run the workflows of Arazzo documents (all of each, unless --workflow) "
                    "and check every HTTP exchange with openapi-core against its operation: "
                    "success-criteria, status-code, content-type, response-body, "
                    "response-headers (errors by default), request-parameters and "
                    "request-body (warnings). Exit 0 passed, 1 failed, 2 unusable input.",
        epilog="A step changes its own severities with the extension "
               "x-arazzo-checks: {request-body: off, status-code: warn}.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="Arazzo documents")
    parser.add_argument("--workflow", metavar="ID", action="append", default=[],
                        help="test only this workflowId (repeatable; default: every workflow)")
    parser.add_argument("--severity", metavar="CHECK=LEVEL", action="append", default=[],
                        help="error, warn or off for one check (repeatable)")
    parser.add_argument("--json", metavar="FILE", help="write the JSON report to FILE")
    parser.add_argument("--no-mask", action="store_true",
                        help="show secret values in the check table and the reports (for "
                             "debugging on a machine of your own; step records stay masked)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress lines: the verdicts, failing checks and summary only")
    add_run_options(parser)
    parser.add_argument("--dry-run", action="store_true",
                        help="validate, build each workflow's first request completely and the "
                             "later ones as far as the inputs allow, print them (secrets "
                             "masked) and send nothing")


def main(args: argparse.Namespace) -> int:
    from arazzo_engine._api import load
    from arazzo_engine.cli._args import source_root
    from arazzo_engine.cli._output import PipeSafe
    from arazzo_engine.errors import ArazzoError, DocumentError
    from arazzo_engine.testing import Severities, TestReport, test_workflows, write_report
    from arazzo_engine.testing._terminal import summary_line, workflow_block

    try:
        severities = Severities.parse(args.severity)
        given = given_inputs(args)
        options = _options(args)
        root = source_root(args, "test")
    except ValueError as exc:
        return _usage(str(exc))
    documents = []
    for path in args.paths:
        try:
            document = load(path, root=root, allow_remote=options.allow_remote)
        except DocumentError as exc:
            return _usage(str(exc))
        if not args.no_validate:
            problem = _validation_errors(document)
            if problem:
                return _usage(f"{path}: {problem}")
        documents.append(document)
    try:
        plans = [_plan(document, args, given) for document in documents]
    except (ArazzoError, ValueError) as exc:
        return _usage(str(exc))
    if args.dry_run:
        return _dry_runs(documents, plans, options)
    out = PipeSafe(sys.stdout)
    observer = None if args.quiet else TextReporter(out)
    report = TestReport()
    with StopSignal() as stop, stop_on_signals(stop):
        for document, (workflow_ids, inputs) in zip(documents, plans, strict=True):
            part = test_workflows(document, workflow_ids, inputs.__getitem__, options,
                                  severities=severities, observer=observer,
                                  mask=not args.no_mask, stop=stop,
                                  on_workflow=lambda workflow: workflow_block(workflow, out))
            report.workflows.extend(part.workflows)
            if stop.signal_number is not None:
                break
    for problem in write_report(report.workflows, har=args.har, junit=args.junit,
                                json=args.json):
        print(f"{_NAME}: {problem}", file=sys.stderr)
    out.write("\n" + summary_line(report) + "\n")
    out.flush()
    if stop.signal_number is not None:
        print(f"{_NAME}: interrupted; the reports hold what ran", file=sys.stderr)
        return EXIT_TERMINATED if stop.signal_number == signal.SIGTERM else EXIT_INTERRUPTED
    return EXIT_OK if report.passed else EXIT_FAILED


def _dry_runs(documents: list[Any], plans: list[tuple[list[str], dict[str, dict[str, Any]]]],
              options: Any) -> int:
    """``--dry-run``: each workflow's requests as its test would send them; nothing is sent."""
    from arazzo_engine.cli._dry_run import dry_run_command

    code = EXIT_OK
    for document, (workflow_ids, inputs) in zip(documents, plans, strict=True):
        for workflow_id in workflow_ids:
            print(f"{document.bundle.entry.uri}:", flush=True)
            code = max(code, dry_run_command(document, workflow_id, inputs[workflow_id],
                                             options, "text", command="test"))
            print(flush=True)
    return code


def _plan(document: Any, args: argparse.Namespace,
          given: Any) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Which workflows of ``document`` run, and each one's inputs: a name is given to the
    workflows that declare it, and refused only when none of them does."""
    from arazzo_engine.errors import BrokerRequired, InputError

    chosen = list(dict.fromkeys(args.workflow)) or document.workflow_ids
    known = set(document.workflow_ids)
    if args.workflow:
        chosen = [w for w in chosen if w in known]
        if not chosen:
            listed = ", ".join(document.workflow_ids) or "none"
            raise InputError(f"{document.path}: no workflow {', '.join(args.workflow)} "
                             f"(the document has: {listed})")
    from arazzo_engine.testing import step_extension_problems

    program = document.program
    refusals = [r for r in (program.broker_required(program.entry_key, w) for w in chosen) if r]
    if refusals:  # as `arazzo run` refuses them: exit 2 before any request
        others = [w for w in document.workflow_ids
                  if program.broker_required(program.entry_key, w) is None]
        hint = (f" Test the others with {' '.join(f'--workflow {w}' for w in others)}."
                if others and not args.workflow else "")
        raise BrokerRequired(" ".join(str(r) for r in refusals) + hint)
    for workflow_id in chosen:
        for step in program.steps(program.entry_key, workflow_id):
            problems = step_extension_problems(step)
            if problems:
                raise ValueError(f"{document.bundle.entry.uri}: step {step.get('stepId')!r} of "
                                 f"{workflow_id!r}: {'; '.join(problems)}")
    schemas = {w: document.inputs_schema(w) for w in chosen}
    names = [*given.from_file, *given.texts]
    unclaimed = [n for n in dict.fromkeys(names)
                 if all(s.undeclared([n]) for s in schemas.values())]
    if unclaimed:
        problems = next(iter(schemas.values())).undeclared(unclaimed) if schemas else []
        raise InputError("; ".join(problems) or f"undeclared inputs: {', '.join(unclaimed)}")
    inputs: dict[str, dict[str, Any]] = {}
    for workflow_id, schema in schemas.items():
        # ARAZZO_INPUT_<NAME> first, as arazzo run reads it: the file and --input win over it
        own = {name: schema.value_from_text(name, text) for name, (text, _) in
               from_environment(document.workflow(workflow_id).inputs, os.environ).items()}
        own.update({n: v for n, v in given.from_file.items() if not schema.undeclared([n])})
        for name, text in given.texts.items():
            if not schema.undeclared([name]):
                own[name] = schema.value_from_text(name, text)
        schema.prepare(own)  # inputs its schema refuses are unusable input: exit 2, not a run
        inputs[workflow_id] = own
    return chosen, inputs


def _usage(message: str) -> int:
    print(f"{_NAME}: {message}", file=sys.stderr)
    return EXIT_USAGE

"""``arazzo run``: run one workflow against the real APIs and report how it went.

Exit codes: 0 the workflow succeeded (ending through an ``end`` action counts), 1 it failed,
2 the document is invalid or the command line is wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arazzo_engine._api import ArazzoDocument, load
from arazzo_engine._durations import duration_text, seconds_text
from arazzo_engine.cli import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
)
from arazzo_engine.cli import _temporal as temporal_options
from arazzo_engine.cli._args import (
    add_source_options,
    non_negative_number,
    positive_int,
    positive_number,
    source_root,
)
from arazzo_engine.cli._dry_run import dry_run_command
from arazzo_engine.cli._input_sources import (
    HOW_TO_GIVE,
    Prompter,
    from_environment,
    missing_required,
)
from arazzo_engine.cli._output import PipeSafe, Writer
from arazzo_engine.cli._progress import add_progress_options, progress_for, step_order
from arazzo_engine.cli._result_json import write_result
from arazzo_engine.cli._state import RunWatcher, add_state_options, state_choice
from arazzo_engine.document import load_file
from arazzo_engine.errors import ArazzoError, DocumentError, ExecutionError, InputError
from arazzo_engine.executor import (
    DEFAULT_LOOP_DELAY,
    DEFAULT_LOOP_DELAY_MAX,
    DEFAULT_MAX_RETRY_WAIT,
    DEFAULT_MAX_STEPS,
    DEFAULT_REGEX_TIMEOUT,
    DEFAULT_TIMEOUT,
    InputsSchema,
    RunEvent,
    RunOptions,
    RunResult,
    StepExecution,
    StopSignal,
    stop_on_signals,
)
from arazzo_engine.store import StoreError
from arazzo_engine.temporal import TemporalError


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "run", help="run a workflow",
        description="Run one workflow of an Arazzo document against its APIs.",
        epilog=(f"Polling manners: a goto that re-runs a step that already ran waits "
                f"--loop-delay seconds first (default {DEFAULT_LOOP_DELAY:g}; 0 disables it), "
                f"1.5 times longer at each consecutive re-run, up to --loop-delay-max (default "
                f"{DEFAULT_LOOP_DELAY_MAX:g}). A run stops and fails after --max-steps step "
                f"executions (default {DEFAULT_MAX_STEPS}: a 24-hour poll fits). Redirects are "
                "not followed unless --follow-redirects. Ctrl-C or SIGTERM stop the run at "
                "once; it reports every step so far with outcome 'interrupted' and exits 130 "
                "(SIGINT) or 143 (SIGTERM). Exit codes: 0 succeeded, 1 failed (an --expect "
                "included), 2 bad usage or an invalid document, 3 internal error."),
    )
    parser.add_argument("path", metavar="PATH", help="the Arazzo document")
    parser.add_argument("--workflow", metavar="ID",
                        help="the workflowId to run (optional when there is only one)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text: progress for people; json: one JSON object on stdout")
    add_run_options(parser)
    add_progress_options(parser)
    parser.add_argument("--dry-run", action="store_true",
                        help="validate, build the first request completely and the later ones "
                             "as far as the inputs allow, print them (secrets masked) and send "
                             "nothing")
    parser.add_argument("--trace", metavar="FILE",
                        help="write every step execution (requests masked) as JSON to FILE")
    temporal_options.add_run_options(parser)


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options of a run, shared by ``arazzo run`` and ``arazzo test``."""
    parser.add_argument("--input", metavar="NAME=VALUE", action="append", default=[],
                        help="a workflow input; VALUE is read as the inputs schema says (a string "
                             "input takes the text as it is; otherwise JSON when it parses and "
                             "fits, else the text)")
    parser.add_argument("--inputs-file", metavar="FILE",
                        help="a JSON or YAML object of inputs (--input wins); names the "
                             "workflow does not declare are refused")
    parser.add_argument("--server", metavar="SOURCE=URL", action="append", default=[],
                        help="replace the base URL of a source description's API")
    parser.add_argument("--server-variable", metavar="[SOURCE.]NAME=VALUE", action="append",
                        default=[], help="set an OpenAPI server variable, for every source or "
                                         "for one (SOURCE.NAME)")
    parser.add_argument("--loop-delay", metavar="SECONDS", type=non_negative_number,
                        default=DEFAULT_LOOP_DELAY,
                        help="the first wait before a goto re-runs a step (default "
                             f"{DEFAULT_LOOP_DELAY:g}; 0: no waiting); it grows x1.5 per "
                             "consecutive re-run")
    parser.add_argument("--loop-delay-max", metavar="SECONDS", type=non_negative_number,
                        default=DEFAULT_LOOP_DELAY_MAX,
                        help="the cap on that growing wait (default "
                             f"{DEFAULT_LOOP_DELAY_MAX:g}; never below --loop-delay)")
    parser.add_argument("--expect", metavar="EXPRESSION", action="append", default=[],
                        help="a condition that must hold when the workflow ends, over "
                             "$outputs, $steps and $inputs (repeatable), e.g. "
                             "'$outputs.finalStatus == 10'; a false one fails the run (exit 1)")
    parser.add_argument("--max-steps", metavar="N", type=positive_int,
                        default=DEFAULT_MAX_STEPS,
                        help=f"fail after N step executions (default {DEFAULT_MAX_STEPS})")
    parser.add_argument("--timeout", metavar="SECONDS", type=positive_number,
                        default=DEFAULT_TIMEOUT,
                        help="seconds one HTTP exchange may take in all: connect, headers "
                             f"and body (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--deadline", metavar="SECONDS", type=positive_number,
                        help="fail the run when it takes longer than this, whatever the "
                             "servers do")
    parser.add_argument("--regex-timeout", metavar="SECONDS", type=positive_number,
                        default=DEFAULT_REGEX_TIMEOUT,
                        help="seconds one criterion may spend in regular expressions "
                             f"(default {DEFAULT_REGEX_TIMEOUT:g}); past it the criterion fails")
    parser.add_argument("--max-retry-wait", metavar="SECONDS", type=non_negative_number,
                        default=DEFAULT_MAX_RETRY_WAIT,
                        help="cap on any retry wait, Retry-After included "
                             f"(default {DEFAULT_MAX_RETRY_WAIT:g})")
    parser.add_argument("--follow-redirects", action="store_true",
                        help="follow 3xx responses (off by default)")
    parser.add_argument("--ca-bundle", metavar="FILE",
                        help="trust the CA certificates in FILE for TLS")
    add_source_options(parser)
    parser.add_argument("--no-validate", action="store_true",
                        help="run without validating the document first")
    parser.add_argument("--har", metavar="FILE",
                        help="write every HTTP exchange as HAR 1.2 to FILE (secrets masked)")
    parser.add_argument("--junit", metavar="FILE",
                        help="write a JUnit XML report to FILE (a test case per workflow)")
    add_state_options(parser)


def main(args: argparse.Namespace) -> int:
    try:
        given = given_inputs(args)
        options = _options(args)
        root = source_root(args, "run")
        problem = temporal_options.check_run_options(args)
        if problem:
            raise ValueError(problem)
        if args.temporal:
            temporal_options.target_of(args)
    except ValueError as exc:
        return _usage(str(exc))
    try:
        document = load(args.path, root=root, allow_remote=options.allow_remote)
    except DocumentError as exc:
        return _usage(str(exc))
    if not args.no_validate:
        problem = _validation_errors(document)
        if problem:
            return _usage(problem)
    try:
        given.add_environment_and_prompts(document, args.workflow, os.environ,
                                          Prompter.for_terminal())
        inputs = given.read(document.inputs_schema(args.workflow))
    except ArazzoError as exc:
        return _usage(str(exc))
    if args.dry_run:
        return dry_run_command(document, args.workflow, inputs, options, args.format)
    out = PipeSafe(sys.stdout)
    reporter = progress_for(args, sys.stdout, out, lambda: TextReporter(out),
                            step_order(document))
    watcher = RunWatcher(reporter, out)
    try:
        if args.temporal:  # Ctrl-C stops following; the run goes on there
            with StopSignal() as stop:
                ran = temporal_options.run_on_temporal(args, document, inputs, options,
                                                       reporter)
            if isinstance(ran, str):  # --detach: the run id, at once
                out.write(json.dumps({"runId": ran}) + "\n" if args.format == "json"
                          else ran + "\n")
                return EXIT_OK
            result = ran
        else:
            with StopSignal() as stop, stop_on_signals(stop):
                if args.har or args.junit:
                    result = _recorded_run(args, document, inputs, options, watcher, stop)
                else:
                    result = document.run(args.workflow, inputs, options=options,
                                          observer=watcher, validate=False, stop=stop)
    except InputError as exc:
        return _usage(f"{exc} ({HOW_TO_GIVE})")
    except (ExecutionError, DocumentError, StoreError, TemporalError) as exc:
        return _usage(str(exc))
    finally:
        if reporter is not None:
            reporter.close()
    return report_result(args, result, out, "arazzo run", stop, watcher)


def report_result(args: argparse.Namespace, result: RunResult, out: PipeSafe,
                  command: str, stop: StopSignal, watcher: RunWatcher) -> int:
    """The trace, the result on stdout and the failure on stderr; the exit code. The JSON is
    written step by step from the run's history, never built whole in memory."""
    if args.trace:
        try:
            with Path(args.trace).open("w") as trace:
                write_result(result, trace, indent=2, extra={"document": args.path})
        except OSError as exc:
            print(f"{command}: cannot write the trace: {exc}", file=sys.stderr)
    if args.format == "json":
        write_result(result, out)
    else:
        _print_summary(result, out, after_progress=not getattr(args, "quiet", False))
    out.flush()  # now, while a closed pipe can still be caught, not at interpreter exit
    if result.interrupted:
        done = sum(s.outcome != "interrupted" for s in result.steps)
        hint = watcher.resume_command()
        more = f". The run is saved; continue it with: {hint}" if hint else ""
        print(f"{command}: {result.error}; {done} step execution(s) recorded above{more}",
              file=sys.stderr)
        return EXIT_TERMINATED if stop.signal_number == signal.SIGTERM else EXIT_INTERRUPTED
    if not result.succeeded:
        print(f"{command}: workflow {result.workflow_id!r} failed: {result.error}",
              file=sys.stderr)
    return EXIT_OK if result.succeeded else EXIT_FAILED


def _recorded_run(args: argparse.Namespace, document: ArazzoDocument,
                  inputs: Mapping[str, Any], options: RunOptions, observer: Any,
                  stop: Any = None) -> RunResult:
    """The run with its exchanges recorded, for ``--har`` and ``--junit`` (masked)."""
    import time

    from arazzo_engine.testing import WorkflowReport, record_run, write_report

    started = time.monotonic()
    result, exchanges = record_run(document, args.workflow, inputs, options, observer=observer,
                                   stop=stop)
    workflow = WorkflowReport(
        result.workflow_id, document.bundle.entry.uri, result.outcome,
        error=result.masker.text(result.error) if result.error else None,
        duration=time.monotonic() - started, exchanges=exchanges, masker=result.masker,
        result=result)
    for problem in write_report([workflow], har=args.har, junit=args.junit):
        print(f"arazzo run: {problem}", file=sys.stderr)
    return result


# command line values ----------------------------------------------------------------------

def pair(text: str, what: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise ValueError(f"{what} must look like NAME=VALUE, got {text!r}")
    return name, value


def parse_input_value(text: str) -> Any:
    """JSON when it parses (``42`` -> 42, ``true`` -> True, ``{"a":1}`` -> dict), else the text.

    Without a schema to consult; ``InputsSchema.value_from_text`` reads a value with one."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("the JSON value nests too deeply") from None
    except ValueError:
        return text


@dataclass
class GivenInputs:
    """Inputs as the command line gave them: a file's values, and ``--input`` texts."""

    file: str | None = None
    from_file: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    #: Texts from ``ARAZZO_INPUT_<NAME>`` variables and from prompts (cli/_input_sources.py).
    from_environment: dict[str, str] = field(default_factory=dict)
    prompted: dict[str, str] = field(default_factory=dict)

    def add_environment_and_prompts(self, document: ArazzoDocument, workflow_id: str | None,
                                    environ: Mapping[str, str],
                                    prompter: Prompter | None) -> None:
        """The inputs the command line leaves out: from the environment, then (on a
        terminal) asked for when required and without a default."""
        declared = document.workflow(workflow_id)
        given = set(self.texts) | set(self.from_file)
        found = from_environment(declared.inputs, environ)
        self.from_environment = {name: text for name, (text, _) in found.items()
                                 if name not in given}
        missing = missing_required(declared.inputs, given | set(self.from_environment))
        if prompter is not None and missing:
            self.prompted = prompter.ask(missing, declared.workflow_id)

    def read(self, schema: InputsSchema) -> dict[str, Any]:
        """The inputs, each ``--input`` text read with the schema in mind; raises
        ``InputError`` for undeclared names (with a did-you-mean) and unusable values."""
        problems = [f"--inputs-file {self.file}: {p}"
                    for p in schema.undeclared([n for n in self.from_file if n not in self.texts])]
        problems += [f"--input {name}: {p}" for name in self.texts
                     for p in schema.undeclared([name])]
        if problems:
            raise InputError("; ".join(problems))
        inputs = {name: schema.value_from_text(name, text)
                  for name, text in self.from_environment.items()}
        inputs.update(self.from_file)
        for texts in (self.texts, self.prompted):
            for name, text in texts.items():
                inputs[name] = schema.value_from_text(name, text)
        return inputs


def given_inputs(args: argparse.Namespace) -> GivenInputs:
    given = GivenInputs(file=args.inputs_file)
    if args.inputs_file:
        try:  # the document loader's budgets: no alias bombs, no deep nesting, no tags
            loaded = load_file(args.inputs_file).data
        except DocumentError as exc:
            raise ValueError(f"--inputs-file: {exc}") from None
        if not isinstance(loaded, Mapping):
            raise ValueError(f"--inputs-file {args.inputs_file}: must hold an object of inputs "
                             "(name: value)")
        given.from_file = dict(loaded)
    for text in args.input:
        name, value = pair(text, "--input")
        given.texts[name] = value
    return given


def _options(args: argparse.Namespace) -> RunOptions:
    servers = dict(pair(t, "--server") for t in args.server)
    variables = dict(pair(t, "--server-variable") for t in args.server_variable)
    verify: bool | str = True
    if args.ca_bundle:
        if not Path(args.ca_bundle).is_file():
            raise ValueError(f"--ca-bundle: no such file {args.ca_bundle!r}")
        verify = args.ca_bundle
    return RunOptions(
        loop_delay=args.loop_delay, loop_delay_max=args.loop_delay_max,
        expect=tuple(args.expect), max_steps=args.max_steps, timeout=args.timeout,
        deadline=args.deadline, servers=servers, server_variables=variables,
        follow_redirects=args.follow_redirects, verify=verify,
        max_retry_wait=args.max_retry_wait, allow_remote=args.allow_remote,
        regex_timeout=args.regex_timeout, state=state_choice(args),
        checkpoint_interval=args.checkpoint_interval,
    )


def _usage(message: str) -> int:
    print(f"arazzo run: {message}", file=sys.stderr)
    return EXIT_USAGE


def _validation_errors(document: ArazzoDocument) -> str | None:
    """The validator's errors as text, or None; warnings never stop a run."""
    try:
        report = document.validate()
    except ArazzoError as exc:
        return str(exc)
    if report.ok:
        return None
    errors = [d for d in report.grouped() if d.is_error]  # one per root cause, as validate
    lines = [f"the document is invalid ({len(errors)} error(s)); "
             "fix it or pass --no-validate:"]
    lines += [f"  {error}" for error in errors[:20]]
    if len(errors) > 20:
        lines.append(f"  ... and {len(errors) - 20} more (arazzo validate lists them)")
    return "\n".join(lines)


# text output --------------------------------------------------------------------------------

class TextReporter:
    """Prints each step as it runs: the request line before it is sent (a slow API shows what
    it is waiting for), then the status, outputs and what happens next."""

    def __init__(self, out: Writer) -> None:
        self.out = out
        self._open_line = False  # a request line waits for its status

    def __call__(self, event: RunEvent) -> None:
        data = event.data
        indent = "  " * int(data.get("depth", 0) or 0)
        if event.kind == "request":
            attempt = int(data.get("attempt", 1) or 1)
            self._close_line()
            self.out.write(f"{indent}  {data['stepId']}{_attempt(attempt)}: {data['method']} "
                           f"{data['url']} ")
            self.out.flush()
            self._open_line = True
            return
        if event.kind == "step-finished":
            self._step(data["execution"])
            return
        if event.kind == "response":  # its step's line comes with step-finished
            return
        self._close_line()
        if event.kind == "in-doubt":
            self._line(f"{indent}  {data['stepId']}: {data['method']} {data['url']} was in "
                       f"doubt: {data['reason']}")
        elif event.kind == "workflow-started":
            role = data.get("role")
            label = {"main": "workflow", "step": "calling workflow",
                     "dependency": "dependency", "retry": "before retrying: workflow"}
            self._line(f"{indent}{label.get(str(role), 'workflow')} {data['workflowId']}")
        elif event.kind == "waiting":
            self._line(f"{indent}    waiting {seconds_text(data['seconds'])} " + (
                _poll_text(data) if "poll" in data else f"({data['reason']})"))

    def _step(self, execution: StepExecution) -> None:
        indent = "  " * execution.depth
        mark = "ok" if execution.succeeded else "FAILED"
        attempt = _attempt(execution.attempt)
        if execution.request is not None:
            status = execution.status_code if execution.status_code is not None else "no response"
            elapsed = (f" in {execution.response.elapsed_ms:g} ms"
                       if execution.response is not None else "")
            result = f"-> {status}{elapsed}  [{mark}]"
            if self._open_line:
                self._open_line = False
                self._line(result)
            else:
                self._line(f"{indent}  {execution.step_id}{attempt}: {execution.request.method} "
                           f"{execution.request.url} {result}")
        else:
            self._close_line()
            target = execution.child_workflow_id or "workflow"
            self._line(f"{indent}  {execution.step_id}{attempt}: workflow {target}  [{mark}]")
        if execution.outputs:
            shown = ", ".join(
                f"{k}={_short(v)}" + (" (unresolved)" if k in execution.unresolved else "")
                for k, v in execution.outputs.items())
            self._line(f"{indent}      outputs: {shown}")
        if not execution.succeeded and execution.error:
            self._line(f"{indent}      why: {execution.error}")
        action = execution.action
        if action is not None and action.type != "next":
            destination = action.step_id or action.workflow_id
            name = f" {action.name!r}" if action.name else ""
            where = f" -> {destination}" if destination else ""
            self._line(f"{indent}      then: {action.type}{name}{where}")

    def _close_line(self) -> None:
        if self._open_line:
            self._open_line = False
            self._line("")

    def _line(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()


def _poll_text(data: Mapping[str, Any]) -> str:
    """``before poll 4 of pollRun (polling for 5.3 s)``; the time once there is some."""
    text = f"before poll {data['poll']} of {data['stepId']}"
    seconds = float(data.get("pollingSeconds") or 0)
    return f"{text} (polling for {duration_text(seconds)})" if seconds >= 1 else text


def _attempt(number: int) -> str:
    return f" (attempt {number})" if number > 1 else ""


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _print_summary(result: RunResult, out: Writer, *, after_progress: bool = True) -> None:
    # a blank line parts the result from the progress above it; -q has no progress
    out.write(f"{chr(10) if after_progress else ''}workflow {result.workflow_id} "
              f"{result.outcome}\n")
    if result.error:
        out.write(f"  error: {result.error}\n")
    for expectation in result.expectations:
        verdict = "ok" if expectation.passed else "NOT MET"
        detail = f" ({expectation.detail})" if expectation.detail else ""
        out.write(f"  expect {expectation.condition}: {verdict}{detail}\n")
    if result.outputs:
        out.write("outputs:\n")
        for name, value in result.masker.value(result.outputs).items():
            note = "  (unresolved)" if name in result.unresolved else ""
            out.write(f"  {name}: {json.dumps(value, default=str)}{note}\n")

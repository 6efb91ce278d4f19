"""``arazzo describe PATH [--workflow ID]``: what each step calls, sends, checks and does next.

Everything a person would otherwise read the YAML and the OpenAPI description for: the
operation's method and path, parameters, request body, success criteria, the actions in the
order the runner tries them (inherited ones included), and outputs. Exit 0; 2 for a document
that cannot be read or an unknown workflow.
"""

from __future__ import annotations

import argparse
import json
import sys

from arazzo_engine._durations import seconds_text
from arazzo_engine.cli import EXIT_OK, EXIT_USAGE
from arazzo_engine.cli._args import add_source_options
from arazzo_engine.cli._documents import Loader, usage
from arazzo_engine.cli._outline_text import (
    action_text,
    criteria_text,
    input_lines,
    output_text,
    value_text,
)
from arazzo_engine.errors import ArazzoError
from arazzo_engine.outline import ActionOutline, StepOutline, WorkflowOutline, always_matches


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "describe", help="describe a workflow's steps, operations, criteria and actions",
        description="Describe workflows step by step: the operation (method and path from the "
                    "OpenAPI description), parameters, request body, success criteria, actions "
                    "in the order they are tried, and outputs.",
    )
    parser.add_argument("path", metavar="PATH", help="the Arazzo document")
    parser.add_argument("--workflow", metavar="ID",
                        help="describe this workflow only (default: every workflow)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text for people, json for programs (default: text)")
    add_source_options(parser)


def main(args: argparse.Namespace) -> int:
    try:
        document = Loader("describe", args).load(args.path)
    except ValueError as exc:
        return usage("describe", str(exc))
    if isinstance(document, str):
        return EXIT_USAGE
    try:
        workflows = ([document.workflow(args.workflow)] if args.workflow is not None
                     else document.workflows())
    except ArazzoError as exc:
        return usage("describe", str(exc))
    if args.format == "json":
        sys.stdout.write(json.dumps([w.to_dict() for w in workflows], indent=2, default=str)
                         + "\n")
        return EXIT_OK
    lines: list[str] = []
    for workflow in workflows:
        lines += _workflow_lines(workflow, args.path)
    if not workflows:
        lines.append(f"{args.path}: no workflows")
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK


def _workflow_lines(workflow: WorkflowOutline, path: str) -> list[str]:
    lines = [f"workflow {workflow.workflow_id}  ({path})"]
    if workflow.summary:
        lines.append(f"  {' '.join(workflow.summary.split())}")
    if workflow.description and workflow.description != workflow.summary:
        lines.append(f"  {' '.join(workflow.description.split())}")
    if workflow.depends_on:
        lines.append(f"  runs first (dependsOn): {', '.join(workflow.depends_on)}")
    lines += ["", "  inputs:", *input_lines(workflow.inputs, "    ")]
    if workflow.parameters:
        lines += ["", "  parameters for every step:"]
        lines += [f"    {_parameter(p.location, p.name, p.value, p.reference)}"
                  for p in workflow.parameters]
    lines += ["", "  steps:"]
    positions = {step.step_id: index for index, step in enumerate(workflow.steps)}
    for index, step in enumerate(workflow.steps):
        following = (workflow.steps[index + 1].step_id if index + 1 < len(workflow.steps)
                     else None)
        lines += _step_lines(step, index, positions, following)
    if not workflow.steps:
        lines.append("    (no steps)")
    lines += ["", "  outputs:"]
    lines += [f"    {name}: {output_text(value)}" for name, value in workflow.outputs.items()]
    if not workflow.outputs:
        lines.append("    (none)")
    if workflow.problems:
        lines += ["", "  problems:"] + [f"    {p}" for p in workflow.problems]
    lines.append("")
    return lines


def _step_lines(step: StepOutline, index: int, positions: dict[str, int],
                following: str | None) -> list[str]:
    pad = "       "
    lines = [f"    {index + 1}. {step.step_id}: {_target(step)}"]
    if step.description:
        lines.append(f"{pad}{' '.join(step.description.split())}")
    if step.depends_on:
        lines.append(f"{pad}runs after (dependsOn): {', '.join(step.depends_on)}")
    if step.timeout is not None:
        lines.append(f"{pad}timeout: {step.timeout} ms ({seconds_text(step.timeout / 1000)})")
    if step.message is not None and step.message.correlation_id is not None:
        lines.append(f"{pad}correlationId: {step.message.correlation_id}")
    if step.parameters:
        lines.append(f"{pad}{'inputs' if step.kind == 'workflow' else 'parameters'}:")
        lines += [f"{pad}  {_parameter(p.location, p.name, p.value, p.reference)}"
                  for p in step.parameters]
    if step.request_body is not None:
        body = step.request_body
        media = body.get("contentType")
        lines.append(f"{pad}request body{f' ({media})' if media else ''}: "
                     f"{value_text(body.get('payload'))}")
        for replacement in body.get("replacements") or []:
            if isinstance(replacement, dict):
                lines.append(f"{pad}  replace {replacement.get('target')}: "
                             f"{value_text(replacement.get('value'))}")
    if step.success_criteria:
        lines.append(f"{pad}succeeds when: {criteria_text(step.success_criteria)}")
    else:
        lines.append(f"{pad}succeeds when: " + _default_success(step))
    lines += _actions(pad, "on success", step.on_success, positions, index,
                      f"next step ({following})" if following else "the workflow succeeds")
    lines += _actions(pad, "on failure", step.on_failure, positions, index,
                      "the workflow fails")
    if step.outputs:
        lines.append(f"{pad}outputs:")
        lines += [f"{pad}  {name}: {output_text(value)}" for name, value in step.outputs.items()]
    return lines


def _default_success(step: StepOutline) -> str:
    if step.kind == "workflow":
        return "the workflow succeeds"
    if step.kind == "message":
        return ("a message arrives (no successCriteria)" if step.message is not None
                and step.message.action == "receive" else "the message is sent")
    return "the status is below 400 (no successCriteria)"


def _target(step: StepOutline) -> str:
    if step.kind == "workflow":
        return f"runs workflow {step.target}"
    if step.message is not None:
        message = step.message
        if message.problem:
            return f"{step.target} (AsyncAPI; not resolved: {message.problem})"
        return (f"{message.text}  ({message.source}, AsyncAPI: needs a message broker, "
                "which `arazzo run` does not drive yet)")
    operation = step.operation
    if operation is None or operation.problem:
        why = operation.problem if operation is not None else "no operation"
        return f"{step.target} (not resolved: {why})"
    where = f"{operation.source}"
    if operation.operation_id:
        where += f", operationId {operation.operation_id}"
    return f"{operation.method} {operation.path}  ({where})"


def _parameter(location: str | None, name: str, value: object, reference: str | None) -> str:
    prefix = f"{location} " if location else ""
    suffix = f"  [{reference}]" if reference else ""
    return f"{prefix}{name}: {value_text(value)}{suffix}"


def _actions(pad: str, heading: str, actions: list[ActionOutline], positions: dict[str, int],
             index: int, fallback: str) -> list[str]:
    if not actions:
        return [f"{pad}{heading}: {fallback}"]
    lines = [f"{pad}{heading} (the first that matches):"]
    always = False
    for action in actions:
        text = action_text(action, positions, index)
        if always:
            text += "  (never reached: an earlier action always matches)"
        lines.append(f"{pad}  {text}")
        always = always or always_matches(action)
    if not always:
        lines.append(f"{pad}  otherwise: {fallback}")
    return lines

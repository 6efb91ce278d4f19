"""``arazzo list PATH...``: the workflows of each document, and the inputs each one needs.

The first question about an unfamiliar document: what can I run here, and what must I give
it? Exit 0, or 2 when a document cannot be read (the others are still listed).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from arazzo_engine.cli import EXIT_OK, EXIT_USAGE
from arazzo_engine.cli._args import add_source_options
from arazzo_engine.cli._documents import Loader, usage
from arazzo_engine.cli._outline_text import input_lines
from arazzo_engine.outline import WorkflowOutline


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "list", help="list the workflows of Arazzo documents and the inputs they take",
        description="List each document's workflows with their summaries and inputs (type, "
                    "required or optional, default, secret). Exit 0, or 2 when a document "
                    "cannot be read.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="Arazzo documents (YAML/JSON)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text for people, json for programs (default: text)")
    add_source_options(parser)


def main(args: argparse.Namespace) -> int:
    try:
        loader = Loader("list", args)
    except ValueError as exc:
        return usage("list", str(exc))
    listed: list[dict[str, Any]] = []
    text: list[str] = []
    code = EXIT_OK
    for path in args.paths:
        document = loader.load(path)
        if isinstance(document, str):
            code = EXIT_USAGE
            listed.append({"document": path, "error": document})
            continue
        workflows = document.workflows()
        listed.append({"document": path,
                       "workflows": [w.to_dict(steps=False) for w in workflows]})
        text += _document_lines(path, workflows)
    if args.format == "json":
        sys.stdout.write(json.dumps(listed, indent=2, default=str) + "\n")
    else:
        sys.stdout.write("\n".join(text) + ("\n" if text else ""))
    return code


def _document_lines(path: str, workflows: list[WorkflowOutline]) -> list[str]:
    lines = [path]
    if not workflows:
        return [*lines, "  (no workflows)", ""]
    for workflow in workflows:
        steps = len(workflow.steps)
        messages = sum(step.kind == "message" for step in workflow.steps)
        note = f"; {messages} AsyncAPI, which need a message broker" if messages else ""
        lines.append(f"  {workflow.workflow_id}  ({steps} step{'s' if steps != 1 else ''}{note})")
        if workflow.summary:
            lines.append(f"    {' '.join(workflow.summary.split())}")
        lines.append("    inputs:")
        lines += input_lines(workflow.inputs, "      ")
        lines += [f"    note: {problem}" for problem in workflow.problems]
    lines.append("")
    return lines

"""``arazzo graph PATH [--workflow ID] [--format mermaid|dot|json]``: a workflow's shape.

Steps are nodes; what can happen after each step (actions with their criteria, the fallback
to the next step, failure) are labelled edges; loops, ends and failures stand out; workflows it
runs or jumps to are clusters of their own. Mermaid renders on GitHub and GitLab as is; DOT goes
to Graphviz (``| dot -Tsvg > flow.svg``).
"""

from __future__ import annotations

import argparse
import json
import sys

from arazzo_engine.cli import EXIT_OK, EXIT_USAGE
from arazzo_engine.cli._args import add_source_options
from arazzo_engine.cli._documents import Loader, usage
from arazzo_engine.errors import ArazzoError


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "graph", help="draw a workflow's steps and actions as Mermaid, DOT or JSON",
        description="Draw the control flow of a workflow: steps as nodes, actions as labelled "
                    "edges with their criteria, loops and ends marked, called and goto "
                    "workflows as subgraphs. Without --workflow, every workflow.",
    )
    parser.add_argument("path", metavar="PATH", help="the Arazzo document")
    parser.add_argument("--workflow", metavar="ID",
                        help="draw this workflow and what it reaches (default: every workflow)")
    parser.add_argument("--format", choices=("mermaid", "dot", "json"), default="mermaid",
                        help="mermaid (default; renders on GitHub and GitLab), dot (Graphviz) "
                             "or json")
    add_source_options(parser)


def main(args: argparse.Namespace) -> int:
    try:
        document = Loader("graph", args).load(args.path)
    except ValueError as exc:
        return usage("graph", str(exc))
    if isinstance(document, str):
        return EXIT_USAGE
    try:
        graph = document.graph(args.workflow)
    except ArazzoError as exc:
        return usage("graph", str(exc))
    if args.format == "json":
        sys.stdout.write(json.dumps(graph.to_dict(), indent=2) + "\n")
    elif args.format == "dot":
        sys.stdout.write(graph.to_dot())
    else:
        sys.stdout.write(graph.to_mermaid())
    return EXIT_OK

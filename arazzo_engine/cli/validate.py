"""``arazzo validate PATH...``: report every problem in Arazzo descriptions, with positions.

Each root cause is reported once, with a count of the findings it explains (``--all`` lists
every one). Exit 0 when every file is valid (warnings allowed), 1 when any has an error, 2 when
a file cannot be read or parsed at all.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from arazzo_engine.cli._args import add_source_options, source_root
from arazzo_engine.cli._output import PipeSafe
from arazzo_engine.errors import DocumentError
from arazzo_engine.validation import FORMATS, Diagnostic, render, validate_document

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check Arazzo descriptions against the schema and the semantic rules",
        description="Check Arazzo 1.0.x and 1.1.x descriptions: our JSON Schema of the "
                    "document's version, then semantic rules "
                    "(ids, references, operations in the OpenAPI sources, expressions, flow). "
                    "Exit 0 valid, 1 errors found, 2 a file cannot be read.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="Arazzo documents (YAML/JSON)")
    parser.add_argument("--format", choices=sorted(FORMATS), default="text",
                        help="output format (default: text)")
    parser.add_argument("--strict", action="store_true",
                        help="also warn about tolerated but dubious forms (comparison-form "
                             "JSONPath, missing descriptions, ...)")
    parser.add_argument("--all", action="store_true",
                        help="list every finding on its own, instead of one per root cause with "
                             "a count of the findings it explains")
    add_source_options(parser)


def main(args: argparse.Namespace) -> int:
    try:
        root = source_root(args, "validate")
    except ValueError as exc:
        print(f"arazzo validate: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    diagnostics: list[Diagnostic] = []
    folded = 0
    unreadable = False
    for path in args.paths:
        try:
            report = validate_document(
                Path(path), strict=args.strict, allow_remote=args.allow_remote, root=root,
            )
        except DocumentError as exc:
            unreadable = True
            diagnostics.append(_unreadable(path, exc))
            continue
        shown = report.diagnostics if args.all else report.grouped()
        folded += len(report.diagnostics) - len(shown)
        diagnostics.extend(shown)
    out = PipeSafe(sys.stdout)  # a closed pipe must not hide the verdict
    out.write(render(diagnostics, args.format))
    out.flush()
    errors = sum(d.severity == "error" for d in diagnostics)
    if args.format == "text":
        warnings = len(diagnostics) - errors
        files = len(args.paths)
        more = f"; {folded:,} more finding(s) folded into them (--all lists every one)" \
            if folded else ""
        print(f"{errors} error(s), {warnings} warning(s) in {files} file(s){more}",
              file=sys.stderr)
    if unreadable:
        return EXIT_UNREADABLE
    return EXIT_INVALID if errors else EXIT_OK


def _unreadable(path: str, exc: DocumentError) -> Diagnostic:
    return Diagnostic(
        severity="error", rule="document", message=exc.message,
        file=exc.file or path, line=exc.line or 1, column=exc.column or 1, pointer="",
    )

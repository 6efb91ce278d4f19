"""Our validator is never more lenient than the official Arazzo 1.0 schema without saying why.

The official schema (``../shared/reference/arazzo-spec/schema-1.0.yaml``, fetched data read from
beside the clone) runs with jsonschema over every Arazzo 1.0.x document of the test suite, the
specs and the shared fixtures. Wherever it finds an error, our validator must report an error
at that place (the same node, inside it or around it), or docs/semantics.md must name the
official schema location in its section "Where we are more lenient than the official schema",
with the reason. A oneOf/anyOf failure counts as explained when every failure of one of its
branches is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from _shared import REPOSITORY, needs_shared, shared
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from arazzo_engine.document import join_pointer, load_file
from arazzo_engine.errors import DocumentError
from arazzo_engine.validation import validate_document

SCHEMA = ("reference", "arazzo-spec", "schema-1.0.yaml")
SECTION = "### Where we are more lenient than the official schema"


def _documents() -> list[Path]:
    roots = [REPOSITORY / "tests", REPOSITORY / "specs",
             shared("conformance", "oai-arazzo-schema-tests"), shared("reference")]
    found = []
    for root in roots:
        for path in sorted(root.rglob("*")) if root.is_dir() else []:
            if path.suffix in (".yaml", ".yml", ".json") and path.is_file() \
                    and _arazzo_1_0(path) is not None:
                found.append(path)
    return found


def _arazzo_1_0(path: Path) -> Any:
    try:
        data = load_file(path).data
    except DocumentError:
        return None
    if isinstance(data, dict) and str(data.get("arazzo", "")).startswith("1.0"):
        return data
    return None


@cache
def _official() -> tuple[Draft202012Validator, dict[int, str]]:
    schema = yaml.safe_load(shared(*SCHEMA).read_text(encoding="utf-8"))
    where: dict[int, str] = {}

    def index(node: Any, pointer: str) -> None:
        if isinstance(node, dict):
            where.setdefault(id(node), pointer)
            for key, value in node.items():
                index(value, f"{pointer}/{key}")
        elif isinstance(node, list):
            for position, value in enumerate(node):
                index(value, f"{pointer}/{position}")

    index(schema, "#")
    return Draft202012Validator(schema), where


@cache
def _documented() -> frozenset[str]:
    text = (REPOSITORY / "docs" / "semantics.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n#", start + len(SECTION))
    return frozenset(re.findall(r"`(#/[^`]+)`", text[start:end if end > 0 else None]))


def _location(error: ValidationError) -> str:
    return f"{_official()[1].get(id(error.schema), '#?')}/{error.validator}"


def _unexplained(error: ValidationError, documented: frozenset[str]) -> list[str]:
    """The official schema locations behind ``error`` that ``documented`` does not name."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        options = [[loc for sub in subs for loc in _unexplained(sub, documented)]
                   for subs in branches.values()]
        return min(options, key=len) if options else []
    location = _location(error)
    return [] if location in documented else [location]


def _related(ours: str, theirs: str) -> bool:
    return ours == theirs or ours.startswith(theirs + "/") or theirs.startswith(ours + "/") \
        or theirs == "" or ours == ""


def _lenient(path: Path, documented: frozenset[str] | None = None) -> Iterator[str]:
    data = _arazzo_1_0(path)
    errors = list(_official()[0].iter_errors(data))
    if not errors:
        return
    ours = [d.pointer for d in validate_document(path).errors if d.file == str(path)
            or Path(d.file).resolve() == path.resolve()]
    for error in errors:
        pointer = join_pointer("", *error.absolute_path)
        if any(_related(mine, pointer) for mine in ours):
            continue
        for location in _unexplained(error, _documented() if documented is None else documented):
            yield f"{pointer or '/'}: {error.message[:160]} [{location}]"


@needs_shared(*SCHEMA)
@pytest.mark.parametrize("path", _documents(), ids=lambda p: os.path.relpath(p, REPOSITORY))
def test_we_are_never_silently_more_lenient_than_the_official_schema(path: Path) -> None:
    unexplained = list(_lenient(path))
    assert not unexplained, (
        f"{path}: the official schema refuses what we accept, and docs/semantics.md "
        f"({SECTION!r}) does not say why:\n  " + "\n  ".join(unexplained))


@needs_shared(*SCHEMA)
def test_the_comparison_sees_documents_and_can_fail() -> None:
    assert len(_documents()) > 100
    assert _documented(), "the section lists no official schema location"
    # Without the documented reasons, a plain `retry` (no retryAfter, no target) is caught.
    plain_retry = REPOSITORY / "tests/validation/documents/rules/action-fields/pass.yaml"
    assert list(_lenient(plain_retry)) == []
    found = list(_lenient(plain_retry, documented=frozenset()))
    assert any("#/$defs/failure-action-object/allOf/1/then/required" in f for f in found)


@needs_shared(*SCHEMA)
def test_where_the_official_schema_and_we_both_refuse_nothing_needs_saying(
        tmp_path: Path) -> None:
    case = tmp_path / "both.arazzo.yaml"
    case.write_text("arazzo: 1.0.1\ninfo: {title: t, version: '1'}\n"
                    "sourceDescriptions: [{name: pet store, url: a.yaml, type: openapi}]\n"
                    "workflows: [{workflowId: w, steps: [{stepId: s, operationId: op}]}]\n")
    assert list(_official()[0].iter_errors(_arazzo_1_0(case)))  # the name's pattern
    assert list(_lenient(case, documented=frozenset())) == []  # source-name-pattern

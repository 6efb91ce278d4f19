"""Our validator is never more lenient than the official Arazzo schemas without saying why.

The official schemas (``../shared/reference/arazzo-spec/schema-1.0.yaml`` and
``schema-1.1-dev.yaml``, fetched data read from beside the clone) run with jsonschema over every
Arazzo document of their version in the test suite, the specs and the shared fixtures (the
official 1.1 schema tests included, whatever their `arazzo` field says). Wherever one finds an
error, our validator must report an error at that place (the same node, inside it or around
it), or docs/semantics.md must name the official schema location in the section for that
version ("Where we are more lenient than the official schema" for 1.0, "... the official 1.1
schema" for 1.1), with the reason. A oneOf/anyOf failure counts as explained when every
failure of one of its branches is.
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

SCHEMAS = {"1.0": ("reference", "arazzo-spec", "schema-1.0.yaml"),
           "1.1": ("reference", "arazzo-spec", "schema-1.1-dev.yaml")}
SCHEMA = SCHEMAS["1.0"]
SECTIONS = {"1.0": "### Where we are more lenient than the official schema",
            "1.1": "### Where we are more lenient than the official 1.1 schema"}
SECTION = SECTIONS["1.0"]
#: The official 1.1 schema tests: their failing documents are checked whatever `arazzo` says.
TESTS_1_1 = ("conformance", "oai-arazzo-1.1-schema-tests")


def _documents(version: str = "1.0") -> list[Path]:
    roots = [REPOSITORY / "tests", REPOSITORY / "specs",
             shared("conformance", "oai-arazzo-schema-tests"), shared(*TESTS_1_1),
             shared("reference")]
    found = []
    for root in roots:
        for path in sorted(root.rglob("*")) if root.is_dir() else []:
            if path.suffix in (".yaml", ".yml", ".json") and path.is_file() \
                    and _arazzo(path, version) is not None:
                found.append(path)
    return found


def _arazzo(path: Path, version: str) -> Any:
    """The document's data when the official ``version`` schema applies to it, else None."""
    try:
        data = load_file(path).data
    except DocumentError:
        return None
    if isinstance(data, dict) and str(data.get("arazzo", "")).startswith(version):
        return data
    if version == "1.1" and shared(*TESTS_1_1) in path.parents:
        return data
    return None


def _arazzo_1_0(path: Path) -> Any:
    return _arazzo(path, "1.0")


@cache
def _official(version: str = "1.0") -> tuple[Draft202012Validator, dict[int, str]]:
    schema = yaml.safe_load(shared(*SCHEMAS[version]).read_text(encoding="utf-8"))
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
def _documented(version: str = "1.0") -> frozenset[str]:
    text = (REPOSITORY / "docs" / "semantics.md").read_text(encoding="utf-8")
    section = SECTIONS[version]
    start = text.index(section + "\n")
    end = text.find("\n#", start + len(section))
    return frozenset(re.findall(r"`(#/[^`]+)`", text[start:end if end > 0 else None]))


def _location(error: ValidationError, version: str) -> str:
    return f"{_official(version)[1].get(id(error.schema), '#?')}/{error.validator}"


def _unexplained(error: ValidationError, documented: frozenset[str],
                 version: str = "1.0") -> list[str]:
    """The official schema locations behind ``error`` that ``documented`` does not name."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        options = [[loc for sub in subs for loc in _unexplained(sub, documented, version)]
                   for subs in branches.values()]
        return min(options, key=len) if options else []
    location = _location(error, version)
    return [] if location in documented else [location]


def _related(ours: str, theirs: str) -> bool:
    return ours == theirs or ours.startswith(theirs + "/") or theirs.startswith(ours + "/") \
        or theirs == "" or ours == ""


def _lenient(path: Path, documented: frozenset[str] | None = None,
             version: str = "1.0") -> Iterator[str]:
    data = _arazzo(path, version)
    errors = list(_official(version)[0].iter_errors(data))
    if not errors:
        return
    ours = [d.pointer for d in validate_document(path).errors if d.file == str(path)
            or Path(d.file).resolve() == path.resolve()]
    known = _documented(version) if documented is None else documented
    for error in errors:
        pointer = join_pointer("", *error.absolute_path)
        if any(_related(mine, pointer) for mine in ours):
            continue
        for location in _unexplained(error, known, version):
            yield f"{pointer or '/'}: {error.message[:160]} [{location}]"


def _cases() -> list[Any]:
    return [pytest.param(version, path, id=f"{version}:{os.path.relpath(path, REPOSITORY)}",
                         marks=needs_shared(*SCHEMAS[version]))
            for version in SCHEMAS for path in _documents(version)]


@pytest.mark.parametrize(("version", "path"), _cases())
def test_we_are_never_silently_more_lenient_than_the_official_schema(version: str,
                                                                      path: Path) -> None:
    unexplained = list(_lenient(path, version=version))
    assert not unexplained, (
        f"{path}: the official {version} schema refuses what we accept, and docs/semantics.md "
        f"({SECTIONS[version]!r}) does not say why:\n  " + "\n  ".join(unexplained))


@needs_shared(*SCHEMA)
def test_the_comparison_sees_documents_and_can_fail() -> None:
    assert len(_documents()) > 100
    assert _documented(), "the section lists no official schema location"
    # Without the documented reasons, a plain `retry` (no retryAfter, no target) is caught.
    plain_retry = REPOSITORY / "tests/validation/documents/rules/action-fields/pass.yaml"
    assert list(_lenient(plain_retry)) == []
    found = list(_lenient(plain_retry, documented=frozenset()))
    assert any("#/$defs/failure-action-object/allOf/1/then/required" in f for f in found)


@needs_shared(*SCHEMAS["1.1"])
@needs_shared(*TESTS_1_1)
def test_the_1_1_comparison_sees_the_official_tests_and_can_fail() -> None:
    documents = _documents("1.1")
    failing = [p for p in documents if p.parent == shared(*TESTS_1_1, "fail")]
    assert len(failing) == 27 and len(documents) > 62
    assert _documented("1.1"), "the 1.1 section lists no official schema location"
    # Every failing official test is refused by the official schema and explained by us ...
    for path in failing:
        assert list(_official("1.1")[0].iter_errors(_arazzo(path, "1.1"))), path.name
        assert list(_lenient(path, version="1.1")) == [], path.name
    # ... and the check bites: without our errors, each official refusal is unexplained.
    missing = shared(*TESTS_1_1, "fail", "invalid-targetSelectorType.arazzo.yaml")
    errors = list(_official("1.1")[0].iter_errors(_arazzo(missing, "1.1")))
    assert any(_unexplained(e, frozenset(), "1.1") for e in errors)
    # An AsyncAPI step named by operationPath is refused by the official schema only.
    by_path = REPOSITORY / "tests/validation/documents/rules/asyncapi-resolved/pass.yaml"
    assert list(_lenient(by_path, version="1.1")) == []
    assert list(_lenient(by_path, documented=frozenset(), version="1.1"))


@needs_shared(*SCHEMA)
def test_where_the_official_schema_and_we_both_refuse_nothing_needs_saying(
        tmp_path: Path) -> None:
    case = tmp_path / "both.arazzo.yaml"
    case.write_text("arazzo: 1.0.1\ninfo: {title: t, version: '1'}\n"
                    "sourceDescriptions: [{name: pet store, url: a.yaml, type: openapi}]\n"
                    "workflows: [{workflowId: w, steps: [{stepId: s, operationId: op}]}]\n")
    assert list(_official()[0].iter_errors(_arazzo_1_0(case)))  # the name's pattern
    assert list(_lenient(case, documented=frozenset())) == []  # source-name-pattern

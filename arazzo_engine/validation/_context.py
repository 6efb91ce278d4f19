"""What every rule can look at: the document, its loaded sources, and cached lookups.

Rules must cope with documents that failed the schema, so the walkers here hand out only nodes
of the expected shape (a step that is not a mapping is simply not a step) and never raise.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar
from urllib.parse import unquote

from arazzo_engine._suggest import closest
from arazzo_engine.document import Bundle, LoadedDocument, Source, join_pointer
from arazzo_engine.openapi import HTTP_METHODS, Operation, OperationIndex, parse_operation_path

COMPONENT_KINDS = ("inputs", "parameters", "successActions", "failureActions")
QUALIFIED = re.compile(r"^\$sourceDescriptions\.(?P<source>[^.]+)\.(?P<name>.+)$")
REFERENCE = re.compile(r"^\$components\.(?P<kind>[A-Za-z]+)\.(?P<name>.+)$")


def text_of(node: dict[str, Any], key: str) -> str | None:
    """A member that must be a string, or None: wrong types are the schema's to report, and
    a list or mapping in a set or dict key would crash the rule that looks it up."""
    value = node.get(key)
    return value if isinstance(value, str) else None


def items(value: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The mappings in a list, each with its pointer; anything else yields nothing."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield join_pointer(pointer, index), item


def members(value: Any, pointer: str) -> Iterator[tuple[str, str, Any]]:
    """(pointer, key, value) for each member of a mapping; anything else yields nothing."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield join_pointer(pointer, key), key, item


@dataclass(frozen=True)
class Workflow:
    pointer: str
    node: dict[str, Any]

    @property
    def id(self) -> str | None:
        value = self.node.get("workflowId")
        return value if isinstance(value, str) else None

    def steps(self) -> list[Step]:
        return self._steps

    def step_ids(self) -> set[str]:
        return self._step_ids

    # Built once: rules ask for a workflow's steps for every expression they check.
    @cached_property
    def _steps(self) -> list[Step]:
        return [Step(self, p, s) for p, s in items(self.node.get("steps"), self.pointer + "/steps")]

    @cached_property
    def _step_ids(self) -> set[str]:
        return set(self.steps_by_id)

    @cached_property
    def steps_by_id(self) -> dict[str, Step]:
        return _first_by_id(self._steps)


@dataclass(frozen=True)
class Step:
    workflow: Workflow
    pointer: str
    node: dict[str, Any]

    @property
    def id(self) -> str | None:
        value = self.node.get("stepId")
        return value if isinstance(value, str) else None

    @property
    def kind(self) -> str | None:
        """``operation`` or ``workflow`` when the step names exactly one kind of target."""
        has_operation = "operationId" in self.node or "operationPath" in self.node
        has_workflow = "workflowId" in self.node
        if has_operation == has_workflow:
            return None
        return "operation" if has_operation else "workflow"


@dataclass(frozen=True)
class Resolved:
    """What a Reusable Object points at (``node`` is None when nothing is there)."""

    kind: str | None
    name: str | None
    node: Any
    pointer: str | None


@dataclass(frozen=True)
class CalledWorkflow:
    """A workflow a step calls, with the data of the document it lives in (for its ``$ref``s)."""

    node: dict[str, Any]
    document_data: dict[str, Any]
    source: Source | None  # None for a workflow of the same document


@dataclass(frozen=True)
class OperationLookup:
    """The outcome of resolving a step's operationId / operationPath.

    ``operation`` is set when found; ``unchecked`` when the source could not be read (that is
    reported once, at the source, not at every step); otherwise ``problem`` says what is wrong.
    """

    operation: Operation | None = None
    source: Source | None = None
    problem: str | None = None
    hint: str | None = None
    unchecked: bool = False


@dataclass
class ValidationContext:
    """The document under validation plus everything rules share."""

    document: LoadedDocument
    bundle: Bundle | None = None
    strict: bool = False
    _indexes: dict[int, OperationIndex] = field(default_factory=dict, repr=False)
    #: Results several rules share (compiled expressions, say), keyed by the computing function.
    shared: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def data(self) -> dict[str, Any]:
        return self.document.data if isinstance(self.document.data, dict) else {}

    @property
    def version(self) -> str:
        value = self.data.get("arazzo")
        return value if isinstance(value, str) else ""

    @cached_property
    def sources(self) -> dict[str, Source]:
        if self.bundle is None:
            return {}
        return self.bundle.sources_for(self.document)

    @cached_property
    def source_names(self) -> set[str]:
        return {
            node["name"] for _, node in items(self.data.get("sourceDescriptions"),
                                              "/sourceDescriptions")
            if isinstance(node.get("name"), str)
        }

    @cached_property
    def workflows(self) -> list[Workflow]:
        return [Workflow(p, w) for p, w in items(self.data.get("workflows"), "/workflows")]

    @cached_property
    def workflows_by_id(self) -> dict[str, Workflow]:
        return _first_by_id(self.workflows)

    def steps(self) -> Iterator[Step]:
        for workflow in self.workflows:
            yield from workflow.steps()

    def components(self, kind: str) -> dict[str, Any]:
        section = self.data.get("components")
        value = section.get(kind) if isinstance(section, dict) else None
        return value if isinstance(value, dict) else {}

    def resolve(self, reusable: dict[str, Any]) -> Resolved:
        """Follows a Reusable Object's ``$components.<kind>.<name>`` reference."""
        reference = reusable.get("reference")
        match = REFERENCE.match(reference) if isinstance(reference, str) else None
        if match is None:
            return Resolved(None, None, None, None)
        kind, name = match["kind"], match["name"]
        node = self.components(kind).get(name) if kind in COMPONENT_KINDS else None
        pointer = join_pointer("/components", kind, name) if node is not None else None
        return Resolved(kind, name, node, pointer)

    def effective(self, value: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any], bool]]:
        """Items of a parameter/action list with Reusable Objects replaced by their targets.

        Yields (pointer of the item as written, effective node, came-from-a-reference).
        """
        for item_pointer, node in items(value, pointer):
            if "reference" in node:
                target = self.resolve(node).node
                if isinstance(target, dict):
                    if "value" in node:
                        target = {**target, "value": node["value"]}
                    yield item_pointer, target, True
            else:
                yield item_pointer, node, False

    def called_workflow(self, text: str) -> CalledWorkflow | None:
        """The workflow a ``workflowId`` names: local, or ``$sourceDescriptions.<name>.<id>`` in
        a loaded Arazzo source; None when it does not resolve (``workflow-target`` says why)."""
        qualified = QUALIFIED.match(text)
        if qualified is None:
            local = self.workflows_by_id.get(text)
            return CalledWorkflow(local.node, self.data, None) if local else None
        source = self.sources.get(qualified["source"])
        if source is None or source.document is None or source.type != "arazzo":
            return None
        data = source.document.data if isinstance(source.document.data, dict) else {}
        for _, node in items(data.get("workflows"), "/workflows"):
            if node.get("workflowId") == qualified["name"]:
                return CalledWorkflow(node, data, source)
        return None

    # -- sources and operations -------------------------------------------------------------

    def openapi_sources(self) -> dict[str, Source]:
        """Sources that are (or may be) OpenAPI descriptions: every one not typed ``arazzo``."""
        return {n: s for n, s in self.sources.items() if s.type != "arazzo"}

    def index_of(self, source: Source) -> OperationIndex | None:
        if source.document is None:
            return None
        key = id(source.document)
        if key not in self._indexes:
            self._indexes[key] = OperationIndex.build(source.document.data)
        return self._indexes[key]

    def lookup_operation(self, step: Step) -> OperationLookup:
        node = step.node
        if isinstance(node.get("operationId"), str):
            return self._by_operation_id(node["operationId"])
        if isinstance(node.get("operationPath"), str):
            return self._by_operation_path(node["operationPath"])
        return OperationLookup(problem="the step names no operation")

    def _by_operation_id(self, text: str) -> OperationLookup:
        qualified = QUALIFIED.match(text)
        if qualified and qualified["source"] in self.source_names:
            source = self.sources.get(qualified["source"])
            if source is None or source.document is None:
                return OperationLookup(source=source, unchecked=True)
            index = self.index_of(source)
            operation = index.by_id(qualified["name"]) if index else None
            if operation is None:
                return OperationLookup(
                    source=source,
                    problem=f"operationId `{qualified['name']}` does not exist in source "
                            f"`{source.name}` ({source.url})",
                    hint=suggest(qualified["name"], _ids(index)),
                )
            return OperationLookup(operation, source)
        if qualified:
            return OperationLookup(
                problem=f"`{qualified['source']}` is not a declared source description",
                hint=suggest(qualified["source"], self.source_names),
            )
        candidates = self.openapi_sources()
        found: list[tuple[Source, Operation]] = []
        unchecked = False
        for source in candidates.values():
            index = self.index_of(source)
            if index is None:
                unchecked = True
                continue
            operation = index.by_id(text)
            if operation is not None:
                found.append((source, operation))
        if len(found) > 1:
            names = ", ".join(f"`{s.name}`" for s, _ in found)
            return OperationLookup(
                problem=f"operationId `{text}` is ambiguous: sources {names} all define it",
                hint=f"write it as $sourceDescriptions.{found[0][0].name}.{text}",
            )
        if found:
            return OperationLookup(found[0][1], found[0][0])
        if unchecked:
            return OperationLookup(unchecked=True)
        where = ", ".join(f"`{n}`" for n in candidates) or "no OpenAPI source description"
        known = set().union(*(_ids(self.index_of(s)) for s in candidates.values()))
        return OperationLookup(
            problem=f"operationId `{text}` does not exist in {where}",
            hint=suggest(text, known),
        )

    def _by_operation_path(self, text: str) -> OperationLookup:
        try:
            name, pointer = parse_operation_path(text, lenient=True)
        except ValueError as exc:
            return OperationLookup(problem=str(exc))
        if name not in self.source_names:
            return OperationLookup(
                problem=f"`{name}` is not a declared source description",
                hint=suggest(name, self.source_names),
            )
        last = unquote(pointer.rsplit("/", 1)[-1]).lower()
        if last not in HTTP_METHODS:
            return OperationLookup(
                problem=f"`{pointer}` does not end with an HTTP method, so it names no operation",
                hint=f"add the method, e.g. {pointer}/get",
            )
        source = self.sources.get(name)
        if source is None or source.document is None:
            return OperationLookup(source=source, unchecked=True)
        index = self.index_of(source)
        operation = None
        if index is not None:
            operation = index.by_pointer(pointer) or index.by_pointer(unquote(pointer))
        if operation is None:
            return OperationLookup(
                source=source,
                problem=f"`{pointer}` is not an operation in source `{name}` ({source.url})",
                hint="an operationPath ends with a method: #/paths/~1pets~1{petId}/get",
            )
        return OperationLookup(operation, source)


def _ids(index: OperationIndex | None) -> Collection[str]:
    return index.operation_ids if index is not None else ()


_Identified = TypeVar("_Identified", "Workflow", "Step")


def _first_by_id(things: list[_Identified]) -> dict[str, _Identified]:
    """Each id's first holder: a duplicate is a rule's business, not a lookup's."""
    found: dict[str, _Identified] = {}
    for thing in things:
        if thing.id is not None:
            found.setdefault(thing.id, thing)
    return found


def suggest(wrong: str, known: Collection[str]) -> str | None:
    close = closest(wrong, known)
    return f"did you mean `{close}`?" if close else None

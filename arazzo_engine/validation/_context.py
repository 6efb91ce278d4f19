"""What every rule can look at: the document, its loaded sources, and cached lookups.

Rules must cope with documents that failed the schema, so the walkers here hand out only nodes
of the expected shape (a step that is not a mapping is simply not a step) and never raise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from arazzo_engine.document import (
    Bundle,
    LoadedDocument,
    Source,
    SpecVersion,
    feature_set,
    join_pointer,
)
from arazzo_engine.document._anchors import anchor_pointers
from arazzo_engine.openapi import (
    COMPONENT_KINDS,
    QUALIFIED,
    REFERENCE,
    AsyncTarget,
    OpenAPIDescription,
    Reusable,
    StepApi,
    StepTargets,
    TargetLookup,
    resolve_reusable,
    suggest,
)

from ._forms import operation_id_form, operation_path_form

if TYPE_CHECKING:  # imported where an AsyncAPI source is indexed (openapi._targets)
    from arazzo_engine.asyncapi import AsyncIndex

__all__ = ["COMPONENT_KINDS", "QUALIFIED", "REFERENCE", "OperationLookup", "Resolved", "Step",
           "ValidationContext", "Workflow", "items", "members", "suggest", "text_of"]

#: What a Reusable Object points at, and what a step's operation lookup found.
OperationLookup = TargetLookup
Resolved = Reusable
#: The fields that make a step call an operation (an AsyncAPI channel too, since 1.1).
OPERATION_FIELDS: dict[SpecVersion, tuple[str, ...]] = {
    "1.0": ("operationId", "operationPath"),
    "1.1": ("operationId", "operationPath", "channelPath"),
}


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
    #: The document's feature set: step targets and fields depend on it.
    spec: SpecVersion = "1.0"

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
        """``operation`` or ``workflow`` when the step names exactly one kind of target.

        An AsyncAPI step (``channelPath``, or an operationId of an AsyncAPI source) is an
        ``operation`` step too; ``ValidationContext.step_api`` tells the two APIs apart.
        """
        fields = OPERATION_FIELDS[self.workflow.spec]
        has_operation = any(f in self.node for f in fields)
        has_workflow = "workflowId" in self.node
        if has_operation == has_workflow:
            return None
        return "operation" if has_operation else "workflow"


@dataclass(frozen=True)
class CalledWorkflow:
    """A workflow a step calls, with the data of the document it lives in (for its ``$ref``s)."""

    node: dict[str, Any]
    document_data: dict[str, Any]
    source: Source | None  # None for a workflow of the same document


@dataclass
class ValidationContext:
    """The document under validation plus everything rules share."""

    document: LoadedDocument
    bundle: Bundle | None = None
    strict: bool = False
    #: The OpenAPI model of the bundle, shared by every document's context (and by a run).
    targets: StepTargets | None = field(default=None, repr=False)
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
    def anchors(self) -> dict[str, str]:
        """``$anchor`` names of the inputs schemas and the pointers of their schemas."""
        return anchor_pointers(self.data)

    @cached_property
    def spec(self) -> SpecVersion:
        """The Arazzo feature set the document is read with (``1.0`` or ``1.1``)."""
        return feature_set(self.data)

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
        return [Workflow(p, w, self.spec)
                for p, w in items(self.data.get("workflows"), "/workflows")]

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
        return resolve_reusable(self.data.get("components"), reusable)

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
        """Sources that are (or may be) OpenAPI descriptions: every one not typed ``arazzo``
        (nor ``asyncapi``)."""
        return {n: s for n, s in self.sources.items() if s.type not in ("arazzo", "asyncapi")}

    @cached_property
    def _targets(self) -> StepTargets | None:
        if self.targets is not None:
            return self.targets
        return StepTargets(self.bundle) if self.bundle is not None else None

    def description(self, source: Source) -> OpenAPIDescription | None:
        """The OpenAPI description a loaded source holds, built once for the bundle."""
        return self._targets.description(source) if self._targets is not None else None

    def lookup_operation(self, step: Step) -> OperationLookup:
        """The operation a step calls (the executor resolves it the same way)."""
        if self._targets is None:
            return OperationLookup(unchecked=True)
        key = id(step.node)
        found = self._lookups.get(key)
        if found is None:
            found = self._targets.lookup(self.document, step.node)
            found = self._lookups[key] = self._in_arazzo_form(step, found)
        return found

    def _in_arazzo_form(self, step: Step, found: OperationLookup) -> OperationLookup:
        """The lookup, with what other tools write (``museum-api.getMuseumHours``,
        ``source#/paths/...``) said to be so, the Arazzo form as hint; even for a source that
        was not read, since no Arazzo tool reads those forms."""
        if found.operation is not None:
            return found
        text = step.node.get("operationPath")
        if isinstance(text, str):
            if found.problem is None or not found.problem.startswith("an operationPath must"):
                return found
            form = operation_path_form(text, self.source_names, list(self.openapi_sources()))
            if form is None:
                return found
            self._forms[id(step.node)] = "form:operationPath"
            return replace(found, problem=f"operationPath `{text}` is not the Arazzo form "
                                          "{$sourceDescriptions.<name>.url}#<JSON pointer>",
                           hint=f"write {form}", unchecked=False)
        text = step.node.get("operationId")
        if not isinstance(text, str) or (QUALIFIED.match(text) and "#" not in text):
            return found
        named = operation_id_form(text, self.source_names)
        if named is None:
            return found
        self._forms[id(step.node)] = "form:operationPath as operationId" \
            if named[1].startswith("write operationPath") else "form:source.operationId"
        return replace(found, problem=f"operationId `{text}` {named[0]}", hint=named[1],
                       unchecked=False)

    def lookup_form(self, step: Step) -> str | None:
        """The kind of other tools' notation the step's operation is written in (None: not
        one), the same for every step that writes it: a generator's habit is one root cause."""
        self.lookup_operation(step)
        return self._forms.get(id(step.node))

    @cached_property
    def _forms(self) -> dict[int, str]:
        return {}

    def lookup_cause(self, step: Step) -> str | None:
        """``source:<name>`` when the step's target names a source the document does not
        declare: every step that names it is then one finding."""
        for field_name in ("operationId", "operationPath", "workflowId"):
            text = step.node.get(field_name)
            if isinstance(text, str):
                match = re.match(r"^\{?\$sourceDescriptions\.([^.#}]+)", text)
                if match and match[1] not in self.source_names:
                    return f"source:{match[1]}"
                return None
        return None

    @cached_property
    def _lookups(self) -> dict[int, OperationLookup]:
        return {}

    def async_index_of(self, source: Source) -> AsyncIndex | None:
        """The AsyncAPI operations and channels a loaded source holds, built once."""
        return self._targets.async_index(source) if self._targets is not None else None

    def step_api(self, step: Step) -> StepApi | None:
        """``openapi``, ``asyncapi`` or ``workflow``: what the step calls (None: no target)."""
        if self.spec == "1.0":
            kind = step.kind
            return "workflow" if kind == "workflow" else "openapi" if kind else None
        if self._targets is None:
            return None
        return self._targets.step_api(self.document, step.node)

    def lookup_async(self, step: Step) -> AsyncTarget:
        """The AsyncAPI operation or channel an AsyncAPI step names (as the executor reads
        it)."""
        if self._targets is None:
            return AsyncTarget(unchecked=True)
        return self._targets.lookup_async(self.document, step.node)


_Identified = TypeVar("_Identified", "Workflow", "Step")


def _first_by_id(things: list[_Identified]) -> dict[str, _Identified]:
    """Each id's first holder: a duplicate is a rule's business, not a lookup's."""
    found: dict[str, _Identified] = {}
    for thing in things:
        if thing.id is not None:
            found.setdefault(thing.id, thing)
    return found

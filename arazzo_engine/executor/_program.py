"""A read-only view of the loaded documents, shaped for the executor's questions.

Which workflow is this? Which operation does this step call, in which OpenAPI document, and on
which server? What does this Reusable Object point at? Answers are computed on first use and
cached; a question the documents cannot answer raises ``ExecutionError`` naming the step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from arazzo_engine.document import Bundle, LoadedDocument, Source
from arazzo_engine.errors import ExecutionError
from arazzo_engine.executor._inputs import InputsSchema
from arazzo_engine.openapi import Operation, OperationIndex, parse_operation_path

__all__ = ["OperationTarget", "Program", "document_key"]

_SOURCE_REF = re.compile(r"^\$sourceDescriptions\.([A-Za-z0-9_\-]+)\.(.+)$")
_COMPONENT_REF = re.compile(r"^\$components\.(parameters|successActions|failureActions)\.(.+)$")


def document_key(document: LoadedDocument) -> str:
    """The name a document goes by in ``Bundle.documents`` and in the run state."""
    return str(document.path) if document.path is not None else document.uri


@dataclass(frozen=True)
class OperationTarget:
    """The operation a step calls and the source description it lives in."""

    source: Source
    operation: Operation


class Program:
    """The bundle's documents, indexed for running."""

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        self.entry_key = document_key(bundle.entry)
        self._indexes: dict[str, OperationIndex] = {}
        self._inputs: dict[tuple[str, str], InputsSchema] = {}
        self._steps: dict[tuple[str, str], list[Mapping[str, Any]]] = {}

    # documents and workflows ------------------------------------------------------------

    def document(self, key: str) -> LoadedDocument:
        try:
            return self.bundle.documents[key]
        except KeyError:
            raise ExecutionError(f"document {key!r} is not loaded") from None

    def data(self, key: str) -> Mapping[str, Any]:
        data = self.document(key).data
        return data if isinstance(data, Mapping) else {}

    def workflows(self, key: str) -> list[Mapping[str, Any]]:
        found = self.data(key).get("workflows")
        return [w for w in found if isinstance(w, Mapping)] if isinstance(found, list) else []

    def workflow(self, key: str, workflow_id: str) -> Mapping[str, Any]:
        for workflow in self.workflows(key):
            if workflow.get("workflowId") == workflow_id:
                return workflow
        known = ", ".join(str(w.get("workflowId")) for w in self.workflows(key)) or "none"
        raise ExecutionError(f"no workflow {workflow_id!r} (the document has: {known})")

    def only_workflow(self, key: str) -> str:
        """The id of the document's one workflow; several leave the choice to the caller."""
        ids = [str(w.get("workflowId")) for w in self.workflows(key)]
        if len(ids) == 1:
            return ids[0]
        if not ids:
            raise ExecutionError("the document has no workflows")
        raise ExecutionError(f"the document has {len(ids)} workflows; choose one with "
                             f"--workflow ({', '.join(ids)})")

    def workflow_pointer(self, key: str, workflow: Mapping[str, Any]) -> str:
        """Where ``workflow`` sits in its document (non-objects in the list count too)."""
        found = self.data(key).get("workflows")
        listed = found if isinstance(found, list) else []
        index = next(i for i, w in enumerate(listed) if w is workflow)
        return f"/workflows/{index}"

    def inputs_schema(self, key: str, workflow_id: str) -> InputsSchema:
        """The workflow's inputs schema, checked once for all the runs of this program."""
        cache_key = (key, workflow_id)
        if cache_key not in self._inputs:
            workflow = self.workflow(key, workflow_id)
            self._inputs[cache_key] = InputsSchema(workflow, self.data(key),
                                                   self.workflow_pointer(key, workflow))
        return self._inputs[cache_key]

    def steps(self, key: str, workflow_id: str) -> list[Mapping[str, Any]]:
        """The workflow's steps, listed once: the machine asks at every step it takes."""
        cache_key = (key, workflow_id)
        if cache_key not in self._steps:
            steps = self.workflow(key, workflow_id).get("steps")
            self._steps[cache_key] = (
                [s for s in steps if isinstance(s, Mapping)] if isinstance(steps, list) else [])
        return self._steps[cache_key]

    def step_index(self, key: str, workflow_id: str, step_id: str) -> int:
        for index, step in enumerate(self.steps(key, workflow_id)):
            if step.get("stepId") == step_id:
                return index
        raise ExecutionError(f"workflow {workflow_id!r} has no step {step_id!r}")

    def components(self, key: str) -> Mapping[str, Any]:
        found = self.data(key).get("components")
        return found if isinstance(found, Mapping) else {}

    def source_descriptions(self, key: str) -> dict[str, Any]:
        declared = self.data(key).get("sourceDescriptions")
        if not isinstance(declared, list):
            return {}
        return {d["name"]: d for d in declared
                if isinstance(d, Mapping) and isinstance(d.get("name"), str)}

    def sources(self, key: str) -> dict[str, Source]:
        return self.bundle.sources_for(self.document(key))

    # targets --------------------------------------------------------------------------

    def resolve_workflow(self, key: str, reference: str) -> tuple[str, str]:
        """(document key, workflowId) for a local id or ``$sourceDescriptions.<name>.<id>``."""
        match = _SOURCE_REF.match(reference)
        if match is None:
            self.workflow(key, reference)
            return key, reference
        document = self._source(key, match.group(1), wanted="arazzo").document
        assert document is not None, "_source refuses a source that is not loaded"
        target_key = document_key(document)
        self.workflow(target_key, match.group(2))
        return target_key, match.group(2)

    def resolve_operation(self, key: str, step: Mapping[str, Any]) -> OperationTarget:
        if isinstance(step.get("operationPath"), str):
            return self._by_path(key, step["operationPath"])
        operation_id = step.get("operationId")
        if not isinstance(operation_id, str):
            raise ExecutionError("the step names no operationId, operationPath or workflowId")
        match = _SOURCE_REF.match(operation_id)
        if match is not None:
            source = self._source(key, match.group(1), wanted="openapi")
            operation = self._index(source).by_id(match.group(2))
            if operation is None:
                raise ExecutionError(
                    f"operationId {match.group(2)!r} is not in source {source.name!r}"
                )
            return OperationTarget(source, operation)
        candidates = [s for s in self.sources(key).values() if s.type != "arazzo"]
        for source in candidates:
            if source.document is None:
                continue
            operation = self._index(source).by_id(operation_id)
            if operation is not None:
                return OperationTarget(source, operation)
        broken = [f"{s.name}: {s.problem}" for s in candidates if s.problem]
        hint = f" (unloaded sources: {'; '.join(broken)})" if broken else ""
        raise ExecutionError(f"operationId {operation_id!r} is in no OpenAPI source{hint}")

    def _by_path(self, key: str, text: str) -> OperationTarget:
        try:
            name, pointer = parse_operation_path(text, lenient=True)
        except ValueError as exc:
            raise ExecutionError(f"operationPath {text!r}: {exc}") from None
        source = self._source(key, name, wanted="openapi")
        index = self._index(source)
        operation = index.by_pointer(pointer) or index.by_pointer(unquote(pointer))
        if operation is None:
            raise ExecutionError(
                f"operationPath {text!r} points to no operation in source {name!r}"
                " (it must end with the HTTP method, e.g. .../~1pets/get)"
            )
        return OperationTarget(source, operation)

    def _source(self, key: str, name: str, *, wanted: str) -> Source:
        source = self.sources(key).get(name)
        if source is None:
            raise ExecutionError(f"no source description named {name!r}")
        if source.document is None:
            raise ExecutionError(f"source description {name!r} is not loaded: {source.problem}")
        if (source.type or wanted) != wanted:
            raise ExecutionError(f"source description {name!r} is {source.type}, not {wanted}")
        return source

    def _index(self, source: Source) -> OperationIndex:
        key = source.location
        if key not in self._indexes:
            data = source.document.data if source.document is not None else {}
            self._indexes[key] = OperationIndex.build(data)
        return self._indexes[key]

    # reusable objects -----------------------------------------------------------------

    def reusable(self, key: str, node: Any, kind: str) -> Any:
        """The object a Reusable Object names; for parameters, its ``value`` overrides.

        ``kind`` is ``parameters``, ``successActions`` or ``failureActions``.
        """
        if not (isinstance(node, Mapping) and isinstance(node.get("reference"), str)):
            return node
        reference = node["reference"]
        match = _COMPONENT_REF.match(reference)
        if match is None or match.group(1) != kind:
            raise ExecutionError(f"reference {reference!r} does not name a component of {kind}")
        table = self.components(key).get(kind)
        found = table.get(match.group(2)) if isinstance(table, Mapping) else None
        if not isinstance(found, Mapping):
            raise ExecutionError(f"reference {reference!r} points to nothing")
        if kind == "parameters" and "value" in node:
            return {**found, "value": node["value"]}
        return found

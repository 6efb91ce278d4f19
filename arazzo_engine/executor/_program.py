"""A read-only view of the loaded documents, shaped for the executor's questions.

Which workflow is this? Which operation does this step call, in which OpenAPI document, and on
which server? What does this Reusable Object point at? Answers are computed on first use and
cached; a question the documents cannot answer raises ``ExecutionError`` naming the step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from arazzo_engine.document import Bundle, LoadedDocument, Source, SpecVersion, feature_set
from arazzo_engine.document._base import self_uri
from arazzo_engine.errors import ExecutionError
from arazzo_engine.executor._inputs import InputsSchema
from arazzo_engine.openapi import (
    QUALIFIED,
    OpenAPIDescription,
    Operation,
    StepTargets,
    document_key,
    merge_parameters,
    resolve_reusable,
)

__all__ = ["OperationTarget", "Program", "document_key"]


@dataclass(frozen=True)
class OperationTarget:
    """The operation a step calls, the source description it lives in, and that description."""

    source: Source
    operation: Operation
    description: OpenAPIDescription | None = None


class Program:
    """The bundle's documents, indexed for running."""

    def __init__(self, bundle: Bundle, targets: StepTargets | None = None) -> None:
        self.bundle = bundle
        self.entry_key = document_key(bundle.entry)
        #: The OpenAPI model, shared with the validator and the tester when they are given it.
        self.targets = targets or StepTargets(bundle)
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

    def spec(self, key: str) -> SpecVersion:
        """The Arazzo feature set the document is read with."""
        return feature_set(self.data(key))

    def self_uri(self, key: str) -> str | None:
        """What ``$self`` reads in the document (Arazzo 1.1): its ``$self``, resolved."""
        return self_uri(self.document(key))

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
        match = QUALIFIED.match(reference)
        if match is None:
            self.workflow(key, reference)
            return key, reference
        document = self._arazzo_source(key, match["source"]).document
        assert document is not None, "_arazzo_source refuses a source that is not loaded"
        target_key = document_key(document)
        self.workflow(target_key, match["name"])
        return target_key, match["name"]

    def resolve_operation(self, key: str, step: Mapping[str, Any]) -> OperationTarget:
        """The step's operation, as the validator resolves it; ``ExecutionError`` otherwise."""
        source, operation, description = self.targets.lookup(self.document(key), step).require()
        return OperationTarget(source, operation, description)

    def parameters(self, key: str, workflow_id: str,
                   step: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """Workflow parameters overridden by step parameters with the same name and ``in``."""
        workflow = self.workflow(key, workflow_id)
        return merge_parameters(self.components(key), workflow, "", step, "").require()

    def _arazzo_source(self, key: str, name: str) -> Source:
        source = self.sources(key).get(name)
        if source is None:
            raise ExecutionError(f"no source description named {name!r}")
        if source.document is None:
            raise ExecutionError(f"source description {name!r} is not loaded: {source.problem}")
        if (source.type or "arazzo") != "arazzo":
            raise ExecutionError(f"source description {name!r} is {source.type}, not arazzo")
        return source

    # reusable objects -----------------------------------------------------------------

    def reusable(self, key: str, node: Any, kind: str) -> Any:
        """The object a Reusable Object names; for parameters, its ``value`` overrides.

        ``kind`` is ``parameters``, ``successActions`` or ``failureActions``.
        """
        if not (isinstance(node, Mapping) and isinstance(node.get("reference"), str)):
            return node
        target = resolve_reusable(self.components(key), node)
        if target.kind != kind:
            raise ExecutionError(f"reference {node['reference']!r} does not name a component "
                                 f"of {kind}")
        if not isinstance(target.node, Mapping):
            raise ExecutionError(f"reference {node['reference']!r} points to nothing")
        if kind == "parameters" and "value" in node:
            return {**target.node, "value": node["value"]}
        return target.node

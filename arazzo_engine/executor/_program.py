"""A read-only view of the loaded documents, shaped for the executor's questions.

Which workflow is this? Which operation does this step call, in which OpenAPI document, and on
which server? What does this Reusable Object point at? Answers are computed on first use and
cached; a question the documents cannot answer raises ``ExecutionError`` naming the step.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from arazzo_engine.document import Bundle, LoadedDocument, Source, SpecVersion, feature_set
from arazzo_engine.document._base import self_uri
from arazzo_engine.errors import BrokerRequired, ExecutionError
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


class _SourceView(Mapping[str, Any]):
    """Arazzo 1.1 "Source Description Expression Resolution": ``<reference>`` is first an
    operationId (OpenAPI, AsyncAPI) or workflowId (Arazzo) of the source, then a field of the
    Source Description Object (``url``, ``type``). An operation reads as its Operation Object,
    a workflow as its Workflow Object."""

    def __init__(self, node: Mapping[str, Any], source: Source | None,
                 targets: StepTargets) -> None:
        self.node, self.source, self.targets = node, source, targets

    def _defined(self, name: str) -> Any:
        source = self.source
        if source is None or source.document is None:
            return None
        if source.type == "arazzo":
            data = source.document.data
            workflows = data.get("workflows") if isinstance(data, Mapping) else None
            return next((w for w in workflows if isinstance(w, Mapping)
                         and w.get("workflowId") == name), None) \
                if isinstance(workflows, list) else None
        if source.type == "asyncapi":
            index = self.targets.async_index(source)
            operation = index.by_id(name) if index is not None else None
            return None if operation is None else dict(operation.node)
        description = self.targets.description(source)
        found = description.by_id(name) if description is not None else None
        return None if found is None else found.raw

    def __getitem__(self, name: str) -> Any:
        defined = self._defined(name)
        if defined is not None:
            return defined
        return self.node[name]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (self._defined(name) is not None or name in self.node)

    def _ids(self) -> list[str]:
        source = self.source
        if source is None or source.document is None:
            return []
        if source.type == "arazzo":
            data = source.document.data
            workflows = data.get("workflows") if isinstance(data, Mapping) else None
            return [w["workflowId"] for w in workflows if isinstance(w, Mapping)
                    and isinstance(w.get("workflowId"), str)] if isinstance(workflows, list) \
                else []
        if source.type == "asyncapi":
            index = self.targets.async_index(source)
            return list(index.operation_ids) if index is not None else []
        description = self.targets.description(source)
        return list(description.operation_ids) if description is not None else []

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._ids(), *self.node]))

    def __len__(self) -> int:
        return len(dict.fromkeys([*self._ids(), *self.node]))


_OTHER_STEP = re.compile(r"^\$(?:workflows|sourceDescriptions\.(?P<source>[^.]+))\."
                         r"(?P<workflow>[^.]+)\.steps\.(?P<step>[^.]+)$")


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
        #: by (document, workflow, id(step)): the steps are the loaded documents' own nodes,
        #: alive as long as the program.
        self._parameters: dict[tuple[str, str, int], list[Mapping[str, Any]]] = {}
        # What the machine asks at every step of a polling loop, answered once per document
        # (the documents never change under a program): by document key, or (key, id(step)).
        self._specs: dict[str, SpecVersion] = {}
        self._components: dict[str, Mapping[str, Any]] = {}
        self._source_descriptions: dict[str, dict[str, Any]] = {}
        self._self_uris: dict[str, str | None] = {}
        self._workflows: dict[tuple[str, str], Mapping[str, Any]] = {}
        #: Every run of a workflow asks before it starts (``broker_required``).
        self._broker_steps: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
        #: (the step itself, its target): a step asked about is checked to be the same node.
        self._operations: dict[tuple[str, int], tuple[Mapping[str, Any], OperationTarget]] = {}

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
        found = self._workflows.get((key, workflow_id))
        if found is not None:
            return found
        for workflow in self.workflows(key):
            if workflow.get("workflowId") == workflow_id:
                self._workflows[(key, workflow_id)] = workflow
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
        found = self._specs.get(key)
        if found is None:
            found = self._specs[key] = feature_set(self.data(key))
        return found

    def self_uri(self, key: str) -> str | None:
        """What ``$self`` reads in the document (Arazzo 1.1): its ``$self``, resolved."""
        if key not in self._self_uris:
            self._self_uris[key] = self_uri(self.document(key))
        return self._self_uris[key]

    def components(self, key: str) -> Mapping[str, Any]:
        found = self._components.get(key)
        if found is None:
            declared = self.data(key).get("components")
            found = self._components[key] = declared if isinstance(declared, Mapping) else {}
        return found

    def source_descriptions(self, key: str) -> dict[str, Any]:
        """What ``$sourceDescriptions.<name>`` reads: the Source Description Object, or in a
        1.1 document a view that finds an operationId or workflowId of the source first.
        Built once per document: callers must not change it."""
        found = self._source_descriptions.get(key)
        if found is None:
            found = self._source_descriptions[key] = self._source_descriptions_of(key)
        return found

    def _source_descriptions_of(self, key: str) -> dict[str, Any]:
        declared = self.data(key).get("sourceDescriptions")
        if not isinstance(declared, list):
            return {}
        found = {d["name"]: d for d in declared
                 if isinstance(d, Mapping) and isinstance(d.get("name"), str)}
        if self.spec(key) == "1.0":
            return found
        sources = self.sources(key)
        return {name: _SourceView(node, sources.get(name), self.targets)
                for name, node in found.items()}

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

    def step_marker(self, key: str, reference: str) -> str:
        """``document#workflowId#stepId`` for a 1.1 dependsOn entry naming another workflow's
        step: ``$workflows.<id>.steps.<id>`` or ``$sourceDescriptions.<name>.<id>.steps.<id>``."""
        match = _OTHER_STEP.match(reference)
        if match is None:
            raise ExecutionError("it is not a step reference")
        document = key
        if match["source"] is not None:
            found = self._arazzo_source(key, match["source"]).document
            assert found is not None, "_arazzo_source refuses a source that is not loaded"
            document = document_key(found)
        return f"{document}#{match['workflow']}#{match['step']}"

    def step_api(self, key: str, step: Mapping[str, Any]) -> str | None:
        """``openapi``, ``asyncapi`` or ``workflow``: what a step calls, as the validator says."""
        if self.spec(key) == "1.0":
            return "workflow" if "workflowId" in step else "openapi"
        return self.targets.step_api(self.document(key), step)

    def broker_steps(self, key: str, workflow_id: str) -> list[tuple[str, str, str]]:
        """(workflowId, stepId, what it does) for every AsyncAPI step a run of the workflow can
        reach: its own steps, and those of the workflows it calls, depends on or goes to."""
        known = self._broker_steps.get((key, workflow_id))
        if known is None:
            known = self._broker_steps[(key, workflow_id)] = self._find_broker_steps(
                key, workflow_id)
        return list(known)

    def _find_broker_steps(self, key: str, workflow_id: str) -> list[tuple[str, str, str]]:
        found: list[tuple[str, str, str]] = []
        pending, seen = [(key, workflow_id)], set()
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            document, workflow_id = current
            try:
                workflow = self.workflow(document, workflow_id)
            except ExecutionError:
                continue
            for step in self.steps(document, workflow_id):
                if self.step_api(document, step) == "asyncapi":
                    action = step.get("action") if isinstance(step.get("action"), str) else "use"
                    target = step.get("operationId") or step.get("channelPath") \
                        or step.get("operationPath")
                    found.append((workflow_id, str(step.get("stepId")), f"{action} {target}"))
            for reference in self._called(document, workflow):
                try:
                    pending.append(self.resolve_workflow(document, reference))
                except ExecutionError:
                    continue
        return sorted(found)

    def broker_required(self, key: str, workflow_id: str) -> BrokerRequired | None:
        """The refusal of a run that could reach an AsyncAPI step (sending or receiving
        messages needs a broker, which this version does not drive), naming every such step;
        None when the workflow runs over HTTP alone. ``arazzo run`` and ``arazzo test`` say it."""
        found = self.broker_steps(key, workflow_id)
        if not found:
            return None
        listed = "; ".join(f"{workflow}/{step} ({what})" for workflow, step, what in found)
        return BrokerRequired(
            f"workflow {workflow_id!r} reaches {len(found)} AsyncAPI step(s) that send or "
            f"receive messages on a broker, which this version of arazzo-engine does not run: "
            f"{listed}. `arazzo validate` checks them.")

    def _called(self, key: str, workflow: Mapping[str, Any]) -> list[str]:
        """The workflowIds a workflow can start: steps, dependsOn and actions."""
        depends = workflow.get("dependsOn")
        called = [d for d in depends if isinstance(d, str)] if isinstance(depends, list) else []
        lists = [(workflow.get("successActions"), "successActions"),
                 (workflow.get("failureActions"), "failureActions")]
        for step in self.steps(key, str(workflow.get("workflowId"))):
            if isinstance(step.get("workflowId"), str):
                called.append(step["workflowId"])
            lists += [(step.get("onSuccess"), "successActions"),
                      (step.get("onFailure"), "failureActions")]
        for actions, kind in lists:
            for action in actions if isinstance(actions, list) else []:
                try:
                    resolved = self.reusable(key, action, kind)
                except ExecutionError:
                    continue
                if isinstance(resolved, Mapping) and isinstance(resolved.get("workflowId"), str):
                    called.append(resolved["workflowId"])
        return called

    def resolve_operation(self, key: str, step: Mapping[str, Any]) -> OperationTarget:
        """The step's operation, as the validator resolves it; ``ExecutionError`` otherwise.
        Resolved once per step (a step that does not resolve is asked again, and fails again)."""
        cache_key = (key, id(step))
        found = self._operations.get(cache_key)
        if found is not None and found[0] is step:
            return found[1]
        source, operation, description = self.targets.lookup(self.document(key), step).require()
        target = OperationTarget(source, operation, description)
        self._operations[cache_key] = (step, target)
        return target

    def parameters(self, key: str, workflow_id: str,
                   step: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """Workflow parameters overridden by step parameters with the same name and ``in``.

        Merged once per step (a polling step is merged again on every poll otherwise); callers
        must not change the list."""
        cache_key = (key, workflow_id, id(step))
        found = self._parameters.get(cache_key)
        if found is None:
            workflow = self.workflow(key, workflow_id)
            found = merge_parameters(self.components(key), workflow, "", step, "").require()
            self._parameters[cache_key] = found
        return found

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

"""Builds outlines from loaded documents, tolerating documents that are not valid.

A person asks ``arazzo describe`` precisely when a document puzzles them, so nothing here
refuses a document: what cannot be known (an operation in a source that did not load, a
reference to nothing) is said in the outline instead of raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from arazzo_engine.document import resolve_pointer
from arazzo_engine.errors import ArazzoError
from arazzo_engine.executor import Program
from arazzo_engine.executor._masking import is_secret_name, is_secret_schema
from arazzo_engine.outline._model import (
    ActionOutline,
    CriterionOutline,
    InputOutline,
    MessageOutline,
    OperationOutline,
    ParameterOutline,
    StepOutline,
    WorkflowOutline,
)

__all__ = ["outline_workflow", "outline_workflows"]

_MAX_REF_HOPS = 32
_ACTION_FIELDS = {"success": ("onSuccess", "successActions"),
                  "failure": ("onFailure", "failureActions")}


def outline_workflows(program: Program, key: str | None = None) -> list[WorkflowOutline]:
    """Every workflow of one document (the entry document by default), in document order."""
    key = key or program.entry_key
    return [outline_workflow(program, key, str(w["workflowId"]))
            for w in program.workflows(key) if isinstance(w.get("workflowId"), str)]


def outline_workflow(program: Program, key: str, workflow_id: str) -> WorkflowOutline:
    """One workflow; raises ``ExecutionError`` when the document has no such workflow."""
    workflow = program.workflow(key, workflow_id)
    problems: list[str] = []
    document = program.data(key)
    steps = [_step(program, key, workflow, step, problems)
             for step in program.steps(key, workflow_id)]
    depends = workflow.get("dependsOn")
    return WorkflowOutline(
        workflow_id=workflow_id,
        document=key,
        summary=_text(workflow.get("summary")),
        description=_text(workflow.get("description")),
        inputs=_inputs(workflow.get("inputs"), document, problems),
        depends_on=[str(d) for d in depends] if isinstance(depends, list) else [],
        parameters=_parameters(program, key, workflow.get("parameters"), problems),
        steps=steps,
        outputs=dict(workflow["outputs"]) if isinstance(workflow.get("outputs"), Mapping) else {},
        problems=problems,
    )


# inputs ------------------------------------------------------------------------------------

def _inputs(schema: Any, document: Any, problems: list[str]) -> list[InputOutline]:
    schema = _resolve(schema, document, problems)
    if not isinstance(schema, Mapping):
        return []
    properties: dict[str, Any] = {}
    required: set[str] = set()
    for part in [schema, *_list(schema.get("allOf"))]:
        part = _resolve(part, document, problems)
        if not isinstance(part, Mapping):
            continue
        if isinstance(part.get("properties"), Mapping):
            properties.update(part["properties"])
        required.update(str(n) for n in _list(part.get("required")))
    found = []
    for name, declared in properties.items():
        declared = _resolve(declared, document, problems)
        declared = declared if isinstance(declared, Mapping) else {}
        items = _resolve(declared.get("items"), document, problems)
        form = declared.get("format")
        found.append(InputOutline(
            name=str(name),
            type=_schema_type(declared),
            required=name in required,
            has_default="default" in declared,
            default=declared.get("default"),
            description=_text(declared.get("description")),
            secret=is_secret_schema(declared) or is_secret_name(str(name)),
            enum=list(declared["enum"]) if isinstance(declared.get("enum"), list) else None,
            format=form if isinstance(form, str) else None,
            items_type=_schema_type(items) if isinstance(items, Mapping) else None,
        ))
    # A required name without a property declaration is still an input the workflow needs.
    found += [InputOutline(name=name, required=True)
              for name in sorted(required - set(properties))]
    return found


def _schema_type(schema: Mapping[str, Any]) -> str | list[str] | None:
    declared = schema.get("type")
    if isinstance(declared, str):
        return declared
    if isinstance(declared, list) and all(isinstance(t, str) for t in declared):
        return list(declared)
    if "const" in schema:
        return "const"
    return None


def _resolve(node: Any, document: Any, problems: list[str]) -> Any:
    """Follows local ``$ref``s (``#/components/inputs/x``) in the Arazzo document."""
    for _ in range(_MAX_REF_HOPS):
        ref = node.get("$ref") if isinstance(node, Mapping) else None
        if not isinstance(ref, str):
            return node
        if not ref.startswith("#/"):
            problems.append(f"the inputs schema reference {ref!r} is not followed here")
            return None
        try:
            node = resolve_pointer(document, ref[1:])
        except (KeyError, ValueError, IndexError, TypeError):
            node = None
        if node is None:
            problems.append(f"the inputs schema reference {ref!r} points to nothing")
            return None
    problems.append("the inputs schema references loop")
    return None


# steps -------------------------------------------------------------------------------------

def _step(program: Program, key: str, workflow: Mapping[str, Any], step: Mapping[str, Any],
          problems: list[str]) -> StepOutline:
    api = program.step_api(key, step)
    kind = {"workflow": "workflow", "asyncapi": "message"}.get(str(api), "operation")
    target = step.get("operationId") or step.get("operationPath") or step.get("workflowId") \
        or step.get("channelPath")
    operation = _operation(program, key, step) if kind == "operation" else None
    message = _message(program, key, step) if kind == "message" else None
    called = None
    if kind == "workflow":
        try:
            called = program.resolve_workflow(key, str(step.get("workflowId")))
        except ArazzoError as exc:
            problems.append(f"step {step.get('stepId')!r}: {exc}")
    body = step.get("requestBody")
    outputs = step.get("outputs")
    return StepOutline(
        step_id=str(step.get("stepId")),
        kind=kind,
        description=_text(step.get("description")),
        target=str(target) if target is not None else None,
        operation=operation,
        workflow=called,
        parameters=_parameters(program, key, step.get("parameters"), problems),
        request_body=dict(body) if isinstance(body, Mapping) else None,
        success_criteria=_criteria(step.get("successCriteria")),
        on_success=_actions(program, key, workflow, step, "success", problems),
        on_failure=_actions(program, key, workflow, step, "failure", problems),
        outputs=dict(outputs) if isinstance(outputs, Mapping) else {},
        message=message,
        depends_on=[str(d) for d in _list(step.get("dependsOn"))],
        timeout=_integer(step.get("timeout")),
    )


def _message(program: Program, key: str, step: Mapping[str, Any]) -> MessageOutline:
    found = program.targets.lookup_async(program.document(key), step)
    operation, channel = found.operation, found.channel
    if operation is not None and channel is None:
        channel = operation.channel
    action = step.get("action")
    correlation = step.get("correlationId")
    problem = found.problem
    if problem is None and found.unchecked:
        problem = "its AsyncAPI source did not load"
    return MessageOutline(
        source=found.source.name if found.source is not None else None,
        action=action if isinstance(action, str) else None,
        operation_id=operation.operation_id if operation is not None else None,
        channel=channel.name if channel is not None else None,
        address=channel.address if channel is not None else None,
        correlation_id=correlation if isinstance(correlation, str) else None,
        problem=problem)


def _operation(program: Program, key: str, step: Mapping[str, Any]) -> OperationOutline:
    operation_id = step.get("operationId")
    try:
        target = program.resolve_operation(key, step)
    except ArazzoError as exc:
        return OperationOutline(source=None, method=None, path=None,
                                operation_id=operation_id if isinstance(
                                    operation_id, str) else None, problem=str(exc))
    return OperationOutline(source=target.source.name, method=target.operation.method,
                            path=target.operation.path,
                            operation_id=target.operation.operation_id)


def _parameters(program: Program, key: str, declared: Any,
                problems: list[str]) -> list[ParameterOutline]:
    found = []
    for node in _list(declared):
        reference = node.get("reference") if isinstance(node, Mapping) else None
        try:
            parameter = program.reusable(key, node, "parameters")
        except ArazzoError as exc:
            problems.append(str(exc))
            continue
        if not isinstance(parameter, Mapping):
            continue
        location = parameter.get("in")
        found.append(ParameterOutline(
            name=str(parameter.get("name")),
            location=location if isinstance(location, str) else None,
            value=parameter.get("value"),
            reference=reference if isinstance(reference, str) else None,
        ))
    return found


def _criteria(declared: Any) -> list[CriterionOutline]:
    found = []
    for node in _list(declared):
        if not isinstance(node, Mapping):
            continue
        context = node.get("context")
        found.append(CriterionOutline(condition=str(node.get("condition", "")),
                                      type=_criterion_type(node.get("type")),
                                      context=context if isinstance(context, str) else None))
    return found


def _criterion_type(declared: Any) -> str:
    if isinstance(declared, Mapping):
        name, version = declared.get("type"), declared.get("version")
        return f"{name}:{version}" if version else str(name)
    return str(declared) if isinstance(declared, str) else "simple"


def _actions(program: Program, key: str, workflow: Mapping[str, Any], step: Mapping[str, Any],
             kind: str, problems: list[str]) -> list[ActionOutline]:
    """The step's own actions, then the workflow's it does not override by name (as run)."""
    step_field, workflow_field = _ACTION_FIELDS[kind]
    own = _action_list(program, key, step.get(step_field), workflow_field, False, problems)
    names = {a.name for a in own}
    inherited = _action_list(program, key, workflow.get(workflow_field), workflow_field, True,
                             problems)
    return own + [a for a in inherited if a.name not in names]


def _action_list(program: Program, key: str, declared: Any, kind: str, inherited: bool,
                 problems: list[str]) -> list[ActionOutline]:
    found = []
    for node in _list(declared):
        reference = node.get("reference") if isinstance(node, Mapping) else None
        try:
            action = program.reusable(key, node, kind)
        except ArazzoError as exc:
            problems.append(str(exc))
            continue
        if not isinstance(action, Mapping):
            continue
        found.append(ActionOutline(
            type=str(action.get("type")),
            name=_text(action.get("name")),
            step_id=_text(action.get("stepId")),
            workflow_id=_text(action.get("workflowId")),
            criteria=_criteria(action.get("criteria")),
            retry_after=_number(action.get("retryAfter")),
            retry_limit=_integer(action.get("retryLimit")),
            inherited=inherited,
            reference=reference if isinstance(reference, str) else None,
        ))
    return found


# small helpers ----------------------------------------------------------------------------

def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None

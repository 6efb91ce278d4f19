"""Rules about names that must point at something: steps, workflows, components."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from arazzo_engine.document import resolve_pointer
from arazzo_engine.validation._context import (
    QUALIFIED,
    REFERENCE,
    ValidationContext,
    items,
    suggest,
    text_of,
)
from arazzo_engine.validation._diagnostic import Finding
from arazzo_engine.validation._forms import workflow_id_form
from arazzo_engine.validation._registry import rule
from arazzo_engine.validation._rules._walk import action_lists, parameter_lists

LIST_KINDS = {"parameters": "parameters", "success": "successActions",
              "failure": "failureActions"}


def workflow_problem(ctx: ValidationContext, text: str) -> tuple[str, str | None] | None:
    """Why ``text`` names no workflow (message, hint), or None when it resolves or cannot be
    checked because its source was not loaded (that is reported once, at the source)."""
    form = workflow_id_form(text, ctx.source_names)
    if form is not None and text not in ctx.workflows_by_id:
        return f"workflowId `{text}` {form[0]}", form[1]
    pointer_form = _workflow_by_pointer(ctx, text)
    if pointer_form is not None:
        return pointer_form
    qualified = QUALIFIED.match(text)
    if qualified:
        name, workflow_id = qualified["source"], qualified["name"]
        if name not in ctx.source_names:
            return (f"`{name}` is not a declared source description",
                    suggest(name, ctx.source_names))
        declared = declared_type(ctx, name)
        if declared == "openapi":  # settled by the declaration, loaded or not
            return (f"source `{name}` is declared `type: openapi`: an OpenAPI description has "
                    "operations, not workflows", "workflows come only from this document and "
                    "from `type: arazzo` sources")
        source = ctx.sources.get(name)
        if source is None or source.document is None:
            return None
        if source.type != "arazzo":
            return f"source `{name}` is not an Arazzo description, so it has no workflows", None
        data = source.document.data if isinstance(source.document.data, dict) else {}
        ids = {text_of(w, "workflowId") for _, w in items(data.get("workflows"), "/workflows")}
        if workflow_id not in ids:
            known = {i for i in ids if isinstance(i, str)}
            return (f"workflow `{workflow_id}` does not exist in source `{name}` ({source.url})",
                    suggest(workflow_id, known))
        return None
    if text in ctx.workflows_by_id:
        return None
    for source in ctx.sources.values():
        data = source.document.data if source.document and isinstance(source.document.data,
                                                                      dict) else {}
        if source.type == "arazzo" and any(w.get("workflowId") == text
                                           for _, w in items(data.get("workflows"), "")):
            return (f"workflow `{text}` lives in source `{source.name}`; since Arazzo 1.0.1 it "
                    "must be referenced with a runtime expression",
                    f"write $sourceDescriptions.{source.name}.{text}")
    return (f"workflow `{text}` does not exist in this document",
            suggest(text, set(ctx.workflows_by_id)))


def declared_type(ctx: ValidationContext, name: str) -> str | None:
    """The ``type`` the document declares for source ``name`` (None when it says none)."""
    for _, node in items(ctx.data.get("sourceDescriptions"), "/sourceDescriptions"):
        if node.get("name") == name:
            return text_of(node, "type")
    return None


_POINTER_FORM = re.compile(r"^\$sourceDescriptions\.(?P<source>[^.#]+)#(?P<pointer>/.*)$")


def _workflow_by_pointer(ctx: ValidationContext, text: str) -> tuple[str, str | None] | None:
    """``$sourceDescriptions.x#/workflows/0``: a JSON pointer where Arazzo names the workflow;
    the hint gives the workflowId it points at when the source was read."""
    match = _POINTER_FORM.match(text)
    if match is None or match["source"] not in ctx.source_names:
        return None
    source = ctx.sources.get(match["source"])
    found = None
    if source is not None and source.document is not None:
        with contextlib.suppress(KeyError, ValueError):
            target = resolve_pointer(source.document.data, match["pointer"])
            found = text_of(target, "workflowId") if isinstance(target, dict) else None
    if found is None:
        tail = match["pointer"].rsplit("/", 1)[-1]
        found = tail if not tail.isdigit() else "<workflowId>"
    return (f"workflowId `{text}` is not the Arazzo form: a source's workflow is named by its "
            "workflowId, not by a JSON pointer", f"write $sourceDescriptions.{match['source']}."
            f"{found}")


@rule("workflow-target", "error", "a step's workflowId names an existing workflow")
def workflow_target(ctx: ValidationContext) -> Iterator[Finding]:
    for step in ctx.steps():
        target = step.node.get("workflowId")
        if isinstance(target, str):
            problem = workflow_problem(ctx, target)
            if problem:
                yield Finding(problem[0], step.pointer + "/workflowId", hint=problem[1])


@rule("action-target", "error",
      "goto and retry targets exist: stepIds in the same workflow, workflowIds anywhere")
def action_target(ctx: ValidationContext) -> Iterator[Finding]:
    for site in action_lists(ctx):
        assert site.workflow is not None, "action lists belong to a workflow"
        step_ids = site.workflow.step_ids()
        for pointer, node, referenced in ctx.effective(site.value, site.pointer):
            name = node.get("name")
            via = " (from its component)" if referenced else ""
            step_id, workflow_id = node.get("stepId"), node.get("workflowId")
            if isinstance(step_id, str) and step_id not in step_ids:
                yield Finding(
                    f"action `{name}`{via} goes to step `{step_id}`, which workflow "
                    f"`{site.workflow.id}` does not have", pointer if referenced
                    else pointer + "/stepId", hint=suggest(step_id, step_ids))
            if isinstance(workflow_id, str):
                problem = workflow_problem(ctx, workflow_id)
                if problem:
                    yield Finding(f"action `{name}`{via}: {problem[0]}",
                                  pointer if referenced else pointer + "/workflowId",
                                  hint=problem[1])


@rule("depends-on", "error",
      "dependsOn names existing workflows, each once, without cycles")
def depends_on(ctx: ValidationContext) -> Iterator[Finding]:
    graph: dict[str, list[str]] = {}
    for workflow in ctx.workflows:
        value = workflow.node.get("dependsOn")
        if not isinstance(value, list):
            continue
        seen: dict[str, int] = {}
        for index, target in enumerate(value):
            if not isinstance(target, str):
                continue
            pointer = f"{workflow.pointer}/dependsOn/{index}"
            if target in seen:
                yield Finding(f"`{target}` is already listed as item {seen[target]} of "
                              "dependsOn", pointer, anchor="value", severity="warning")
                continue
            seen[target] = index
            if target == workflow.id:
                yield Finding(f"workflow `{target}` depends on itself", pointer, anchor="value")
                continue
            problem = workflow_problem(ctx, target)
            if problem:
                yield Finding(problem[0], pointer, hint=problem[1], anchor="value")
            elif workflow.id and target in ctx.workflows_by_id:
                graph.setdefault(workflow.id, []).append(target)
    for cycle in _cycles(graph):
        workflow = ctx.workflows_by_id[cycle[0]]
        chain = " -> ".join(f"`{w}`" for w in [*cycle, cycle[0]])
        yield Finding(f"dependsOn forms a cycle: {chain}", workflow.pointer + "/dependsOn")


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each dependency cycle once, as its members in document order."""
    def reach(start: str) -> set[str]:
        seen: set[str] = set()
        stack = list(graph.get(start, []))
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(graph.get(current, []))
        return seen

    reachable = {node: reach(node) for node in graph}
    cycles: list[list[str]] = []
    placed: set[str] = set()
    for node in graph:
        if node in placed or node not in reachable[node]:
            continue
        members = [n for n in graph if n == node or (n in reachable[node]
                                                     and node in reachable.get(n, set()))]
        placed.update(members)
        cycles.append(members)
    return cycles


@rule("component-ref", "error",
      "Reusable Objects reference an existing component of the right kind")
def component_ref(ctx: ValidationContext) -> Iterator[Finding]:
    sites = [*parameter_lists(ctx), *action_lists(ctx)]
    for site in sites:
        wanted = LIST_KINDS[site.kind]
        for pointer, node in items(site.value, site.pointer):
            reference = node.get("reference")
            if not isinstance(reference, str):
                continue
            match = REFERENCE.match(reference)
            if match is None:
                yield Finding(f"`{reference}` is not a component reference; write "
                              f"$components.{wanted}.<name>", pointer + "/reference")
                continue
            if match["kind"] != wanted:
                yield Finding(f"`{reference}` names a `{match['kind']}` component where "
                              f"`{wanted}` belong", pointer + "/reference")
                continue
            available = ctx.components(wanted)
            if match["name"] not in available:
                yield Finding(f"component `{match['name']}` does not exist in "
                              f"components.{wanted}", pointer + "/reference",
                              hint=suggest(match["name"], set(available)))
            elif "value" in node and wanted != "parameters":
                yield Finding("`value` applies only to references to parameters",
                              pointer + "/value", severity="warning")

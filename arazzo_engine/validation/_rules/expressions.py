"""Rules about runtime expressions: they parse, and what they name exists."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from arazzo_engine.document import join_pointer, resolve_pointer
from arazzo_engine.validation._context import (
    COMPONENT_KINDS,
    ValidationContext,
    Workflow,
    suggest,
)
from arazzo_engine.validation._diagnostic import Finding
from arazzo_engine.validation._registry import rule
from arazzo_engine.validation._rules._sites import Site, compiled_values, references

#: Roots that read the current HTTP request or response.
EXCHANGE_ROOTS = ("response", "request", "statusCode", "url", "method")


@rule("expression-syntax", "error",
      "runtime expressions in values and outputs parse; outputs are expressions")
def expression_syntax(ctx: ValidationContext) -> Iterator[Finding]:
    for entry in compiled_values(ctx):
        site = entry.site
        if isinstance(site.text, dict):
            continue  # a Selector Object (Arazzo 1.1): selector-syntax
        if entry.error is not None:
            yield Finding(f"invalid runtime expression: {entry.error.message}", site.pointer,
                          anchor="value", offset=entry.error.column - 1,
                          hint=_bare_root_hint(site.text))
        elif site.kind == "output" and not list(entry.compiled.references()):
            yield Finding(f"output value `{site.text}` is not a runtime expression",
                          site.pointer, anchor="value",
                          hint="outputs are computed, e.g. $response.body#/id")


@rule("bare-expression", "warning",
      "expressions inside strings are wrapped in braces ({$inputs.token})")
def bare_expression(ctx: ValidationContext) -> Iterator[Finding]:
    """``Bearer $inputs.token``: by the letter of the spec only ``{$...}`` is an expression
    inside a string, so other tools send the text as written; arazzo-engine substitutes it
    (docs/semantics.md, point 13). The hint is the exact text that every tool reads alike."""
    for entry in compiled_values(ctx):
        compiled = entry.compiled
        if entry.site.kind != "value" or compiled is None \
                or not getattr(compiled, "uses_bare_embedding", False):
            continue  # outputs are expressions, never text sent to an API
        if entry.site.text.startswith("$"):
            continue  # one expression cut short by a space: the reference rules say why
        references = compiled.references()
        names = ", ".join(dict.fromkeys(f"`{r.text}`" for r in references))
        yield Finding(f"`{entry.site.text}` has {names} without braces: Arazzo reads that as "
                      "literal text (arazzo-engine substitutes it; other tools send it as "
                      "written)", entry.site.pointer, anchor="value",
                      offset=max(0, references[0].column - 1) if references else 0,
                      hint=f"write `{compiled.braced()}`")


@rule("step-output-ref", "error",
      "$steps.<id>.outputs.<name> names a step of the workflow and an output it declares")
def step_output_ref(ctx: ValidationContext) -> Iterator[Finding]:
    for site, ref in references(ctx):
        if ref.root != "steps" or site.workflow is None or not ref.segments:
            continue
        steps = site.workflow.steps_by_id
        step_id = ref.segments[0]
        step = steps.get(step_id)
        where = site.workflow.pointer
        if step is None:
            spaced = next((s for i, s in steps.items() if i.startswith(step_id + " ")), None)
            if spaced is not None:  # `$steps.Search Articles_0...` ends at the space
                yield _at(site, ref, f"`{ref.text}`: workflow `{site.workflow.id}` has no step "
                          f"`{step_id}`; step `{spaced.id}` cannot be named in an expression, "
                          "which ends at the first space", "give the step an id of letters, "
                          "digits, `_` and `-`", cause=f"node:{spaced.pointer}/stepId")
                continue
            yield _at(site, ref, f"`{ref.text}`: workflow `{site.workflow.id}` has no step "
                      f"`{step_id}`", suggest(step_id, set(steps)),
                      cause=f"step:{where}:{step_id}")
            continue
        if len(ref.segments) < 2 or ref.segments[1] != "outputs":
            # Another tool's habit, in every step that reads another's values: one root cause.
            yield _at(site, ref, *_without_outputs(ref, step_id, step.node),
                      cause=f"step-form:{where}:{step_id}", alike="form:$steps without outputs")
            continue
        if len(ref.segments) < 3:
            yield _at(site, ref, *_no_output_named(ref, f"$steps.{step_id}.outputs", step.node))
            continue
        yield from _undeclared_output(site, ref, f"step `{step_id}`", step.node,
                                      f"{step.pointer}/outputs")


@rule("workflow-ref", "error",
      "$workflows.<id> names an existing workflow, and .outputs.<name> an output it declares")
def workflow_ref(ctx: ValidationContext) -> Iterator[Finding]:
    for site, ref in references(ctx):
        if ref.root != "workflows" or not ref.segments:
            continue
        workflow = ctx.workflows_by_id.get(ref.segments[0])
        if workflow is None:
            yield _at(site, ref, f"`{ref.text}`: there is no workflow `{ref.segments[0]}`",
                      suggest(ref.segments[0], set(ctx.workflows_by_id)),
                      cause=f"workflow:{ref.segments[0]}")
            continue
        if len(ref.segments) < 2:
            continue
        part = ref.segments[1]
        if part not in ("inputs", "outputs"):
            yield _at(site, ref, f"`{ref.text}`: a workflow exposes only `inputs` and `outputs`")
        elif part == "outputs" and len(ref.segments) == 2:
            yield _at(site, ref, *_no_output_named(
                ref, f"$workflows.{workflow.id}.outputs", workflow.node))
        elif part == "outputs":
            yield from _undeclared_output(site, ref, f"workflow `{workflow.id}`", workflow.node,
                                          f"{workflow.pointer}/outputs")


@rule("component-expression-ref", "error",
      "$components.<kind>.<name> names an existing component")
def component_expression_ref(ctx: ValidationContext) -> Iterator[Finding]:
    for site, ref in references(ctx):
        if ref.root != "components" or not ref.segments:
            continue
        kind = ref.segments[0]
        if kind not in COMPONENT_KINDS:
            yield _at(site, ref, f"`{ref.text}`: components have no `{kind}` section",
                      suggest(kind, set(COMPONENT_KINDS)))
        elif len(ref.segments) > 1 and ref.segments[1] not in ctx.components(kind):
            yield _at(site, ref, f"`{ref.text}`: there is no component `{ref.segments[1]}` in "
                      f"components.{kind}", suggest(ref.segments[1], set(ctx.components(kind))),
                      cause=f"component:{kind}:{ref.segments[1]}")


@rule("source-ref", "error",
      "$sourceDescriptions.<name> names a declared source description (1.1: and <reference> "
      "an operationId, workflowId or field of it)")
def source_ref(ctx: ValidationContext) -> Iterator[Finding]:
    for site, ref in references(ctx):
        if ref.root != "sourceDescriptions" or not ref.segments:
            continue
        if ref.segments[0] not in ctx.source_names:
            yield _at(site, ref, f"`{ref.text}`: there is no source description "
                      f"`{ref.segments[0]}`", suggest(ref.segments[0], ctx.source_names),
                      cause=f"source:{ref.segments[0]}")
        elif ctx.spec != "1.0" and len(ref.segments) > 1:
            known = _source_references(ctx, ref.segments[0])
            if known is not None and ref.segments[1] not in known \
                    and not ref.segments[1].startswith("x-"):
                yield _at(site, ref, f"`{ref.text}`: source `{ref.segments[0]}` has no "
                          f"operationId, workflowId or field `{ref.segments[1]}`",
                          suggest(ref.segments[1], known))


#: Source Description Object fields a ``$sourceDescriptions.<name>.<field>`` may read.
SOURCE_FIELDS = ("name", "url", "type")


def _source_references(ctx: ValidationContext, name: str) -> set[str] | None:
    """Arazzo 1.1 "Source Description Expression Resolution": what ``<reference>`` may be,
    operationIds (OpenAPI, AsyncAPI) or workflowIds (Arazzo) first, then the fields; None when
    the source could not be read (reported at the source)."""
    source = ctx.sources.get(name)
    if source is None or source.document is None:
        return None
    names = set(SOURCE_FIELDS)
    if source.type == "arazzo":
        data = source.document.data if isinstance(source.document.data, dict) else {}
        workflows = data.get("workflows")
        names |= {w["workflowId"] for w in workflows if isinstance(w, dict)
                  and isinstance(w.get("workflowId"), str)} if isinstance(workflows, list) \
            else set()
    elif source.type == "asyncapi":
        index = ctx.async_index_of(source)
        names |= set(index.operation_ids) if index is not None else set()
    else:
        description = ctx.description(source)
        names |= set(description.operation_ids) if description is not None else set()
    return names


@rule("self-ref", "warning",
      "$self (Arazzo 1.1) is read only in a document that declares `$self`")
def self_ref(ctx: ValidationContext) -> Iterator[Finding]:
    if ctx.spec == "1.0" or "$self" in ctx.data:
        return
    for site, ref in references(ctx):
        if ref.root == "self":
            yield _at(site, ref, "`$self` reads the document's `$self` URI, and this document "
                      "declares none: it is missing at run time",
                      "add `$self: <its URI>` at the top of the document")


@rule("input-undeclared", "warning",
      "$inputs.<name> is declared by the workflow's inputs schema")
def input_undeclared(ctx: ValidationContext) -> Iterator[Finding]:
    for site, ref in references(ctx):
        if ref.root != "inputs" or site.workflow is None or not ref.segments:
            continue
        declared = declared_inputs(ctx, site.workflow)
        if declared is not None and not _declares(dict.fromkeys(declared), _dotted(ref)):
            where = "declares no inputs" if "inputs" not in site.workflow.node \
                else "does not declare it in its inputs schema"
            name = ".".join(_dotted(ref)) or ref.segments[0]
            yield _at(site, ref, f"`{ref.text}`: workflow `{site.workflow.id}` {where}",
                      suggest(name, declared), cause=f"input:{site.workflow.pointer}:{name}")


@rule("exchange-unavailable", "warning",
      "$response, $request, $statusCode, $url and $method are read only where an HTTP "
      "exchange exists")
def exchange_unavailable(ctx: ValidationContext) -> Iterator[Finding]:
    for site, ref in references(ctx):
        if ref.root == "message":
            why = _no_message(ctx, site)
            if why:
                yield _at(site, ref, f"`{ref.text}` reads an AsyncAPI message, but {why}",
                          "only an AsyncAPI step sends or receives a message")
            continue
        if ref.root not in EXCHANGE_ROOTS:
            continue
        problem = _no_exchange(site)
        if problem is None and site.step is not None and ctx.step_api(site.step) == "asyncapi":
            problem = (f"step `{site.step.id}` is an AsyncAPI step, which exchanges a message, "
                       "not an HTTP request", "read the message with $message.header.<name> or "
                       "$message.payload")
        if problem:
            yield _at(site, ref, f"`{ref.text}` reads an HTTP exchange, but {problem[0]}",
                      problem[1])


def _no_message(ctx: ValidationContext, site: Site) -> str | None:
    """Why no ``$message`` exists where ``site`` is evaluated, or None."""
    if site.step is None:
        return "it is not read in a step" if site.workflow is not None else None
    if ctx.step_api(site.step) != "asyncapi":
        return f"step `{site.step.id}` is not an AsyncAPI step"
    if site.kind == "value" and site.step.node.get("action") == "receive":
        return (f"step `{site.step.id}`'s parameters and request body are evaluated before it "
                "receives one")
    return None


def _no_exchange(site: Site) -> tuple[str, str] | None:
    """Why no request/response exists where ``site`` is evaluated (message, hint), or None."""
    if site.step is None and site.workflow is not None and site.kind == "output":
        return ("a workflow's outputs are computed after its steps, when no exchange is "
                "current", "give a step that output and read $steps.<stepId>.outputs.<name>")
    if site.step is not None and site.step.kind == "workflow":
        return (f"step `{site.step.id}` calls a workflow and sends no request itself",
                "read the called workflow's outputs with $outputs.<name>")
    if site.kind == "value" and site.workflow is not None:
        where = f"step `{site.step.id}`'s parameters and request body are" \
            if site.step is not None else f"workflow `{site.workflow.id}`'s parameters are"
        return (f"{where} evaluated to build a request, so no exchange exists yet",
                "read an earlier step's values with $steps.<stepId>.outputs.<name>")
    return None


def declared_inputs(ctx: ValidationContext, workflow: Workflow) -> set[str] | None:
    """Property names the inputs schema declares; None when it cannot be told."""
    if "inputs" not in workflow.node:
        return set()
    names: set[str] = set()
    open_ended = _collect(ctx, workflow.node["inputs"], names, depth=0)
    return None if open_ended else names


def _collect(ctx: ValidationContext, schema: Any, names: set[str], depth: int) -> bool:
    """Adds declared property names; True when the schema admits names we cannot list."""
    if not isinstance(schema, dict) or depth > 20:
        return True
    ref = schema.get("$ref")
    if isinstance(ref, str):
        pointer = ref.removeprefix("#")
        if pointer and not pointer.startswith("/"):  # a plain name: an $anchor
            pointer = ctx.anchors.get(pointer, "?")
        try:
            return _collect(ctx, resolve_pointer(ctx.data, pointer), names, depth + 1)
        except (KeyError, ValueError):
            return True
    properties = schema.get("properties")
    if isinstance(properties, dict):
        names.update(properties)
    open_ended = not isinstance(properties, dict) and "patternProperties" in schema
    for keyword in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(keyword, []) if isinstance(schema.get(keyword), list) else []:
            open_ended |= _collect(ctx, part, names, depth + 1)
    return open_ended or (not names and not isinstance(properties, dict)
                          and not any(k in schema for k in ("allOf", "anyOf", "oneOf")))


def _undeclared_output(site: Any, ref: Any, owner: str, node: dict[str, Any],
                       outputs_pointer: str) -> Iterator[Finding]:
    """``ref.segments[2:]`` must name an output that ``node`` (a step or workflow) declares.

    A reference that spells, character for character, an output declared under a name the
    schema refuses (``results[0].id``) is an echo of that refusal: it gets the declaration's
    cause, so the bad name is reported once with its references counted in it."""
    outputs = node.get("outputs")
    declared = outputs if isinstance(outputs, dict) else {}
    if _declares(declared, ref.segments[2:]):
        return
    spelled = "".join(str(a) for a in ref.accessors[2:]).removeprefix(".")
    # The reference spells the bad name, or its start up to a space (where an expression ends).
    named = next((k for k in declared if k == spelled or k.startswith(spelled + " ")), None)
    cause = f"node:{join_pointer(outputs_pointer, named)}" if named is not None \
        else f"output:{outputs_pointer}:{ref.segments[2]}"
    yield _at(site, ref, f"`{ref.text}`: {owner} declares no output `{ref.segments[2]}`",
              suggest(ref.segments[2], set(declared)), cause=cause)


#: Roots that must be followed by a name (``$inputs.<name>``): alone they name nothing.
_NAMED_ROOTS = ("$inputs", "$outputs", "$steps", "$workflows", "$sourceDescriptions",
                "$components")


def _bare_root_hint(text: str) -> str | None:
    """``$inputs`` alone: the spec's expressions name one value, never the whole map."""
    bare = text.strip().rstrip(".")
    if bare in _NAMED_ROOTS:
        return (f"`{bare}` alone names no value: an expression names one, as in "
                f"`{bare}.<name>`")
    return None


def _no_output_named(ref: Any, prefix: str, node: dict[str, Any]) -> tuple[str, str]:
    """``$steps.x.outputs`` with no name: the message, and the names it could have meant."""
    outputs = node.get("outputs")
    declared = sorted(outputs) if isinstance(outputs, dict) else []
    listed = ", ".join(f"`{prefix}.{name}`" for name in declared[:5])
    more = f" (and {len(declared) - 5} more)" if len(declared) > 5 else ""
    return (f"`{ref.text}` names no output: the spec's expressions name one output, never "
            "the whole map",
            f"name one: {listed}{more}" if declared else f"write `{prefix}.<name>` and "
            "declare that output")


def _without_outputs(ref: Any, step_id: str, node: dict[str, Any]) -> tuple[str, str]:
    """``$steps.x.token``: the message and the exact Arazzo form, ``$steps.x.outputs.token``."""
    rest = "".join(str(a) for a in ref.accessors[1:])
    fixed = f"$steps.{step_id}.outputs{rest}" + (f"#{ref.pointer}" if ref.pointer is not None
                                                 else "")
    outputs = node.get("outputs")
    declared = outputs if isinstance(outputs, dict) else {}
    name = ref.segments[1] if len(ref.segments) > 1 else None
    if name is None:
        return (f"`{ref.text}` names a step, not a value: a step's values are its outputs",
                f"write $steps.{step_id}.outputs.<name>")
    also = "" if _declares(declared, ref.segments[1:]) else \
        f", and declare `{name}` in the outputs of step `{step_id}`"
    return (f"`{ref.text}` is not the Arazzo form: a step exposes its values only under "
            "`outputs`", f"write {fixed}{also}")


def _dotted(ref: Any) -> tuple[str, ...]:
    """The names of ``ref`` written with dots from its start: the candidates for one literal
    name such as ``$.xgafv`` (``$inputs.$.xgafv``), as the executor reads them."""
    names: list[str] = []
    for accessor in ref.accessors:
        if not accessor.dotted:
            break
        names.append(str(accessor.key))
    return tuple(names)


def _declares(declared: Mapping[str, Any], names: tuple[str, ...]) -> bool:
    """Output names may contain dots, so ``a.b.c`` matches an output ``a``, ``a.b`` or ``a.b.c``
    (what follows is navigation into its value). A candidate never grows past the longest
    declared name, so a hostile chain of names costs no more than the names declared."""
    longest = max((len(k) for k in declared), default=0)
    key = ""
    for position, name in enumerate(names):
        key = name if position == 0 else f"{key}.{name}"
        if len(key) > longest:
            return False
        if key in declared:
            return True
    return False


def _at(site: Any, ref: Any, message: str, hint: str | None = None,
        cause: str | None = None, alike: str | None = None) -> Finding:
    return Finding(message, site.pointer, hint=hint, anchor="value",
                   offset=max(0, getattr(ref, "column", 1) - 1), cause=cause, alike=alike)

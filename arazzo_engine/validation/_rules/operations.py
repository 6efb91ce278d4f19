"""Rules that open the source descriptions: operations exist, parameters fit them."""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from arazzo_engine.document import Source
from arazzo_engine.document._base import base_uri, declared_self, self_uri
from arazzo_engine.openapi import Operation, RefProblem, parse_operation_path
from arazzo_engine.validation._context import (
    QUALIFIED,
    Step,
    ValidationContext,
    text_of,
)
from arazzo_engine.validation._diagnostic import Finding, Severity
from arazzo_engine.validation._registry import rule

#: OpenAPI says parameter definitions with these header names SHALL be ignored.
IGNORED_HEADERS = {"accept", "content-type", "authorization"}
LOCATIONS = ("path", "query", "querystring", "header", "cookie")


@rule("source-load", "error",
      "every source description can be read and is of its declared type")
def source_load(ctx: ValidationContext) -> Iterator[Finding]:
    for source in ctx.sources.values():
        pointer = source.pointer + "/url"
        if source.problem and source.skipped:
            yield Finding(f"source `{source.name}` was not loaded ({source.problem}); the "
                          "operations and workflows it provides were not checked"
                          f"{_users(ctx, source, ': it is used by {}')}", pointer,
                          severity="warning", hint=_self_hint(ctx, source))
        elif source.problem:
            problem = source.problem.removeprefix(f"{source.location}: ")
            yield Finding(f"source `{source.name}` ({source.url}) cannot be loaded: {problem}"
                          f"{_users(ctx, source, '; it leaves {} unchecked')}",
                          pointer, hint=_self_hint(ctx, source))
        elif source.document is not None:
            wrong = _kind_problem(ctx, source.type, source.document.data)
            if wrong:
                yield Finding(f"source `{source.name}` ({source.url}) {wrong}", pointer)


@rule("source-self", "warning",
      "Arazzo 1.1: an Arazzo source that declares `$self` is referenced by that URI")
def source_self(ctx: ValidationContext) -> Iterator[Finding]:
    """"References MUST use the target document's `$self` URI if the `$self` field is present
    in that document": we still find a document by where it lies, as 1.0 did, but other tools
    look for it by its identity, so a reference by location is not portable."""
    if ctx.spec == "1.0":
        return
    for source in ctx.sources.values():
        if source.document is None or source.problem:
            continue
        identity = self_uri(source.document)
        if identity is None:
            continue
        location = source.location
        if not urlsplit(location).scheme or len(urlsplit(location).scheme) == 1:
            location = Path(location).resolve().as_uri()
        if location != identity:
            yield Finding(f"source `{source.name}` names its Arazzo document by where it lies "
                          f"({source.url}), but that document declares `$self: "
                          f"{declared_self(source.document.data)}` ({identity}): "
                          "Arazzo 1.1 references MUST use a document's `$self` (other tools "
                          "find documents by it, not by their location)",
                          source.pointer + "/url",
                          hint=f"write url: {_reference_to(identity, base_uri(ctx.document))}")


def _reference_to(target: str, base: str) -> str:
    """``target`` as a reference from a document whose base URI is ``base``: relative when
    both are on the same scheme and host, else the absolute URI."""
    to, start = urlsplit(target), urlsplit(base)
    if (to.scheme, to.netloc) != (start.scheme, start.netloc) or to.query:
        return target
    return posixpath.relpath(to.path, posixpath.dirname(start.path) or "/")


def _self_hint(ctx: ValidationContext, source: Source) -> str | None:
    """A relative URL read against a 1.1 document's ``$self`` lands where the author may not
    expect (Appendix B: "regardless of the retrieval URI"): say so."""
    own = declared_self(ctx.data)
    if own is None or urlsplit(source.url).scheme or source.url.startswith("/"):
        return None
    return (f"`{source.url}` is relative, so it resolves against the document's `$self` "
            f"({base_uri(ctx.document)}), not against where the file lies")


def _kind_problem(ctx: ValidationContext, declared: str | None, data: Any) -> str | None:
    """Why a loaded source is not what its type says it is (None when it is)."""
    data = data if isinstance(data, dict) else {}
    if declared == "arazzo":
        return None if "arazzo" in data else "is typed arazzo but is not an Arazzo description"
    if declared == "asyncapi":
        if ctx.spec == "1.0":
            return ("is an AsyncAPI description, which Arazzo 1.0 cannot use: AsyncAPI "
                    "sources are Arazzo 1.1 (write arazzo: 1.1.0)")
        from arazzo_engine.asyncapi import asyncapi_version, is_supported  # AsyncAPI only

        version = asyncapi_version(data)
        if version is None:
            return "is typed asyncapi but is not an AsyncAPI description"
        if not is_supported(version):
            return (f"is AsyncAPI {version}; AsyncAPI 2.x and 3.0 are supported, so its "
                    "operations cannot be resolved")
        return None
    if _is_openapi(data):
        return None
    return ("is neither an OpenAPI 3.x nor a Swagger 2.0 description (it has no `openapi` or "
            "`swagger` version); its operations cannot be resolved")


def _users(ctx: ValidationContext, source: Source, phrase: str) -> str:
    """The steps an unread source leaves unchecked, in ``phrase`` (``{}`` is "3 steps (`a`,
    `b`, `c`)"): one root cause, with what it hides counted in it."""
    names = []
    for step in ctx.steps():
        target = step.node.get("workflowId")
        if isinstance(target, str):
            uses = target.startswith(f"$sourceDescriptions.{source.name}.")
        else:
            found = ctx.lookup_operation(step)
            uses = found.unchecked and found.source is source
        if uses:
            names.append(f"`{step.id}`")
    if not names:
        return ""
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5:,} more" if len(names) > 5 else "")
    steps = f"{len(names):,} step{'s' if len(names) > 1 else ''} ({shown})"
    return phrase.format(steps)


def _is_openapi(data: dict[str, Any]) -> bool:
    return str(data.get("openapi", "")).startswith("3.") or \
        str(data.get("swagger", "")).startswith("2.")


@rule("openapi-ref", "error",
      "every $ref of an operation a step calls can be followed (other files included), "
      "reported where the $ref is written")
def openapi_ref(ctx: ValidationContext) -> Iterator[Finding]:
    reported: set[tuple[str, str]] = set()
    for step in ctx.steps():
        if ctx.step_api(step) != "openapi":
            continue
        found = ctx.lookup_operation(step)
        if found.description is None:
            continue
        problems = list(found.description.problems)  # path items: their operations are unknown
        if found.operation is not None:
            problems += found.description.ref_problems(found.operation)
        for problem in problems:
            key = (problem.at.file, problem.at.pointer)
            if key in reported:
                continue
            reported.add(key)
            where = "a path item" if problem in found.description.problems or \
                found.operation is None else f"operation {found.operation.label}"
            source = found.source.name if found.source else "?"
            cause, alike = _ref_cause(problem)
            yield Finding(f"{problem.message} ({where} of source `{source}`, which step "
                          f"`{step.id}` uses)", problem.at.pointer,
                          document=problem.at.document, anchor="value",
                          severity="warning" if problem.skipped else None,
                          cause=cause, alike=alike)


def _ref_cause(problem: RefProblem) -> tuple[str, str | None]:
    """One root cause per missing thing (see _grouping): every ``$ref`` to the same missing
    target, or into the same file that cannot be read; and one kind of mistake per place
    that lacks them, as when a description cut out of a larger one keeps ``$ref``s to sixty
    schemas it no longer has (``#/components/schemas/address``, ``.../source``...)."""
    if problem.target is None:
        return f"ref:{problem.message}", None  # a circular chain, a location no path can hold
    if problem.fragment is None:
        return f"ref-file:{problem.target}", None
    container = problem.fragment.rsplit("/", 1)[0] if problem.fragment.startswith("/") \
        else "(anchors)"
    return (f"ref:{problem.target}#{problem.fragment}",
            f"ref-under:{problem.target}#{container}")


@rule("operation-resolved", "error",
      "every operationId and operationPath names an operation of a source description")
def operation_resolved(ctx: ValidationContext) -> Iterator[Finding]:
    for step in ctx.steps():
        field = next((f for f in ("operationId", "operationPath")
                      if isinstance(step.node.get(f), str)), None)
        if field is None or ctx.step_api(step) == "asyncapi":
            continue  # AsyncAPI steps: asyncapi-resolved
        found = ctx.lookup_operation(step)
        if found.problem:
            yield Finding(found.problem, f"{step.pointer}/{field}", hint=found.hint,
                          cause=ctx.lookup_cause(step), alike=ctx.lookup_form(step))


@rule("operation-path-syntax", "warning",
      "operationPath uses the {$sourceDescriptions.<name>.url}#<pointer> form")
def operation_path_syntax(ctx: ValidationContext) -> Iterator[Finding]:
    for step in ctx.steps():
        text = step.node.get("operationPath")
        if not isinstance(text, str):
            continue
        try:
            parse_operation_path(text)
        except ValueError:
            try:
                name, pointer = parse_operation_path(text, lenient=True)
            except ValueError:
                continue  # not an operationPath at all: operation-resolved reports it
            yield Finding("the source should be named with a runtime expression in braces",
                          step.pointer + "/operationPath",
                          hint=f"write {{$sourceDescriptions.{name}.url}}#{pointer}")


@rule("operation-id-unqualified", "warning",
      "with several OpenAPI sources, operationIds are qualified with $sourceDescriptions")
def operation_id_unqualified(ctx: ValidationContext) -> Iterator[Finding]:
    if len(ctx.openapi_sources()) < 2:
        return
    for step in ctx.steps():
        text = step.node.get("operationId")
        if isinstance(text, str) and not QUALIFIED.match(text):
            found = ctx.lookup_operation(step)
            if found.operation is not None and found.source is not None:
                yield Finding("with several OpenAPI sources an operationId must be qualified",
                              step.pointer + "/operationId",
                              hint=f"write $sourceDescriptions.{found.source.name}.{text}")


@rule("operation-path-prefer-id", "warning",
      "an operationPath step names an operation that has an operationId (the spec's SHOULD)",
      strict_only=True)
def operation_path_prefer_id(ctx: ValidationContext) -> Iterator[Finding]:
    for step in ctx.steps():
        if not isinstance(step.node.get("operationPath"), str):
            continue
        if ctx.step_api(step) == "asyncapi":  # the same SHOULD, for an AsyncAPI operation
            target = ctx.lookup_async(step)
            if target.operation is not None and target.operation.operation_id \
                    and target.source is not None:
                yield Finding(f"the operation has operationId `{target.operation.operation_id}`"
                              ", which the spec prefers over an operationPath",
                              step.pointer + "/operationPath",
                              hint=f"write operationId: $sourceDescriptions."
                                   f"{target.source.name}.{target.operation.operation_id}")
            continue
        found = ctx.lookup_operation(step)
        operation_id = found.operation.operation_id if found.operation else None
        if not operation_id or found.source is None:
            continue
        several = len(ctx.openapi_sources()) > 1
        suggested = f"$sourceDescriptions.{found.source.name}.{operation_id}" if several \
            else operation_id
        yield Finding(f"the operation has operationId `{operation_id}`, which the spec prefers "
                      "over an operationPath", step.pointer + "/operationPath",
                      hint=f"write operationId: {suggested}")


def _step_parameters(ctx: ValidationContext, step: Step) -> dict[tuple[Any, Any], tuple[str, dict]]:
    """Workflow parameters overridden by the step's own, keyed by (name, in)."""
    merged: dict[tuple[Any, Any], tuple[str, dict]] = {}
    for owner, pointer in ((step.workflow.node, step.workflow.pointer),
                           (step.node, step.pointer)):
        for item_pointer, node, _ in ctx.effective(owner.get("parameters"),
                                                   pointer + "/parameters"):
            merged[(text_of(node, "name"), text_of(node, "in"))] = (item_pointer, node)
    return merged


def _operation_steps(ctx: ValidationContext) -> Iterator[tuple[Step, Operation, str]]:
    """Steps whose operation is known, with every parameter and body of it resolved (an
    operation with a broken ``$ref`` is reported by ``openapi-ref``, not guessed about)."""
    for step in ctx.steps():
        if ctx.step_api(step) != "openapi":
            continue
        found = ctx.lookup_operation(step)
        if found.operation is not None and not found.operation.problems:
            field = "operationId" if "operationId" in step.node else "operationPath"
            yield step, found.operation, f"{step.pointer}/{field}"


@rule("parameter-required", "error",
      "parameters the operation requires are provided (path: error, others: warning)")
def parameter_required(ctx: ValidationContext) -> Iterator[Finding]:
    for step, operation, target in _operation_steps(ctx):
        given = _step_parameters(ctx, step)
        for declared in operation.parameters:
            where, name = declared.get("in"), declared.get("name")
            if where == "header" and str(name).lower() in IGNORED_HEADERS:
                continue
            if not (declared.get("required") or where == "path"):
                continue
            if any(_matches(name, where, n, w) for n, w in given):
                continue
            yield Finding(f"operation {operation.method} {operation.path} requires {where} "
                          f"parameter `{name}`, which step `{step.id}` does not provide",
                          target, severity="error" if where == "path" else "warning")


@rule("parameter-unknown", "warning",
      "a step's parameters are declared by its operation, in the same location")
def parameter_unknown(ctx: ValidationContext) -> Iterator[Finding]:
    for step, operation, _ in _operation_steps(ctx):
        exempt = _security_names(ctx, step)
        for pointer, node, _ in ctx.effective(step.node.get("parameters"),
                                              step.pointer + "/parameters"):
            name, where = node.get("name"), node.get("in")
            if not isinstance(name, str) or where not in LOCATIONS:
                continue
            if operation.parameter(name, where) is not None:
                continue
            if where == "header" and name.lower() in IGNORED_HEADERS | exempt:
                continue
            elsewhere = operation.parameter(name)
            if elsewhere is not None:
                yield Finding(f"operation {operation.method} {operation.path} declares "
                              f"`{name}` in {elsewhere.get('in')}, not in {where}",
                              pointer + "/in")
            else:
                declared = ", ".join(f"{p.get('name')} ({p.get('in')})"
                                     for p in operation.parameters) or "none"
                yield Finding(f"operation {operation.method} {operation.path} has no {where} "
                              f"parameter `{name}`", pointer, anchor="value",
                              hint=f"it declares: {declared}")


@rule("request-body-unexpected", "warning",
      "a requestBody is given only to operations that take one (and to all that require one)")
def request_body_unexpected(ctx: ValidationContext) -> Iterator[Finding]:
    for step, operation, target in _operation_steps(ctx):
        has_body = "requestBody" in step.node
        if has_body and operation.request_body is None:
            yield Finding(f"operation {operation.method} {operation.path} takes no request "
                          "body", step.pointer + "/requestBody")
        elif not has_body and operation.request_body and operation.request_body.get("required"):
            yield Finding(f"operation {operation.method} {operation.path} requires a request "
                          f"body, which step `{step.id}` does not give", target)


def _matches(name: Any, where: Any, given_name: Any, given_in: Any) -> bool:
    if given_in != where:
        return False
    if where == "header" and isinstance(name, str) and isinstance(given_name, str):
        return name.lower() == given_name.lower()
    return name == given_name


def _security_names(ctx: ValidationContext, step: Step) -> set[str]:
    """Header names that the source's security schemes carry (api keys, bearer tokens)."""
    found = ctx.lookup_operation(step)
    return set(found.description.security_header_names) if found.description else set()


@rule("parameter-querystring", "error",
      "a request has at most one querystring parameter, and no query parameter beside it "
      "(Arazzo 1.1, OpenAPI 3.2)")
def parameter_querystring(ctx: ValidationContext) -> Iterator[Finding]:
    if ctx.spec == "1.0":
        return
    for step in ctx.steps():
        if ctx.step_api(step) != "openapi":
            continue
        merged = _step_parameters(ctx, step)
        strings = [(pointer, node) for (_, where), (pointer, node) in merged.items()
                   if where == "querystring"]
        queries = [node.get("name") for (_, where), (_, node) in merged.items()
                   if where == "query"]
        for pointer, _node in strings[1:]:
            yield Finding(f"step `{step.id}` already has querystring parameter "
                          f"`{strings[0][1].get('name')}`: a request has one query string",
                          pointer, anchor="value")
        if strings and queries:
            names = ", ".join(f"`{n}`" for n in queries)
            yield Finding(f"querystring parameter `{strings[0][1].get('name')}` is the whole "
                          f"query string, so step `{step.id}` cannot also pass query "
                          f"parameters ({names})", strings[0][0], anchor="value",
                          hint="put those values into the querystring value")


@rule("querystring-value", "error",
      "Arazzo 1.1: a literal querystring value is written in the media type of the "
      "operation's querystring parameter (error), and fits its schema (warning)")
def querystring_value(ctx: ValidationContext) -> Iterator[Finding]:
    """"The value MUST match the media type format as expressed by the parameter's `content`
    field": checked for values known before the run (no embedded expression)."""
    if ctx.spec == "1.0":
        return
    for step, operation, _ in _operation_steps(ctx):
        for (name, where), (pointer, node) in _step_parameters(ctx, step).items():
            declared = operation.parameter(name, "querystring") \
                if where == "querystring" and isinstance(name, str) else None
            if declared is None:
                continue
            for message, severity in _querystring_problems(node.get("value"), declared):
                yield Finding(f"querystring parameter `{name}` of step `{step.id}`: {message}",
                              pointer, anchor="value", severity=severity)


def _querystring_problems(value: Any,
                          declared: Mapping[str, Any]) -> Iterator[tuple[str, Severity]]:
    content = declared.get("content")
    if not isinstance(content, Mapping) or not content:
        return
    media, entry = next(iter(content.items()))
    media = str(media).split(";")[0].strip().lower()
    json_media = media.endswith("/json") or media.endswith("+json")
    if isinstance(value, str):
        if "{$" in value or value.startswith("$"):
            return  # built at run time: the executor encodes what it gets
        if json_media:
            try:
                decoded: Any = json.loads(value)
            except ValueError:
                yield (f"`{_short(value)}` is not {media}, the media type its operation "
                       "declares for the query string (write it as JSON text)", "error")
                return
        else:
            if value.startswith("?"):
                yield ("the value is the query string without its `?`", "error")
                return
            if value.lstrip().startswith(("{", "[")):
                yield (f"`{_short(value)}` looks like JSON, but its operation declares the "
                       f"query string as {media} (`name=value&...`)", "error")
                return
            decoded = dict(parse_qsl(value, keep_blank_values=True))
    elif isinstance(value, Mapping):
        decoded = dict(value) if json_media else {str(k): v for k, v in value.items()}
    else:
        return
    schema = entry.get("schema") if isinstance(entry, Mapping) else None
    if isinstance(schema, Mapping):
        yield from _querystring_fit(decoded, schema, json_media)


def _querystring_fit(decoded: Any, schema: Mapping[str, Any],
                     json_media: bool) -> Iterator[tuple[str, Severity]]:
    """JSON is checked against the whole schema; a form's values are text, so only its names
    are (required ones present, no undeclared one where the schema allows none)."""
    if json_media:
        from jsonschema import Draft202012Validator

        error = next(iter(Draft202012Validator(dict(schema)).iter_errors(decoded)), None)
        if error is not None:
            yield f"the value does not fit the parameter's schema: {error.message}", "warning"
        return
    if not isinstance(decoded, Mapping):
        return
    required = schema.get("required")
    for name in required if isinstance(required, list) else []:
        if name not in decoded:
            yield f"the schema requires `{name}`, which the value does not give", "warning"
    properties = schema.get("properties")
    if schema.get("additionalProperties") is False and isinstance(properties, Mapping):
        for name in decoded:
            if name not in properties:
                known = ", ".join(f"`{p}`" for p in properties) or "none"
                yield (f"`{name}` is not a property of the parameter's schema (it declares "
                       f"{known})", "warning")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


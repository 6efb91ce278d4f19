"""Rules that read the documented response schemas: paths into a body that cannot exist.

Both speak only when every body the step's success may bring is documented and proves it
(``_shapes``), and never about ``onFailure`` criteria, which read error bodies.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from arazzo_engine.document import escape_token, split_pointer
from arazzo_engine.validation._context import ValidationContext, suggest
from arazzo_engine.validation._diagnostic import Finding
from arazzo_engine.validation._registry import rule
from arazzo_engine.validation._rules._shapes import (
    Body,
    Verdict,
    article,
    documented_body,
    dotted_split,
    scalar_kinds,
    tokens_of,
    walk,
)
from arazzo_engine.validation._rules._sites import compiled_criteria, references

#: A singular JSONPath query in a condition: ``$.data.items[0]['a b']`` (not ``@``-relative).
_SINGULAR = re.compile(r"(?<![@\w$])\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[(?:-?[0-9]+|'[^']*'|"
                       r"\"[^\"]*\")\])+")
#: A filter on a singular path: ``$.status[?@ == 'x']``, ``$[?...]``.
_FILTERED = re.compile(r"(?<![@\w$])\$((?:\.[A-Za-z_][A-Za-z0-9_]*|\[(?:-?[0-9]+|'[^']*'|"
                       r"\"[^\"]*\")\])*)\[\?")
_SEGMENT = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(-?[0-9]+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")


def _reads_error_bodies(pointer: str) -> bool:
    return "/onFailure/" in pointer or pointer.startswith("/components/")


def _body_tokens(ref: Any) -> list[str] | None:
    """The path a ``$response.body...`` expression reads, as member names; None otherwise."""
    if ref.root != "response" or not ref.segments or ref.segments[0] != "body":
        return None
    tokens = list(tokens_of(ref.accessors[1:]))
    if ref.pointer:
        tokens += split_pointer(ref.pointer)
    return tokens


def _as_pointer(tokens: list[str]) -> str:
    return "#" + "".join("/" + escape_token(t) for t in tokens)


def _first_item(body: Body, tokens: list[str], verdict: Verdict,
                start: Any = None) -> list[str] | None:
    """``#/id`` on an array whose items have ``id``: the path through its first item."""
    if "array" not in verdict.reason:
        return None
    indexed = [*tokens[:verdict.position], "0", *tokens[verdict.position:]]
    found = walk(body, indexed, start)
    return indexed if found.known and not found.impossible else None


def _hint(body: Body, tokens: list[str], verdict: Verdict) -> str | None:
    split = dotted_split(body, tokens, verdict.position) or _first_item(body, tokens, verdict)
    if split is not None:
        return f"write $response.body{_as_pointer(split)}"
    if verdict.token == "length" and "array" in verdict.reason:
        return ("an array's size is not a member: count its items in a JSONPath criterion, "
                f"condition `length($) > 0` with context `$response.body{_as_pointer(tokens[:-1])}`"
                .replace("body#`", "body`"))
    return suggest(verdict.token or "", set(verdict.members))


@rule("response-pointer", "warning",
      "a $response.body path can exist in the response body the operation documents")
def response_pointer(ctx: ValidationContext) -> Iterator[Finding]:
    for site, ref in references(ctx):
        if site.step is None or site.kind not in ("output", "condition", "context") \
                or _reads_error_bodies(site.pointer):
            continue
        tokens = _body_tokens(ref)
        if not tokens:
            continue
        body = documented_body(ctx, site.step)
        if body is None:
            continue
        verdict = walk(body, tokens)
        if not verdict.impossible:
            continue
        reached = tokens[:verdict.position]
        where = f"`{_as_pointer(reached)[1:] or '/'}`" if reached else "the body"
        yield Finding(
            f"`{ref.text}` can never hold a value: in the response body {body.where} documents, "
            f"{where} has no member `{verdict.token}` ({verdict.reason})", site.pointer,
            anchor="value", offset=max(0, ref.column - 1),
            hint=_hint(body, tokens, verdict))


def _tokens(path: str) -> list[str]:
    return [next(g for g in segment.groups() if g is not None)
            for segment in _SEGMENT.finditer(path)]


def _queries(condition: str) -> Iterator[tuple[int, str, list[str]]]:
    for match in _SINGULAR.finditer(condition):
        yield match.start(), match.group(0), _tokens(match.group(0)[1:])


def _jsonpath(tokens: list[str]) -> str:
    return "$" + "".join(f".{t}" if t.isidentifier() else
                         f"[{t}]" if t.lstrip("-").isdigit() else f"['{t}']" for t in tokens)


def _length_fix(condition: str, query: str, tokens: list[str], verdict: Verdict) -> str | None:
    """``$.data.length > 0`` on an array: RFC 9535 counts items with ``length($.data)``."""
    if verdict.token != "length" or verdict.position != len(tokens) - 1 \
            or "array" not in verdict.reason:
        return None
    parent = query[: -len(".length")]
    return condition.replace(query, f"length({parent})", 1)


@rule("jsonpath-never-selects", "warning",
      "a JSONPath criterion's paths can select something in the documented response body")
def jsonpath_never_selects(ctx: ValidationContext) -> Iterator[Finding]:
    for entry in compiled_criteria(ctx):
        compiled, site = entry.compiled, entry.site
        if compiled is None or site.step is None or _reads_error_bodies(site.pointer):
            continue
        if compiled.type != "jsonpath" or compiled.version not in (None, "rfc9535") \
                or compiled.context is None:
            continue
        context_tokens = _body_tokens(compiled.context)
        if context_tokens is None:
            continue
        body = documented_body(ctx, site.step)
        if body is None:
            continue
        start = walk(body, context_tokens)
        if not start.known or start.impossible:
            continue  # response-pointer reports a context that cannot exist
        condition = compiled.condition
        for column, query, tokens in _queries(condition):
            verdict = walk(body, tokens, start.reached)
            if not verdict.impossible:
                continue
            fixed = _length_fix(condition, query, tokens, verdict)
            reached = _jsonpath(tokens[:verdict.position])
            if fixed is None:
                split = dotted_split(body, tokens, verdict.position, start.reached) \
                    or _first_item(body, tokens, verdict, start.reached)
                if split is not None:
                    fixed = condition.replace(query, _jsonpath(split), 1)
            hint = f"write `{fixed}`" if fixed else suggest(verdict.token or "",
                                                            set(verdict.members))
            yield Finding(
                f"`{query}` can never select anything: in the response body {body.where} "
                f"documents, `{reached}` has no member `{verdict.token}` ({verdict.reason})",
                site.pointer, anchor="value",
                offset=column, hint=hint)
        for match in _FILTERED.finditer(condition):
            tokens = _tokens(match.group(1))
            verdict = walk(body, tokens, start.reached)
            kinds = scalar_kinds(body, verdict.reached) if not verdict.impossible else None
            if kinds:
                path = _jsonpath(tokens)
                what = " or ".join(article(k) for k in sorted(kinds))
                yield Finding(
                    f"`{path}[?...]` can never select anything: in the response body "
                    f"{body.where} documents, `{path}` is {what}, and a filter selects only "
                    "the items of an array or the members of an object", site.pointer,
                    anchor="value", offset=match.start(),
                    hint=f"compare the value itself, e.g. `{path} == ...`")

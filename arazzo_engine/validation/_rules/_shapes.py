"""What the documented response schemas say a response body can hold, read member by member.

``response-pointer`` and ``jsonpath-never-selects`` ask one question: can a value exist at this
path of the body? The answer is *no* only when every documented body the step may receive
proves it (an array has no member ``length``; an object whose ``properties`` are listed has no
other member unless ``additionalProperties`` or ``patternProperties`` let one in; a string has
no members at all). Anything unknown (no schema, a ``$ref`` we cannot follow, an open object,
a bare ``type: object``) proves nothing, so the rules stay silent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from arazzo_engine.openapi import Location, OpenAPIDescription, RefError
from arazzo_engine.validation._context import Step, ValidationContext

_COMPOSED = ("allOf", "anyOf", "oneOf")
_STATUS_TEST = re.compile(r"\$statusCode\s*==\s*([1-5][0-9][0-9])\b")
_MAX_DEPTH = 32
_ARTICLES = {"string": "a string", "number": "a number", "integer": "an integer",
             "boolean": "a boolean", "null": "null"}


#: A schema and where it is written (its ``$ref``s resolve from there, in any file).
Placed = tuple[Any, Location]


@dataclass(frozen=True)
class Body:
    """The documented bodies a step's success may bring, and where they are documented."""

    schemas: tuple[Placed, ...]
    description: OpenAPIDescription
    where: str


@dataclass(frozen=True)
class Verdict:
    """``impossible`` when no documented body can have the path, with ``reason`` and the
    ``token`` where it fails; ``known`` False when the schemas cannot tell."""

    known: bool
    impossible: bool = False
    token: str | None = None
    position: int = 0
    reason: str = ""
    #: Member names documented where the path failed (for suggestions).
    members: tuple[str, ...] = ()
    #: The schemas reached when the path is possible (for a JSONPath under a context).
    reached: tuple[Placed, ...] = ()


UNKNOWN = Verdict(known=False)


def expected_statuses(step: Step) -> set[str]:
    """Statuses the step's success criteria require (``$statusCode == 200``); empty when they
    require none, then every documented 2xx status counts."""
    found: set[str] = set()
    criteria = step.node.get("successCriteria")
    for criterion in criteria if isinstance(criteria, list) else []:
        condition = criterion.get("condition") if isinstance(criterion, dict) else None
        if isinstance(condition, str) and "||" not in condition:
            found.update(_STATUS_TEST.findall(condition))
    return found


def documented_body(ctx: ValidationContext, step: Step | None) -> Body | None:
    """The JSON bodies documented for the responses a step's success may get, or None when
    any of them is undocumented (then nothing can be proved)."""
    if step is None or step.kind != "operation":
        return None
    lookup = ctx.lookup_operation(step)
    operation, description = lookup.operation, lookup.description
    if operation is None or description is None:
        return None
    wanted = expected_statuses(step)
    statuses = [s for s in operation.responses if (s in wanted if wanted else s[:1] == "2")]
    if not statuses or (wanted and set(statuses) != wanted):
        return None
    schemas: list[Placed] = []
    for status in statuses:
        response = operation.responses[status]
        at = operation.response_at.get(status)
        content = response.get("content") if isinstance(response, Mapping) else None
        if at is None or not isinstance(content, Mapping) or not content:
            return None
        json_bodies = [(m, e) for m, e in content.items() if "json" in str(m)]
        if not json_bodies:
            return None  # a pointer reads JSON; an XML-only response proves nothing
        for media, entry in json_bodies:
            if not isinstance(entry, Mapping) or "schema" not in entry:
                return None
            schemas.append((entry["schema"], at.child("content", str(media), "schema")))
    where = f"{operation.method} {operation.path} ({', '.join(statuses)})"
    return Body(tuple(schemas), description, where)


def walk(body: Body, tokens: Iterable[str], start: Iterable[Placed] | None = None) -> Verdict:
    """Whether any documented body can have a value at ``tokens`` (unescaped pointer tokens or
    member names), from the body's root or from ``start`` schemas."""
    current = list(body.schemas if start is None else start)
    for position, token in enumerate(tokens):
        following: list[Placed] = []
        reasons: list[str] = []
        members: list[str] = []
        for schema, at in current:
            step = _member(body.description, schema, at, token, 0)
            if step is None:
                return UNKNOWN
            children, reason, names = step
            following.extend(children)
            if not children:
                reasons.append(reason)
                members.extend(names)
        if not following:
            return Verdict(True, True, token, position, reasons[0] if reasons else "",
                           tuple(dict.fromkeys(members)))
        current = following
    return Verdict(True, reached=tuple(current))


def _member(description: OpenAPIDescription, schema: Any, at: Location, token: str,
            depth: int) -> tuple[list[Placed], str, list[str]] | None:
    """(schemas of the member ``token``, why none, documented names); None when unknown."""
    if depth > _MAX_DEPTH:
        return None
    try:
        schema, at = description.store.follow(schema, at)
    except RefError:
        return None
    if not isinstance(schema, Mapping):
        return None  # true, {} or garbage: anything goes
    composed = [(part, at.child(keyword, index)) for keyword in _COMPOSED
                for index, part in enumerate(_as_list(schema.get(keyword)))]
    if composed:
        found: list[Placed] = []
        names: list[str] = []
        own = {k: v for k, v in schema.items() if k not in _COMPOSED}
        parts = [*composed, *([(own, at)] if any(k in own for k in ("properties", "items",
                                                                     "type")) else [])]
        for part, part_at in parts:
            answer = _member(description, part, part_at, token, depth + 1)
            if answer is None:
                return None
            found.extend(answer[0])
            names.extend(answer[2])
        listed = dict.fromkeys(names)
        reason = f"its documented members are {_listing(listed)}" if listed else \
            f"none of its documented shapes has a member `{token}`"
        return found, reason, names
    kinds = _kinds(schema)
    if kinds is None:
        return None
    children: list[Placed] = []
    reasons = []
    names = []
    if "array" in kinds:
        if token.lstrip("-").isdigit():
            items = schema.get("items")
            prefix = _as_list(schema.get("prefixItems"))
            if token.isdigit() and int(token) < len(prefix):
                children.append((prefix[int(token)], at.child("prefixItems", int(token))))
            elif isinstance(items, (Mapping, bool)):
                children.append((items, at.child("items")))
            else:
                return None
        else:
            reasons.append(f"it is an array, and an array has no member `{token}`")
    if "object" in kinds:
        properties = schema.get("properties")
        if not isinstance(properties, Mapping) or schema.get("additionalProperties") not in (
                None, False) or "patternProperties" in schema:
            return None  # its members are not all listed
        if token in properties:
            children.append((properties[token], at.child("properties", token)))
        else:
            names.extend(str(k) for k in properties)
            reasons.append(f"its documented members are {_listing(properties)}")
    scalars = kinds - {"array", "object"}
    if scalars and not children:
        kinds_text = " or ".join(_ARTICLES[k] for k in sorted(scalars))
        reasons.append(f"it is {kinds_text}, which has no members")
    return children, "; ".join(reasons), names


def scalar_kinds(body: Body, reached: Iterable[Placed]) -> set[str] | None:
    """The JSON types the reached schemas allow when none of them is an array or an object
    (a filter there has nothing to select); None when any of them may be a container or is
    unknown."""
    found: set[str] = set()
    for schema, at in reached:
        try:
            schema, at = body.description.store.follow(schema, at)
        except RefError:
            return None
        kinds = _kinds(schema) if isinstance(schema, Mapping) and not any(
            k in schema for k in _COMPOSED) else None
        if kinds is None or kinds & {"array", "object"}:
            return None
        found |= kinds
    return found or None


def article(kind: str) -> str:
    return _ARTICLES.get(kind, kind)


def _kinds(schema: Mapping[str, Any]) -> set[str] | None:
    declared = schema.get("type")
    if isinstance(declared, str):
        kinds = {declared}
    elif isinstance(declared, list) and all(isinstance(k, str) for k in declared):
        kinds = set(declared)
    elif "properties" in schema:
        kinds = {"object"}
    elif "items" in schema or "prefixItems" in schema:
        kinds = {"array"}
    else:
        return None
    if schema.get("nullable") is True:
        kinds.add("null")
    return kinds if kinds <= {"array", "object", "string", "number", "integer", "boolean",
                              "null"} else None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _listing(properties: Iterable[str], shown: int = 6) -> str:
    names = [f"`{name}`" for name in properties]
    if not names:
        return "none"
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def dotted_split(body: Body, tokens: list[str], position: int,
                 start: Iterable[Placed] | None = None) -> list[str] | None:
    """``category.name`` as one token where ``category`` → ``name`` is documented: the tokens
    with that one split at its dots, when the split path is possible."""
    token = tokens[position]
    if "." not in token:
        return None
    split = [*tokens[:position], *token.split("."), *tokens[position + 1:]]
    verdict = walk(body, split, start)
    return split if verdict.known and not verdict.impossible else None


def tokens_of(accessors: Iterable[Any]) -> Iterator[str]:
    for accessor in accessors:
        yield str(accessor.key)

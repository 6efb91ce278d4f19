"""Which API a step calls, and the AsyncAPI operation or channel an AsyncAPI step names.

Shared by the validator (does the operation exist, are its messages resolvable?) and the
executor (which steps need a message broker?), so both read a step the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from arazzo_engine._suggest import closest
from arazzo_engine.asyncapi._index import AsyncChannel, AsyncIndex, AsyncOperation, channel_pointer
from arazzo_engine.document import Source
from arazzo_engine.openapi import parse_operation_path

__all__ = ["AsyncTarget", "StepApi", "resolve_async_step", "source_api", "step_api"]

StepApi = Literal["openapi", "asyncapi", "workflow"]
IndexOf = Callable[[Source], AsyncIndex | None]

_QUALIFIED = re.compile(r"^\$sourceDescriptions\.(?P<source>[^.]+)\.(?P<name>.+)$")
#: Fields only an AsyncAPI step may have.
ASYNC_FIELDS = ("channelPath", "action", "correlationId")


def source_api(source: Source | None) -> str | None:
    """``openapi``, ``asyncapi`` or ``arazzo``: as declared, else as the loaded file says."""
    if source is None:
        return None
    return source.type


def step_api(step: Mapping[str, Any], sources: Mapping[str, Source],
             defines: Callable[[Source, str], bool] | None = None) -> StepApi | None:
    """What a step calls: an OpenAPI operation, an AsyncAPI operation or channel, a workflow.

    The source a target names (``$sourceDescriptions.<name>.<id>``, an operationPath) decides.
    An unqualified operationId belongs to the API of the loaded sources that define it
    (``defines(source, operation_id)``); failing that, to the only API the sources declare;
    failing that, a step with AsyncAPI fields (``action``, ``correlationId``) is an AsyncAPI
    step and any other an OpenAPI one. None when the step names no target at all.
    """
    if "workflowId" in step:
        return "workflow"
    if "channelPath" in step:
        return "asyncapi"
    operation_id = step.get("operationId")
    named: str | None = None
    if isinstance(step.get("operationPath"), str):
        try:
            named, _ = parse_operation_path(step["operationPath"], lenient=True)
        except ValueError:
            named = None
    elif isinstance(operation_id, str):
        qualified = _QUALIFIED.match(operation_id)
        named = qualified["source"] if qualified else None
    elif "operationPath" not in step and "operationId" not in step:
        return None
    if named is not None and named in sources:
        api = source_api(sources[named])
        if api == "asyncapi":
            return "asyncapi"
        if api == "openapi":
            return "openapi"
    apis = [s for s in sources.values() if source_api(s) != "arazzo"]
    if isinstance(operation_id, str) and named is None and defines is not None:
        holders = {source_api(s) == "asyncapi" for s in apis if defines(s, operation_id)}
        if len(holders) == 1:
            return "asyncapi" if holders == {True} else "openapi"
    kinds = {source_api(s) == "asyncapi" for s in apis}
    if len(kinds) == 1:
        return "asyncapi" if kinds == {True} else "openapi"
    return "asyncapi" if any(f in step for f in ASYNC_FIELDS) else "openapi"


@dataclass(frozen=True)
class AsyncTarget:
    """The outcome of resolving an AsyncAPI step.

    ``operation`` (for ``operationId`` / ``operationPath``) or ``channel`` (for
    ``channelPath``) is set when found; ``unchecked`` when the source could not be read;
    otherwise ``problem`` says what is wrong (``field`` names the step field to point at).
    """

    source: Source | None = None
    operation: AsyncOperation | None = None
    channel: AsyncChannel | None = None
    problem: str | None = None
    hint: str | None = None
    field: str = "operationId"
    unchecked: bool = False


def resolve_async_step(step: Mapping[str, Any], sources: Mapping[str, Source],
                       index_of: IndexOf) -> AsyncTarget:
    """The AsyncAPI operation or channel an AsyncAPI step names."""
    if isinstance(step.get("channelPath"), str):
        return _by_path(step["channelPath"], sources, index_of, "channelPath")
    if isinstance(step.get("operationPath"), str):
        return _by_path(step["operationPath"], sources, index_of, "operationPath")
    operation_id = step.get("operationId")
    if not isinstance(operation_id, str):
        return AsyncTarget(problem="the step names no AsyncAPI operation or channel")
    qualified = _QUALIFIED.match(operation_id)
    if qualified is not None:
        source = sources.get(qualified["source"])
        if source is None:
            return AsyncTarget(problem=f"`{qualified['source']}` is not a declared source "
                                       "description", hint=_suggest(qualified["source"], sources))
        return _by_id(source, qualified["name"], index_of)
    candidates = [s for s in sources.values() if source_api(s) == "asyncapi"]
    if not candidates:
        return AsyncTarget(problem=f"operationId `{operation_id}` names no operation of an "
                                   "AsyncAPI source: none is declared")
    found = []
    for source in candidates:
        index = index_of(source)
        if index is None:
            return AsyncTarget(source=source, unchecked=True)
        operation = index.by_id(operation_id)
        if operation is not None:
            found.append((source, operation))
    if len(found) > 1:
        names = ", ".join(f"`{s.name}`" for s, _ in found)
        return AsyncTarget(problem=f"operationId `{operation_id}` is ambiguous: sources {names} "
                                   "all define it",
                           hint=f"write it as $sourceDescriptions.{found[0][0].name}."
                                f"{operation_id}")
    if found:
        return AsyncTarget(source=found[0][0], operation=found[0][1])
    where = ", ".join(f"`{s.name}`" for s in candidates)
    known = set().union(*(set(i.operation_ids) for i in map(index_of, candidates) if i))
    return AsyncTarget(problem=f"operationId `{operation_id}` does not exist in {where}",
                       hint=_suggest(operation_id, known))


def _by_id(source: Source, operation_id: str, index_of: IndexOf) -> AsyncTarget:
    index = index_of(source)
    if index is None:
        return AsyncTarget(source=source, unchecked=True)
    operation = index.by_id(operation_id)
    if operation is None:
        return AsyncTarget(source=source,
                           problem=f"operationId `{operation_id}` does not exist in AsyncAPI "
                                   f"source `{source.name}` ({source.url})",
                           hint=_suggest(operation_id, set(index.operation_ids)))
    return AsyncTarget(source=source, operation=operation)


def _by_path(text: str, sources: Mapping[str, Source], index_of: IndexOf,
             field: str) -> AsyncTarget:
    try:
        name, pointer = parse_operation_path(text, lenient=True)
    except ValueError:
        return AsyncTarget(field=field, problem=(
            f"a {field} must look like '{{$sourceDescriptions.<name>.url}}#/"
            + ("channels/<channel>'" if field == "channelPath" else "operations/<operation>'")))
    source = sources.get(name)
    if source is None:
        return AsyncTarget(field=field, problem=f"`{name}` is not a declared source description",
                           hint=_suggest(name, sources))
    if source_api(source) not in ("asyncapi", None):
        return AsyncTarget(source=source, field=field,
                           problem=f"source `{name}` is {source_api(source)}, not asyncapi: a "
                                   f"{field} names part of an AsyncAPI description")
    index = index_of(source)
    if index is None:
        return AsyncTarget(source=source, field=field, unchecked=True)
    if field == "channelPath":
        channel = index.channel_at(pointer)
        if channel is None:
            hint = None if channel_pointer(pointer) else "a channel lives at #/channels/<name>"
            known = sorted(c.pointer for c in index.channels.values())
            return AsyncTarget(source=source, field=field, hint=hint or _suggest(pointer, known),
                               problem=f"`{pointer}` is not a channel of source `{name}` "
                                       f"({source.url})")
        return AsyncTarget(source=source, channel=channel, field=field)
    operation = next((o for o in index.operations if o.pointer == pointer), None)
    if operation is None:
        return AsyncTarget(source=source, field=field,
                           problem=f"`{pointer}` is not an operation of source `{name}` "
                                   f"({source.url})")
    return AsyncTarget(source=source, operation=operation, field=field)


def _suggest(wrong: str, known: Any) -> str | None:
    found = closest(wrong, [str(k) for k in known])
    return f"did you mean `{found}`?" if found else None

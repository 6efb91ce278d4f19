"""Which operation a step calls, and with which parameters: one answer for every layer.

The validator asks to report (with hints), the executor asks to run (and raises), the tester
asks to check exchanges: all three go through ``StepTargets``, so an operationId defined by two
sources is ambiguous for all of them, a reusable reference means the same thing to all of them,
and a description is built once per bundle however many of them ask.

Arazzo 1.1 steps may also name an AsyncAPI operation or channel: ``StepTargets.step_api`` says
which API a step calls, and ``lookup_async`` finds its AsyncAPI target (an ``AsyncIndex`` built
once per source, its ``$ref``s followed through the same ``DocumentStore``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote

from arazzo_engine._suggest import closest
from arazzo_engine.document import Bundle, LoadedDocument, Source, join_pointer
from arazzo_engine.errors import ExecutionError
from arazzo_engine.openapi._description import HTTP_METHODS_3_2, OpenAPIDescription, Operation
from arazzo_engine.openapi._store import DocumentStore

if TYPE_CHECKING:  # imported when first needed: asyncapi builds on this package's store
    from arazzo_engine.asyncapi._index import AsyncChannel, AsyncIndex, AsyncOperation

__all__ = [
    "ASYNC_FIELDS",
    "COMPONENT_KINDS",
    "QUALIFIED",
    "REFERENCE",
    "AsyncTarget",
    "MergedParameter",
    "ParameterMerge",
    "Reusable",
    "StepApi",
    "StepTargets",
    "TargetLookup",
    "document_key",
    "effective_items",
    "merge_parameters",
    "parse_operation_path",
    "resolve_async_step",
    "resolve_reusable",
    "step_api",
    "suggest",
]

COMPONENT_KINDS = ("inputs", "parameters", "successActions", "failureActions")
QUALIFIED = re.compile(r"^\$sourceDescriptions\.(?P<source>[^.]+)\.(?P<name>.+)$")
REFERENCE = re.compile(r"^\$components\.(?P<kind>[A-Za-z]+)\.(?P<name>.+)$")
_OPERATION_PATH = re.compile(
    r"^\{\$sourceDescriptions\.(?P<name>[A-Za-z0-9_\-]+)\.url\}#(?P<pointer>/.*)$"
)
_OPERATION_PATH_BARE = re.compile(
    r"^\$sourceDescriptions\.(?P<name>[A-Za-z0-9_\-]+)(?:\.url)?#(?P<pointer>/.*)$"
)


def document_key(document: LoadedDocument) -> str:
    """The name a document goes by in ``Bundle.documents`` and in a run state."""
    return str(document.path) if document.path is not None else document.uri


def parse_operation_path(text: str, *, lenient: bool = False) -> tuple[str, str]:
    """Splits ``{$sourceDescriptions.<name>.url}#/paths/~1pets/get`` into (name, pointer).

    ``lenient`` also accepts the brace-less ``$sourceDescriptions.<name>#/paths/...`` seen in the
    wild (the validator warns about it; the executor honours it).
    """
    match = _OPERATION_PATH.match(text) or (_OPERATION_PATH_BARE.match(text) if lenient else None)
    if match is None:
        raise ValueError(
            "an operationPath must look like "
            "'{$sourceDescriptions.<name>.url}#/paths/<escaped path>/<method>'"
        )
    return match.group("name"), match.group("pointer")


def suggest(wrong: str, known: Collection[str]) -> str | None:
    """``did you mean `x`?`` for the closest known name, or None."""
    close = closest(wrong, known)
    return f"did you mean `{close}`?" if close else None


# reusable objects ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Reusable:
    """What a Reusable Object points at (``node`` is None when nothing is there)."""

    kind: str | None
    name: str | None
    node: Any
    pointer: str | None


def resolve_reusable(components: Any, reusable: Mapping[str, Any]) -> Reusable:
    """Follows a Reusable Object's ``$components.<kind>.<name>`` reference."""
    reference = reusable.get("reference")
    match = REFERENCE.match(reference) if isinstance(reference, str) else None
    if match is None:
        return Reusable(None, None, None, None)
    kind, name = match["kind"], match["name"]
    table = components.get(kind) if isinstance(components, Mapping) else None
    node = table.get(name) if kind in COMPONENT_KINDS and isinstance(table, Mapping) else None
    pointer = join_pointer("/components", kind, name) if node is not None else None
    return Reusable(kind, name, node, pointer)


def effective_items(components: Any, value: Any, pointer: str, kind: str
                    ) -> Iterator[tuple[str, Any, bool, str | None]]:
    """Items of a parameter or action list with Reusable Objects replaced by their targets.

    Yields (pointer of the item as written, effective node, came from a reference, problem);
    ``problem`` says why an item is unusable (the node is then the item itself).
    """
    if not isinstance(value, list):
        if value is not None:
            yield pointer, value, False, f"{kind} must be a list"
        return
    for index, item in enumerate(value):
        item_pointer = join_pointer(pointer, index)
        if not isinstance(item, Mapping):
            yield item_pointer, item, False, f"an item of {kind} must be an object"
            continue
        if "reference" not in item:
            yield item_pointer, item, False, None
            continue
        target = resolve_reusable(components, item)
        if target.kind != kind or not isinstance(target.node, Mapping):
            yield item_pointer, item, True, (
                f"reference {item.get('reference')!r} "
                f"{'points to nothing' if target.kind == kind else f'does not name one of {kind}'}")
            continue
        node: Mapping[str, Any] = target.node
        if kind == "parameters" and "value" in item:
            node = {**node, "value": item["value"]}
        yield item_pointer, node, True, None


@dataclass(frozen=True)
class MergedParameter:
    pointer: str
    node: Mapping[str, Any]
    from_reference: bool

    @property
    def name(self) -> Any:
        return self.node.get("name")

    @property
    def location(self) -> Any:
        return self.node.get("in")


@dataclass
class ParameterMerge:
    """A step's parameters after the workflow's: the same name and ``in`` overrides."""

    parameters: list[MergedParameter] = field(default_factory=list)
    #: (pointer, why) for every item that could not be used.
    problems: list[tuple[str, str]] = field(default_factory=list)

    def require(self) -> list[Mapping[str, Any]]:
        """The parameters, or ``ExecutionError`` for the first unusable one (the executor)."""
        if self.problems:
            raise ExecutionError(self.problems[0][1])
        return [p.node for p in self.parameters]


def _key_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return repr(value)


def merge_parameters(components: Any, workflow: Mapping[str, Any], workflow_pointer: str,
                     step: Mapping[str, Any], step_pointer: str) -> ParameterMerge:
    merged: dict[tuple[str | None, str | None], MergedParameter] = {}
    result = ParameterMerge()
    for owner, pointer in ((workflow, workflow_pointer), (step, step_pointer)):
        for item_pointer, node, from_ref, problem in effective_items(
                components, owner.get("parameters"), pointer + "/parameters", "parameters"):
            if problem is not None:
                result.problems.append((item_pointer, problem))
                continue
            key = (_key_text(node.get("name")), _key_text(node.get("in")))
            merged.pop(key, None)  # an override takes the place of the overridden
            merged[key] = MergedParameter(item_pointer, node, from_ref)
    result.parameters = list(merged.values())
    return result


# operations ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class TargetLookup:
    """The outcome of resolving a step's operationId / operationPath.

    ``operation`` is set when found; ``unchecked`` when a source that might define it could not
    be read (reported once, at the source, not at every step); otherwise ``problem`` says what
    is wrong and ``hint`` how to fix it.
    """

    operation: Operation | None = None
    source: Source | None = None
    description: OpenAPIDescription | None = None
    problem: str | None = None
    hint: str | None = None
    unchecked: bool = False

    def require(self) -> tuple[Source, Operation, OpenAPIDescription]:
        """The target, or ``ExecutionError`` saying why there is none (the executor)."""
        if self.operation is not None and self.source is not None \
                and self.description is not None:
            return self.source, self.operation, self.description
        if self.problem:
            hint = f" ({self.hint})" if self.hint else ""
            raise ExecutionError(f"{self.problem}{hint}")
        if self.source is not None and self.source.problem:
            raise ExecutionError(f"source description `{self.source.name}` is not loaded: "
                                 f"{self.source.problem}")
        raise ExecutionError("the step's operation is in a source description that could not "
                             "be loaded")


class StepTargets:
    """The OpenAPI descriptions of one bundle, built once, and the steps' targets in them."""

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        openapi_documents = [s.document for sources in _all_sources(bundle)
                             for s in sources.values() if s.document is not None]
        self.store = DocumentStore(bundle.policy, openapi_documents)
        self._descriptions: dict[int, OpenAPIDescription] = {}
        self._async: dict[int, AsyncIndex] = {}

    def sources(self, document: LoadedDocument) -> dict[str, Source]:
        return self.bundle.sources_for(document)

    def description(self, source: Source) -> OpenAPIDescription | None:
        """The description a loaded OpenAPI source holds (None when it is not loaded, or is
        an Arazzo or AsyncAPI description)."""
        if source.document is None or source.type in ("arazzo", "asyncapi"):
            return None
        key = id(source.document)
        if key not in self._descriptions:
            self._descriptions[key] = OpenAPIDescription(source.document, self.store)
        return self._descriptions[key]

    def openapi_sources(self, document: LoadedDocument) -> dict[str, Source]:
        """Sources that are (or may be) OpenAPI descriptions: every one not typed ``arazzo``
        or ``asyncapi``."""
        return {n: s for n, s in self.sources(document).items()
                if s.type not in ("arazzo", "asyncapi")}

    # AsyncAPI (Arazzo 1.1) ----------------------------------------------------------------

    def async_index(self, source: Source) -> AsyncIndex | None:
        """The AsyncAPI operations and channels a loaded source holds, built once."""
        if source.document is None:
            return None
        from arazzo_engine.asyncapi._index import AsyncIndex

        key = id(source.document)
        if key not in self._async:
            self._async[key] = AsyncIndex.build(source.document, self.store)
        return self._async[key]

    def step_api(self, document: LoadedDocument, step: Mapping[str, Any]) -> StepApi | None:
        """``openapi``, ``asyncapi`` or ``workflow``: what a step of ``document`` calls."""
        return step_api(step, self.sources(document), self._defines)

    def lookup_async(self, document: LoadedDocument, step: Mapping[str, Any]) -> AsyncTarget:
        """The AsyncAPI operation or channel an AsyncAPI step of ``document`` names."""
        return resolve_async_step(step, self.sources(document), self.async_index)

    def _defines(self, source: Source, operation_id: str) -> bool:
        if source.type == "asyncapi":
            index = self.async_index(source)
            return index is not None and index.by_id(operation_id) is not None
        description = self.description(source)
        return description is not None and description.by_id(operation_id) is not None

    def lookup(self, document: LoadedDocument, step: Mapping[str, Any]) -> TargetLookup:
        """The operation ``step`` (of ``document``) calls."""
        if isinstance(step.get("operationPath"), str):
            return self._by_operation_path(document, step["operationPath"])
        if isinstance(step.get("operationId"), str):
            return self._by_operation_id(document, step["operationId"])
        return TargetLookup(problem="the step names no operationId, operationPath or workflowId")

    def _declared_names(self, document: LoadedDocument) -> set[str]:
        data = document.data if isinstance(document.data, Mapping) else {}
        declared = data.get("sourceDescriptions")
        return {d["name"] for d in declared if isinstance(d, Mapping)
                and isinstance(d.get("name"), str)} if isinstance(declared, list) else set()

    def _by_operation_id(self, document: LoadedDocument, text: str) -> TargetLookup:
        names = self._declared_names(document)
        sources = self.sources(document)
        qualified = QUALIFIED.match(text)
        if qualified and qualified["source"] in names:
            source = sources.get(qualified["source"])
            description = self.description(source) if source is not None else None
            if source is None or description is None:
                return self._no_description(source)
            operation = description.by_id(qualified["name"])
            if operation is None:
                return TargetLookup(
                    source=source, description=description,
                    problem=f"operationId `{qualified['name']}` does not exist in source "
                            f"`{source.name}` ({source.url}){_behind(description)}",
                    hint=suggest(qualified["name"], description.operation_ids),
                )
            return TargetLookup(operation, source, description)
        if qualified:
            return TargetLookup(
                problem=f"`{qualified['source']}` is not a declared source description",
                hint=suggest(qualified["source"], names),
            )
        candidates = self.openapi_sources(document)
        found: list[tuple[Source, OpenAPIDescription, Operation]] = []
        unchecked: list[Source] = []
        for source in candidates.values():
            description = self.description(source)
            if description is None:
                unchecked.append(source)
                continue
            operation = description.by_id(text)
            if operation is not None:
                found.append((source, description, operation))
        if len(found) > 1:
            names_text = ", ".join(f"`{s.name}`" for s, _, _ in found)
            return TargetLookup(
                problem=f"operationId `{text}` is ambiguous: sources {names_text} all define it",
                hint=f"write it as $sourceDescriptions.{found[0][0].name}.{text}",
            )
        if found:
            source, description, operation = found[0]
            return TargetLookup(operation, source, description)
        if unchecked:
            return self._unloaded(unchecked[0])
        where = ", ".join(f"`{n}`" for n in candidates) or "no OpenAPI source description"
        descriptions = [d for s in candidates.values() if (d := self.description(s))]
        known: set[str] = set().union(*(d.operation_ids for d in descriptions))
        behind = "".join(_behind(d) for d in descriptions)
        return TargetLookup(problem=f"operationId `{text}` does not exist in {where}{behind}",
                            hint=suggest(text, known))

    def _by_operation_path(self, document: LoadedDocument, text: str) -> TargetLookup:
        try:
            name, pointer = parse_operation_path(text, lenient=True)
        except ValueError as exc:
            return TargetLookup(problem=str(exc))
        names = self._declared_names(document)
        if name not in names:
            return TargetLookup(problem=f"`{name}` is not a declared source description",
                                hint=suggest(name, names))
        last = unquote(pointer.rsplit("/", 1)[-1]).lower()
        tokens = pointer.split("/")
        if last not in HTTP_METHODS_3_2 and tokens[-2:-1] != ["additionalOperations"]:
            return TargetLookup(
                problem=f"`{pointer}` does not end with an HTTP method, so it names no operation",
                hint=f"add the method, e.g. {pointer}/get",
            )
        source = self.sources(document).get(name)
        description = self.description(source) if source is not None else None
        if source is None or description is None:
            return self._no_description(source)
        operation = description.by_pointer(pointer) or description.by_pointer(unquote(pointer))
        if operation is None:
            return TargetLookup(
                source=source, description=description,
                problem=f"`{pointer}` is not an operation in source `{name}` "
                        f"({source.url}){_behind(description)}",
                hint="an operationPath ends with a method: #/paths/~1pets~1{petId}/get",
            )
        return TargetLookup(operation, source, description)

    @staticmethod
    def _unloaded(source: Source | None) -> TargetLookup:
        return TargetLookup(source=source, unchecked=True)

    @staticmethod
    def _no_description(source: Source | None) -> TargetLookup:
        if source is not None and source.document is not None:
            return TargetLookup(source=source, problem=f"source `{source.name}` is an Arazzo "
                                                       "description, which has no operations")
        return TargetLookup(source=source, unchecked=True)


def _behind(description: OpenAPIDescription) -> str:
    """Why an operation may be missing: path items behind ``$ref``s that could not be read."""
    if not description.problems:
        return ""
    first = description.problems[0]
    more = len(description.problems) - 1
    return (f"; {len(description.problems)} path item(s) could not be read, e.g. at {first.at}"
            if more else f"; a path item could not be read ({first})")


def _all_sources(bundle: Bundle) -> Iterator[dict[str, Source]]:
    for document in bundle.documents.values():
        yield bundle.sources_for(document)


# AsyncAPI steps (Arazzo 1.1) ---------------------------------------------------------------

StepApi = Literal["openapi", "asyncapi", "workflow"]
IndexOf = Callable[[Source], "AsyncIndex | None"]

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
        qualified = QUALIFIED.match(operation_id)
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
    qualified = QUALIFIED.match(operation_id)
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
        hint = None
        if field == "operationPath" and QUALIFIED.match(text) and "#" not in text:
            hint = f"that names an operation by its id: write operationId: {text}"
        return AsyncTarget(field=field, hint=hint, problem=(
            f"{'a channelPath' if field == 'channelPath' else 'an operationPath'} must look "
            "like '{$sourceDescriptions.<name>.url}#/"
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
        from arazzo_engine.asyncapi._index import channel_pointer

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

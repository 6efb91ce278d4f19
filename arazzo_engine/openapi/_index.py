"""Finds OpenAPI operations by operationId or by JSON Pointer, with their inherited parts merged.

Both the validator (does this operationId exist? which parameters are required?) and the executor
(which URL, which method, how to serialize) need the same view of an operation, so it is built once
here: path-level parameters merged under operation-level ones, ``$ref``s followed, servers taken
from the nearest level that declares them.
"""

from __future__ import annotations

import re
from collections.abc import KeysView, Mapping
from dataclasses import dataclass, field
from typing import Any

from arazzo_engine.document import join_pointer, resolve_pointer

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_MAX_REF_HOPS = 64


class RefError(LookupError):
    """A ``$ref`` that points nowhere, outside the document, or round in a circle."""


def resolve_ref(document: Any, node: Any) -> Any:
    """Follows a chain of local ``$ref`` (``#/...``) until a node without one."""
    seen: set[str] = set()
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#"):
            raise RefError(f"external reference {ref!r} is not supported here")
        if ref in seen or len(seen) > _MAX_REF_HOPS:
            raise RefError(f"circular reference {ref!r}")
        seen.add(ref)
        try:
            node = resolve_pointer(document, ref[1:])
        except (KeyError, ValueError):
            raise RefError(f"reference {ref!r} points to nothing") from None
    return node


@dataclass
class Operation:
    operation_id: str | None
    path: str
    method: str
    pointer: str
    parameters: list[dict[str, Any]] = field(default_factory=list)
    request_body: dict[str, Any] | None = None
    servers: list[Mapping[str, Any]] = field(default_factory=list)
    responses: dict[str, Any] = field(default_factory=dict)
    security: list[dict[str, Any]] | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    #: Problems met while resolving the operation's references (broken ``$ref``s).
    problems: list[str] = field(default_factory=list)

    def parameter(self, name: str, location: str | None = None) -> dict[str, Any] | None:
        """The declared parameter; header names compare case-insensitively as HTTP does."""
        for param in self.parameters:
            if location is not None and param.get("in") != location:
                continue
            declared = param.get("name")
            if declared == name or (
                param.get("in") == "header" and isinstance(declared, str)
                and declared.lower() == name.lower()
            ):
                return param
        return None


@dataclass
class OperationIndex:
    operations: list[Operation] = field(default_factory=list)
    _by_id: dict[str, Operation] = field(default_factory=dict, repr=False)
    _by_pointer: dict[str, Operation] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, document: Any) -> OperationIndex:
        index = cls()
        if not isinstance(document, Mapping):
            return index
        paths = document.get("paths")
        if not isinstance(paths, Mapping):
            return index
        doc_servers = _servers(document.get("servers")) or [{"url": "/"}]
        for path, path_item in paths.items():
            path_pointer = join_pointer("/paths", path)
            problems: list[str] = []
            try:
                path_item = resolve_ref(document, path_item)
            except RefError as exc:
                problems.append(str(exc))
                continue
            if not isinstance(path_item, Mapping):
                continue
            path_params = _parameters(document, path_item.get("parameters"), problems)
            path_servers = _servers(path_item.get("servers"))
            for method in HTTP_METHODS:
                raw = path_item.get(method)
                if not isinstance(raw, Mapping):
                    continue
                op_problems = list(problems)
                op_params = _parameters(document, raw.get("parameters"), op_problems)
                operation = Operation(
                    operation_id=raw.get("operationId") if isinstance(
                        raw.get("operationId"), str) else None,
                    path=str(path),
                    method=method.upper(),
                    pointer=join_pointer(path_pointer, method),
                    parameters=_merge_parameters(path_params, op_params),
                    request_body=_resolved_or_none(document, raw.get("requestBody"), op_problems),
                    servers=_servers(raw.get("servers")) or path_servers or doc_servers,
                    responses=_resolved_responses(document, raw.get("responses"), op_problems),
                    security=raw.get("security", document.get("security")),
                    raw=dict(raw),
                    problems=op_problems,
                )
                index.operations.append(operation)
                index._by_pointer[operation.pointer] = operation
                if operation.operation_id is not None:
                    index._by_id.setdefault(operation.operation_id, operation)
        return index

    def by_id(self, operation_id: str) -> Operation | None:
        return self._by_id.get(operation_id)

    @property
    def operation_ids(self) -> KeysView[str]:
        """Every operationId in the document (a live view: no copy per call)."""
        return self._by_id.keys()

    def by_pointer(self, pointer: str) -> Operation | None:
        return self._by_pointer.get(pointer)


def _servers(value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [s for s in value if isinstance(s, Mapping) and isinstance(s.get("url"), str)]


def _parameters(document: Any, value: Any, problems: list[str]) -> list[dict[str, Any]]:
    result = []
    for item in value if isinstance(value, list) else []:
        try:
            param = resolve_ref(document, item)
        except RefError as exc:
            problems.append(str(exc))
            continue
        if isinstance(param, Mapping):
            result.append(dict(param))
    return result


def _merge_parameters(path_level: list[dict[str, Any]],
                      op_level: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Operation-level parameters override path-level ones with the same name and ``in``."""
    overridden = {(p.get("name"), p.get("in")) for p in op_level}
    return [p for p in path_level if (p.get("name"), p.get("in")) not in overridden] + op_level


def _resolved_or_none(document: Any, value: Any, problems: list[str]) -> dict[str, Any] | None:
    if value is None:
        return None
    try:
        resolved = resolve_ref(document, value)
    except RefError as exc:
        problems.append(str(exc))
        return None
    return dict(resolved) if isinstance(resolved, Mapping) else None


def _resolved_responses(document: Any, value: Any, problems: list[str]) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        return {}
    result: dict[str, Any] = {}
    for status, response in value.items():
        resolved = _resolved_or_none(document, response, problems)
        if resolved is not None:
            result[str(status)] = resolved
    return result


_VARIABLE = re.compile(r"\{([^{}]+)\}")


def server_url(server: Mapping[str, Any], variables: Mapping[str, str] | None = None) -> str:
    """The server's URL with its ``{variables}`` replaced: overrides first, then defaults.

    A variable with neither stays as written, so the caller can report it.
    """
    raw_variables = server.get("variables")
    declared = raw_variables if isinstance(raw_variables, Mapping) else {}
    overrides = variables or {}

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in overrides:
            return str(overrides[name])
        spec = declared.get(name)
        if isinstance(spec, Mapping) and "default" in spec:
            return str(spec["default"])
        return match.group(0)

    return _VARIABLE.sub(substitute, str(server.get("url", "")))


_OPERATION_PATH = re.compile(
    r"^\{\$sourceDescriptions\.(?P<name>[A-Za-z0-9_\-]+)\.url\}#(?P<pointer>/.*)$"
)
_OPERATION_PATH_BARE = re.compile(
    r"^\$sourceDescriptions\.(?P<name>[A-Za-z0-9_\-]+)(?:\.url)?#(?P<pointer>/.*)$"
)


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

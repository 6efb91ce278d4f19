"""One OpenAPI description: its operations with every inherited part merged and resolved.

Both the validator (does this operationId exist? which parameters are required?) and the
executor (which URL, which method, how to serialize) need the same view of an operation, so it is
built once here: path-level parameters merged under operation-level ones, ``$ref``s followed
into other files, servers taken from the nearest level that declares them, Swagger 2.0 read as
3.0. What cannot be resolved is kept as ``RefProblem``s placed at their ``$ref``, for the
validator to report; nothing here raises for a broken description.
"""

from __future__ import annotations

from collections.abc import KeysView, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from arazzo_engine.document import LoadedDocument, join_pointer, resolve_pointer
from arazzo_engine.openapi._store import DocumentStore, Location, RefError, RefProblem
from arazzo_engine.openapi._swagger import (
    is_swagger,
    swagger_parameter,
    swagger_request_body,
    swagger_response,
    swagger_servers,
)

if TYPE_CHECKING:
    from jsonschema_path import SchemaPath

__all__ = ["HTTP_METHODS", "OpenAPIDescription", "Operation"]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
#: OpenAPI 3.2 adds the QUERY method as a fixed field of the Path Item, and any other method
#: under ``additionalOperations`` (``COPY``, ``PURGE``: the key is the method as sent).
HTTP_METHODS_3_2 = (*HTTP_METHODS, "query")
#: Members whose values are data, not description: a "$ref" key inside them is not a reference.
_DATA_KEYS = frozenset({"example", "default", "const", "enum", "discriminator"})


@dataclass
class Operation:
    """An operation as a step sees it.

    ``pointer`` is the operationPath pointer in the source description (``/paths/~1pets/get``);
    ``location`` is where the Operation Object is written, which is another file when its path
    item is a ``$ref``. ``parameters``, ``request_body`` and ``responses`` are resolved one
    level (nested schema ``$ref``s stay, relative to ``*_at``). ``problems`` lists the
    ``$ref``s met on the way that could not be followed.
    """

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
    problems: list[RefProblem] = field(default_factory=list)
    location: Location | None = field(default=None, repr=False)
    parameter_at: list[Location] = field(default_factory=list, repr=False)
    request_body_at: Location | None = field(default=None, repr=False)
    response_at: dict[str, Location] = field(default_factory=dict, repr=False)
    #: True when the servers are the description's own (none at path or operation level).
    document_servers: bool = True

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

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


class OpenAPIDescription:
    """A source description's operations, looked up by operationId or operationPath pointer.

    ``store`` holds every document the description's ``$ref``s reach; the same store serves
    openapi-core (``spec``), so files are read once however many parts ask for them.
    """

    def __init__(self, document: LoadedDocument, store: DocumentStore) -> None:
        self.document = document
        self.store = store
        self.uri = store.add(document)
        data = document.data if isinstance(document.data, Mapping) else {}
        self.data: Mapping[str, Any] = data
        self.swagger = is_swagger(data)
        self.operations: list[Operation] = []
        #: Path items whose ``$ref`` could not be followed: their operations are unknown.
        self.problems: list[RefProblem] = []
        self._by_id: dict[str, Operation] = {}
        self._by_pointer: dict[str, Operation] = {}
        self._deep: dict[int, list[RefProblem]] = {}
        self._build()

    @property
    def version(self) -> str:
        return str(self.data.get("swagger" if self.swagger else "openapi", ""))

    # lookups ----------------------------------------------------------------------------

    def by_id(self, operation_id: str) -> Operation | None:
        return self._by_id.get(operation_id)

    def by_pointer(self, pointer: str) -> Operation | None:
        return self._by_pointer.get(pointer)

    @property
    def operation_ids(self) -> KeysView[str]:
        """Every operationId in the description (a live view: no copy per call)."""
        return self._by_id.keys()

    @cached_property
    def security_header_names(self) -> frozenset[str]:
        """Header names the security schemes carry (api keys), lower-cased, plus Authorization."""
        names = {"authorization"}
        section: Any = self.data.get("securityDefinitions") if self.swagger else (
            self.data.get("components", {}).get("securitySchemes")
            if isinstance(self.data.get("components"), Mapping) else None)
        if isinstance(section, Mapping):
            for scheme in section.values():
                if isinstance(scheme, Mapping) and scheme.get("in") == "header":
                    names.add(str(scheme.get("name", "")).lower())
        return frozenset(names)

    # building ---------------------------------------------------------------------------

    def _build(self) -> None:
        paths = self.data.get("paths")
        if not isinstance(paths, Mapping):
            return
        root = Location(self.document)
        if self.swagger:
            doc_servers: list[Mapping[str, Any]] = list(swagger_servers(self.data, self.uri))
        else:
            doc_servers = _servers(self.data.get("servers")) or [{"url": "/"}]
        for path, raw_item in paths.items():
            if str(path).startswith("x-"):
                continue
            try:
                item, item_at = self.store.follow(raw_item, root.child("paths", path))
            except RefError as exc:
                self.problems.append(exc.problem)
                continue
            if not isinstance(item, Mapping):
                continue
            problems: list[RefProblem] = []
            shared = self._parameters(item.get("parameters"), item_at.child("parameters"),
                                      problems)
            path_servers = [] if self.swagger else _servers(item.get("servers"))
            for method, raw, tail in self._methods(item):
                if isinstance(raw, Mapping):
                    self._add(str(path), method, raw, item_at.child(*tail), shared,
                              path_servers or doc_servers, bool(path_servers), list(problems),
                              tail)

    @property
    def is_3_2(self) -> bool:
        """OpenAPI 3.2 or later (``query``, ``additionalOperations``, ``in: querystring``)."""
        parts = self.version.split(".")
        return not self.swagger and len(parts) >= 2 and parts[0] == "3" and \
            parts[1].isdigit() and int(parts[1]) >= 2

    def _methods(self, item: Mapping[str, Any]) -> list[tuple[str, Any, tuple[str, ...]]]:
        """(method as sent, Operation Object, pointer under the path item) of a path item."""
        fixed = HTTP_METHODS_3_2 if self.is_3_2 else HTTP_METHODS
        found: list[tuple[str, Any, tuple[str, ...]]] = [
            (method, item.get(method), (method,)) for method in fixed]
        extra = item.get("additionalOperations") if self.is_3_2 else None
        if isinstance(extra, Mapping):
            found += [(str(method), raw, ("additionalOperations", str(method)))
                      for method, raw in extra.items()]
        return found

    def _add(self, path: str, method: str, raw: Mapping[str, Any], at: Location,
             shared: list[tuple[dict[str, Any], Location]], inherited: list[Mapping[str, Any]],
             path_level_servers: bool, problems: list[RefProblem],
             tail: tuple[str, ...]) -> None:
        own = self._parameters(raw.get("parameters"), at.child("parameters"), problems)
        merged = _merge(shared, own)
        own_servers = [] if self.swagger else _servers(raw.get("servers"))
        operation = Operation(
            operation_id=raw["operationId"] if isinstance(raw.get("operationId"), str) else None,
            path=path, method=method.upper() if method in HTTP_METHODS_3_2 else method,
            pointer=join_pointer("/paths", path, *tail),
            servers=own_servers or inherited, security=raw.get("security",
                                                                self.data.get("security")),
            raw=dict(raw), problems=problems, location=at,
            document_servers=not (own_servers or path_level_servers),
        )
        if self.swagger:
            self._swagger_parts(operation, raw, merged, at)
        else:
            operation.parameters = [p for p, _ in merged]
            operation.parameter_at = [a for _, a in merged]
            self._request_body(operation, raw, at)
            self._responses(operation, raw.get("responses"), at.child("responses"),
                            convert=None)
        self.operations.append(operation)
        self._by_pointer[operation.pointer] = operation
        if operation.operation_id is not None:
            self._by_id.setdefault(operation.operation_id, operation)

    def _parameters(self, value: Any, at: Location,
                    problems: list[RefProblem]) -> list[tuple[dict[str, Any], Location]]:
        found = []
        for index, item in enumerate(value if isinstance(value, list) else []):
            try:
                param, param_at = self.store.follow(item, at.child(index))
            except RefError as exc:
                problems.append(exc.problem)
                continue
            if isinstance(param, Mapping):
                found.append((dict(param), param_at))
        return found

    def _request_body(self, operation: Operation, raw: Mapping[str, Any], at: Location) -> None:
        if raw.get("requestBody") is None:
            return
        try:
            body, body_at = self.store.follow(raw["requestBody"], at.child("requestBody"))
        except RefError as exc:
            operation.problems.append(exc.problem)
            return
        if isinstance(body, Mapping):
            operation.request_body, operation.request_body_at = dict(body), body_at

    def _responses(self, operation: Operation, value: Any, at: Location,
                   convert: list[str] | None) -> None:
        if not isinstance(value, Mapping):
            return
        for status, response in value.items():
            if str(status).startswith("x-"):
                continue
            try:
                resolved, resolved_at = self.store.follow(response, at.child(status))
            except RefError as exc:
                operation.problems.append(exc.problem)
                continue
            if isinstance(resolved, Mapping):
                shaped = swagger_response(resolved, convert, rewrite=False) \
                    if convert is not None else dict(resolved)
                operation.responses[str(status)] = shaped
                operation.response_at[str(status)] = resolved_at

    def _swagger_parts(self, operation: Operation, raw: Mapping[str, Any],
                       merged: list[tuple[dict[str, Any], Location]], at: Location) -> None:
        consumes = _media(raw.get("consumes")) or _media(self.data.get("consumes"))
        produces = _media(raw.get("produces")) or _media(self.data.get("produces"))
        for param, param_at in merged:
            if param.get("in") in ("body", "formData"):
                continue
            operation.parameters.append(swagger_parameter(param, rewrite=False))
            operation.parameter_at.append(param_at)
        body = swagger_request_body([p for p, _ in merged], consumes, rewrite=False)
        if body is not None:
            operation.request_body = body
            operation.request_body_at = next(
                (a for p, a in merged if p.get("in") in ("body", "formData")), at)
        self._responses(operation, raw.get("responses"), at.child("responses"),
                        convert=produces)

    # deep reference checks --------------------------------------------------------------

    def ref_problems(self, operation: Operation) -> list[RefProblem]:
        """Every ``$ref`` of the operation that cannot be followed, schemas included.

        Computed once per operation; a schema that refers to itself (a tree) is fine, a chain
        of ``$ref``s that never reaches a definition is not.
        """
        key = id(operation)
        if key not in self._deep:
            found = list(operation.problems)
            seen: set[tuple[str, str]] = set()
            parts = [(_node_at(a), a) for a in operation.parameter_at]
            if operation.location is not None:
                parts.append((operation.raw, operation.location))
            for node, at in parts:
                self._walk(node, at, seen, found)
            unique: dict[tuple[str, str], RefProblem] = {}
            for problem in found:
                unique.setdefault((problem.at.file, problem.at.pointer), problem)
            self._deep[key] = list(unique.values())
        return self._deep[key]

    def _walk(self, node: Any, at: Location, seen: set[tuple[str, str]],
              found: list[RefProblem]) -> None:
        stack: list[tuple[Any, Location]] = [(node, at)]
        while stack:
            node, at = stack.pop()
            if isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
                try:
                    node, at = self.store.follow(node, at)
                except RefError as exc:
                    found.append(exc.problem)
                    continue
                key = (at.file, at.pointer)
                if key in seen:
                    continue
                seen.add(key)
            if isinstance(node, Mapping):
                for name, value in node.items():
                    if name in _DATA_KEYS or str(name).startswith("x-"):
                        continue
                    if name in ("examples", "value") and not isinstance(value, Mapping):
                        continue
                    if isinstance(value, (Mapping, list)):
                        stack.append((value, at.child(name)))
            elif isinstance(node, list):
                stack.extend((value, at.child(i)) for i, value in enumerate(node)
                             if isinstance(value, (Mapping, list)))

    def schema_at(self, schema: Any, at: Location, tokens: list[str]) -> Any:
        """The sub-schema an instance pointer (``tokens``) lands on; None when not declared.

        ``at`` is where ``schema`` is written, so its ``$ref``s resolve in the right file.
        """
        try:
            schema, at = self.store.follow(schema, at)
            for token in tokens:
                if not isinstance(schema, Mapping):
                    return None
                if token.isdigit() and isinstance(schema.get("items"), Mapping):
                    schema, at = self.store.follow(schema["items"], at.child("items"))
                    continue
                properties = schema.get("properties")
                if not isinstance(properties, Mapping) or token not in properties:
                    return None
                schema, at = self.store.follow(properties[token],
                                               at.child("properties", token))
        except RefError:
            return None
        return schema

    # openapi-core -----------------------------------------------------------------------

    def spec(self) -> SchemaPath:
        """The description as openapi-core reads it, resolving through the shared store."""
        return self._spec

    @cached_property
    def _spec(self) -> SchemaPath:
        from arazzo_engine.openapi._spec import build_spec

        return build_spec(self)


def _merge(path_level: list[tuple[dict[str, Any], Location]],
           op_level: list[tuple[dict[str, Any], Location]]
           ) -> list[tuple[dict[str, Any], Location]]:
    """Operation-level parameters override path-level ones with the same name and ``in``."""
    overridden = {(p.get("name"), p.get("in")) for p, _ in op_level}
    return [(p, a) for p, a in path_level if (p.get("name"), p.get("in")) not in overridden] \
        + op_level


def _node_at(at: Location) -> Any:
    try:
        return resolve_pointer(at.document.data, at.pointer)
    except (KeyError, ValueError):
        return None


def _servers(value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [s for s in value if isinstance(s, Mapping) and isinstance(s.get("url"), str)]


def _media(value: Any) -> list[str]:
    return [m for m in value if isinstance(m, str)] if isinstance(value, list) else []

"""Turns a step's parameters and request body into an ``HttpRequest``.

Values arrive through an ``evaluate`` callback (runtime expressions are the expression layer's
job); this module knows OpenAPI: the server URL, the path template, parameter serialization by
``style``/``explode``, and request body media types.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlparse

from arazzo_engine.errors import ExecutionError
from arazzo_engine.executor._bodies import (
    Replacement,
    apply_replacements,
    default_content_type,
    encode_body,
)
from arazzo_engine.executor._http import HttpRequest
from arazzo_engine.executor._options import RunOptions
from arazzo_engine.executor._program import OperationTarget
from arazzo_engine.openapi import (
    ParameterStyle,
    parameter_style,
    render_scalar,
    serialize_cookie,
    serialize_header,
    serialize_path,
    serialize_query,
    server_url,
)

__all__ = ["BuiltRequest", "base_url", "build_request"]

_TEMPLATE_VARIABLE = re.compile(r"\{([^{}]+)\}")
_LOCATIONS = ("path", "query", "querystring", "header", "cookie")
#: Characters a query may hold as they are (RFC 3986: pchar, "/" and "?"; "%" keeps escapes).
_QUERY_SAFE = "!$&'()*+,;=:@/?%"
Evaluate = Callable[[Any], Any]
#: How each parameter of an operation is serialized, by (id(operation), name, location): kept
#: by a caller that builds the same operation's requests again and again (a polling loop).
StyleCache = dict[tuple[int, str, str], tuple[Any, ParameterStyle]]


@dataclass
class BuiltRequest:
    """The request plus the values it was built from, which ``$request.*`` expressions read."""

    request: HttpRequest
    path: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    content_type: str = ""


def base_url(target: OperationTarget, options: RunOptions) -> str:
    """Where the operation's API lives: ``--server`` first, else its OpenAPI ``servers``."""
    source = target.source
    if source.name in options.servers:
        return options.servers[source.name].rstrip("/")
    servers = target.operation.servers or [{"url": "/"}]  # OpenAPI's default
    url = server_url(servers[0], _variables_for(source.name, options.server_variables))
    unresolved = _TEMPLATE_VARIABLE.findall(url)
    if unresolved:
        raise ExecutionError(
            f"server URL {url!r} of source {source.name!r} has variables without a value "
            f"({', '.join(unresolved)}); pass --server-variable NAME=VALUE"
        )
    if not urlparse(url).scheme:
        if urlparse(source.location).scheme in ("http", "https"):
            url = urljoin(source.location, url)
        else:
            what = (f"has the relative server URL {url!r}" if _declares_servers(target) else
                    "declares no servers (OpenAPI then means '/' on the document's host)")
            raise ExecutionError(f"source {source.name!r} {what}, and a local file has no "
                                 f"host; pass --server {source.name}=URL")
    return url.rstrip("/")


def _variables_for(source: str, variables: Mapping[str, str]) -> dict[str, str]:
    """``NAME`` applies to every source; ``SOURCE.NAME`` to one source, and wins there."""
    chosen = {name: value for name, value in variables.items() if "." not in name}
    prefix = f"{source}."
    chosen.update({name[len(prefix):]: value for name, value in variables.items()
                   if name.startswith(prefix)})
    return chosen


def _declares_servers(target: OperationTarget) -> bool:
    document = target.source.document
    data = document.data if document is not None else None
    return bool(target.operation.raw.get("servers")
                or (isinstance(data, Mapping) and data.get("servers")))


def build_request(
    target: OperationTarget,
    parameters: list[Mapping[str, Any]],
    request_body: Mapping[str, Any] | None,
    evaluate: Evaluate,
    options: RunOptions,
    styles: StyleCache | None = None,
) -> BuiltRequest:
    """The HTTP request for one operation step. ``parameters`` are merged and resolved;
    ``styles`` (optional) keeps the parameters' serialization styles between calls."""
    operation = target.operation
    built = BuiltRequest(HttpRequest(method=operation.method, url="", timeout=options.timeout))
    query_parts: list[str] = []
    querystring: str | None = None
    cookies: list[tuple[str, str]] = []
    path_text: dict[str, str] = {}
    for parameter in parameters:
        name = str(parameter.get("name"))
        location = parameter.get("in") or _declared_location(target, name)
        if location not in _LOCATIONS:
            raise ExecutionError(f"parameter {name!r} has an unknown location {location!r}")
        value = evaluate(parameter.get("value"))
        if location == "querystring":
            if querystring is not None:
                raise ExecutionError(f"parameter {name!r}: a request has one querystring")
            querystring = serialize_querystring(value, operation.parameter(name, location))
            built.query.update(parse_qsl(querystring, keep_blank_values=True))
            continue
        style = _style(operation, name, location, styles)
        if location == "path":
            built.path[name] = value
            path_text[name] = serialize_path(name, value, style)
        elif location == "query":
            built.query[name] = value
            query_parts.append(serialize_query(name, value, style))
        elif location == "header":
            built.headers[name] = serialize_header(value, style)
        else:
            cookies.extend(serialize_cookie(name, value, style))
    if cookies:
        built.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies)
    url = base_url(target, options) + _fill_path(operation.path, path_text)
    if querystring is not None and query_parts:
        raise ExecutionError("a querystring parameter is the whole query string, so it cannot "
                             "be combined with query parameters (OpenAPI 3.2)")
    if querystring is not None:
        query_parts = [querystring]
    if query_parts:
        url += ("&" if "?" in url else "?") + "&".join(p for p in query_parts if p)
    built.request.url = url
    built.request.headers = dict(built.headers)
    if request_body is not None:
        _attach_body(built, target, request_body, evaluate)
    return built


def _style(operation: Any, name: str, location: str, styles: StyleCache | None) -> ParameterStyle:
    if styles is None:
        return parameter_style(location, operation.parameter(name, location))
    key = (id(operation), name, location)
    found = styles.get(key)
    if found is None or found[0] is not operation:
        found = styles[key] = (operation,
                               parameter_style(location, operation.parameter(name, location)))
    return found[1]


def serialize_querystring(value: Any, declared: Mapping[str, Any] | None) -> str:
    """Arazzo 1.1 ``in: querystring``: the value is the whole query string.

    A string is sent as written, characters a URL query cannot hold percent-encoded. An object
    or array is encoded by the media type of the operation's querystring parameter
    (``content``, OpenAPI 3.2): form-urlencoded by default, compact JSON for a JSON one.
    """
    if isinstance(value, str):
        return quote(value, safe=_QUERY_SAFE)
    content = declared.get("content") if isinstance(declared, Mapping) else None
    media = next(iter(content), "") if isinstance(content, Mapping) else ""
    if isinstance(value, (Mapping, list)):
        if "json" in str(media):
            return quote(json.dumps(value, separators=(",", ":")), safe=_QUERY_SAFE)
        pairs = value.items() if isinstance(value, Mapping) else value
        try:
            return urlencode([(str(k), render_scalar(v)) for k, v in pairs])
        except (TypeError, ValueError):
            raise ExecutionError("a querystring given as a list needs [name, value] "
                                 "pairs") from None
    return quote(render_scalar(value), safe=_QUERY_SAFE)


def _declared_location(target: OperationTarget, name: str) -> str:
    declared = target.operation.parameter(name)
    if declared is None or not isinstance(declared.get("in"), str):
        raise ExecutionError(
            f"parameter {name!r} has no 'in' and the operation declares no parameter of that name"
        )
    return str(declared["in"])


def _fill_path(template: str, values: Mapping[str, str]) -> str:
    pieces = _TEMPLATES.get(template)
    if pieces is None:
        if len(_TEMPLATES) >= 1024:
            _TEMPLATES.clear()
        # literal, name, literal, name, ..., literal: the template read once
        pieces = _TEMPLATES[template] = tuple(_TEMPLATE_VARIABLE.split(template))
    names = pieces[1::2]
    missing = [n for n in names if n not in values]
    if missing:
        raise ExecutionError(
            f"path {template!r} needs a value for path parameter(s) {', '.join(missing)}"
        )
    return "".join(piece if index % 2 == 0 else values[piece]
                   for index, piece in enumerate(pieces))


#: Path templates split at their ``{name}`` variables, by template text.
_TEMPLATES: dict[str, tuple[str, ...]] = {}


def _replacement(item: Mapping[str, Any], evaluate: Evaluate) -> Replacement:
    declared = item.get("targetSelectorType")
    kind = version = None
    if declared is not None:
        from arazzo_engine.expressions import ExpressionError, expression_type

        try:
            kind, version = expression_type(declared, what="target selector")
        except ExpressionError as exc:
            raise ExecutionError(f"replacement targetSelectorType: {exc.message}") from None
    return Replacement(str(item.get("target")), evaluate(item.get("value")), kind, version)


def _attach_body(
    built: BuiltRequest, target: OperationTarget, request_body: Mapping[str, Any],
    evaluate: Evaluate,
) -> None:
    payload = evaluate(request_body.get("payload"))
    content_type = request_body.get("contentType")
    if not isinstance(content_type, str) or not content_type:
        content_type = default_content_type(payload, target.operation.request_body)
    declared = request_body.get("replacements") or []
    if not isinstance(declared, list) or not all(isinstance(i, Mapping) for i in declared):
        raise ExecutionError("requestBody replacements must be a list of objects with "
                             "target and value")
    replacements = [_replacement(item, evaluate) for item in declared]
    payload = apply_replacements(payload, content_type, replacements)
    data, header = encode_body(payload, content_type)
    built.body = payload
    built.content_type = header
    built.request.body = data
    if not any(k.lower() == "content-type" for k in built.request.headers):
        built.request.headers["Content-Type"] = header

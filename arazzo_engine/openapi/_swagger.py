"""Swagger 2.0 read as OpenAPI 3.0: the shapes the rest of the engine knows.

Arazzo 1.0.1 names no OpenAPI version and real workflows point at Swagger 2.0 files, so their
operations resolve like any other: an ``in: body`` parameter is the request body (one media type
per ``consumes`` entry), ``in: formData`` parameters are a form body, ``type``/``items``/
``collectionFormat`` become a ``schema`` and a ``style``, a response's ``schema`` is its content
for every ``produces`` type, and ``schemes``/``host``/``basePath`` are the servers.

``to_openapi3`` converts a whole document for openapi-core, which validates 3.x only; the
validator keeps reading the original file so that positions stay true.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "is_swagger",
    "swagger_parameter",
    "swagger_request_body",
    "swagger_response",
    "swagger_servers",
    "to_openapi3",
    "to_openapi3_schema",
]

#: Parameter fields that describe the value and move into the 3.x ``schema``.
_SCHEMA_FIELDS = ("type", "format", "items", "default", "maximum", "exclusiveMaximum",
                  "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern",
                  "maxItems", "minItems", "uniqueItems", "enum", "multipleOf")
#: collectionFormat -> (style, explode) in a query; path and header lists are always csv.
_COLLECTION_STYLES = {"csv": ("form", False), "ssv": ("spaceDelimited", False),
                      "tsv": ("form", False), "pipes": ("pipeDelimited", False),
                      "multi": ("form", True)}
_DEFAULT_MEDIA = "application/json"
_FORM = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"


def is_swagger(data: Any) -> bool:
    return isinstance(data, Mapping) and str(data.get("swagger", "")).startswith("2")


def swagger_servers(data: Mapping[str, Any], document_uri: str = "") -> list[dict[str, Any]]:
    """Servers from ``schemes``, ``host`` and ``basePath``.

    Without ``host`` the API lives on the document's own host: the URL is then relative (the
    executor asks for ``--server`` when the document is a local file).
    """
    raw_base = data.get("basePath")
    base_path = raw_base.rstrip("/") if isinstance(raw_base, str) else ""
    host = data.get("host") if isinstance(data.get("host"), str) else None
    if not host:
        return [{"url": base_path or "/"}]
    schemes = [s for s in data.get("schemes") or [] if isinstance(s, str)]
    if not schemes:
        own = document_uri.split(":", 1)[0] if document_uri.startswith("http") else "https"
        schemes = [own]
    return [{"url": f"{scheme}://{host}{base_path}"} for scheme in schemes]


def to_openapi3_schema(schema: Any, rewrite: bool = True) -> Any:
    """A 2.0 Schema Object as 3.0 says it: ``x-nullable``, ``type: file`` and a string
    ``discriminator`` rewritten, and (``rewrite``) ``#/definitions/`` references moved to
    components. The validator keeps references as written: they resolve in the 2.0 file."""
    if isinstance(schema, list):
        return [to_openapi3_schema(item, rewrite) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "$ref" and isinstance(value, str):
            result[key] = _ref(value) if rewrite else value
        elif key == "x-nullable":
            result["nullable"] = bool(value)
        elif key == "discriminator" and isinstance(value, str):
            result[key] = {"propertyName": value}
        elif key == "type" and value == "file":
            result["type"], result["format"] = "string", "binary"
        elif key in ("example", "default", "enum", "const") or key.startswith("x-"):
            result[key] = value
        elif key == "properties" and isinstance(value, Mapping):
            result[key] = {name: to_openapi3_schema(item, rewrite)
                           for name, item in value.items()}
        else:
            result[key] = to_openapi3_schema(value, rewrite)
    return result


def _ref(ref: str) -> str:
    file_part, _, fragment = ref.partition("#")
    for old, new in (("/definitions/", "/components/schemas/"),
                     ("/responses/", "/components/responses/"),
                     ("/parameters/", "/components/parameters/")):
        if fragment.startswith(old):
            return f"{file_part}#{new}{fragment[len(old):]}"
    return ref


def swagger_parameter(parameter: Mapping[str, Any], rewrite: bool = True) -> dict[str, Any]:
    """A non-body 2.0 parameter as a 3.0 Parameter Object."""
    result = {k: v for k, v in parameter.items() if k not in _SCHEMA_FIELDS
              and k not in ("collectionFormat", "allowEmptyValue")}
    schema = {k: parameter[k] for k in _SCHEMA_FIELDS if k in parameter}
    if isinstance(schema.get("items"), Mapping):
        schema["items"] = swagger_parameter_schema(schema["items"])
    result["schema"] = to_openapi3_schema(schema, rewrite)
    if parameter.get("type") == "array" and parameter.get("in") == "query":
        style, explode = _COLLECTION_STYLES.get(str(parameter.get("collectionFormat", "csv")),
                                                ("form", False))
        result["style"], result["explode"] = style, explode
    elif parameter.get("type") == "array":
        result["style"], result["explode"] = "simple", False
    if parameter.get("allowEmptyValue"):
        result["allowEmptyValue"] = True
    return result


def swagger_parameter_schema(items: Mapping[str, Any]) -> dict[str, Any]:
    schema = {k: items[k] for k in _SCHEMA_FIELDS if k in items}
    if isinstance(schema.get("items"), Mapping):
        schema["items"] = swagger_parameter_schema(schema["items"])
    return schema


def swagger_request_body(parameters: list[Mapping[str, Any]], consumes: list[str],
                         rewrite: bool = True) -> dict[str, Any] | None:
    """The request body an operation's ``in: body`` or ``in: formData`` parameters describe."""
    body = next((p for p in parameters if p.get("in") == "body"), None)
    if body is not None:
        media = consumes or [_DEFAULT_MEDIA]
        schema = to_openapi3_schema(body.get("schema", {}), rewrite)
        result: dict[str, Any] = {"content": {m: {"schema": schema} for m in media},
                                  "required": bool(body.get("required"))}
        if isinstance(body.get("description"), str):
            result["description"] = body["description"]
        return result
    form = [p for p in parameters if p.get("in") == "formData"]
    if not form:
        return None
    properties = {str(p.get("name")): swagger_parameter(p, rewrite)["schema"] for p in form}
    required = [str(p.get("name")) for p in form if p.get("required")]
    form_schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        form_schema["required"] = required
    has_file = any(p.get("type") == "file" for p in form)
    media = [m for m in consumes if m in (_FORM, _MULTIPART)] or (
        [_MULTIPART] if has_file else [_FORM])
    return {"content": {m: {"schema": form_schema} for m in media},
            "required": bool(required)}


def swagger_response(response: Mapping[str, Any], produces: list[str],
                     rewrite: bool = True) -> dict[str, Any]:
    """A 2.0 Response Object as 3.0 says it (``schema`` under each produced media type)."""
    result: dict[str, Any] = {"description": response.get("description", "")}
    if "schema" in response:
        schema = to_openapi3_schema(response["schema"], rewrite)
        result["content"] = {m: {"schema": schema} for m in (produces or [_DEFAULT_MEDIA])}
    headers = response.get("headers")
    if isinstance(headers, Mapping):
        result["headers"] = {
            name: {**({"description": h["description"]} if "description" in h else {}),
                   "schema": swagger_parameter_schema(h)}
            for name, h in headers.items() if isinstance(h, Mapping)}
    return result


def _media(value: Any) -> list[str]:
    return [m for m in value if isinstance(m, str)] if isinstance(value, list) else []


def to_openapi3(data: Mapping[str, Any], document_uri: str = "") -> dict[str, Any]:
    """A whole 2.0 document as OpenAPI 3.0.3, for openapi-core's validators.

    Parameters and responses named by local ``$ref`` are written in place (a body parameter
    has no 3.0 counterpart among components); schema references keep pointing, now into
    ``components/schemas``.
    """
    doc_consumes, doc_produces = _media(data.get("consumes")), _media(data.get("produces"))
    paths: dict[str, Any] = {}
    raw_paths = data.get("paths")
    for path, item in (raw_paths.items() if isinstance(raw_paths, Mapping) else ()):
        item = _local(data, item)
        if not isinstance(item, Mapping):
            continue
        shared = [_local(data, p) for p in item.get("parameters") or []]
        converted: dict[str, Any] = {}
        for method, operation in item.items():
            if method == "parameters" or not isinstance(operation, Mapping):
                continue
            own = [_local(data, p) for p in operation.get("parameters") or []]
            overridden = {(p.get("name"), p.get("in")) for p in own if isinstance(p, Mapping)}
            params = [p for p in shared if isinstance(p, Mapping)
                      and (p.get("name"), p.get("in")) not in overridden]
            params += [p for p in own if isinstance(p, Mapping)]
            consumes = _media(operation.get("consumes")) or doc_consumes
            produces = _media(operation.get("produces")) or doc_produces
            out = {k: v for k, v in operation.items()
                   if k not in ("parameters", "responses", "consumes", "produces", "schemes")}
            out["parameters"] = [swagger_parameter(p) for p in params
                                 if p.get("in") not in ("body", "formData")]
            body = swagger_request_body(params, consumes)
            if body is not None:
                out["requestBody"] = body
            responses = operation.get("responses")
            out["responses"] = {
                str(status): swagger_response(_local(data, r), produces)
                for status, r in (responses.items() if isinstance(responses, Mapping) else ())
                if isinstance(_local(data, r), Mapping)} or {"default": {"description": ""}}
            converted[str(method)] = out
        paths[str(path)] = converted
    definitions = data.get("definitions")
    schemas = {name: to_openapi3_schema(schema) for name, schema in definitions.items()} \
        if isinstance(definitions, Mapping) else {}
    info = data.get("info")
    return {"openapi": "3.0.3",
            "info": {"title": "", "version": "", **(info if isinstance(info, Mapping) else {})},
            "servers": swagger_servers(data, document_uri), "paths": paths,
            "components": {"schemas": schemas}}


def _local(data: Mapping[str, Any], node: Any) -> Any:
    """Follows local ``$ref``s (``#/parameters/...``, ``#/responses/...``) a few hops."""
    for _ in range(16):
        if not (isinstance(node, Mapping) and isinstance(node.get("$ref"), str)
                and node["$ref"].startswith("#/")):
            return node
        current: Any = data
        for token in node["$ref"][2:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            current = current.get(token) if isinstance(current, Mapping) else None
        node = current
    return node

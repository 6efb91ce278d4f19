"""The parts of an OpenAPI description a workflow needs: operations, servers, parameters."""

from arazzo_engine.openapi._index import (
    HTTP_METHODS,
    Operation,
    OperationIndex,
    RefError,
    parse_operation_path,
    resolve_ref,
    server_url,
)
from arazzo_engine.openapi._serialization import (
    ParameterStyle,
    default_style,
    parameter_style,
    render_scalar,
    serialize_cookie,
    serialize_header,
    serialize_path,
    serialize_query,
)

__all__ = [
    "HTTP_METHODS",
    "Operation",
    "OperationIndex",
    "ParameterStyle",
    "RefError",
    "default_style",
    "parameter_style",
    "parse_operation_path",
    "render_scalar",
    "resolve_ref",
    "serialize_cookie",
    "serialize_header",
    "serialize_path",
    "serialize_query",
    "server_url",
]

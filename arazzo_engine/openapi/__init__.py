"""The one OpenAPI model validate, run and test share.

``StepTargets(bundle)`` builds each source description once (``OpenAPIDescription``: its
operations with parameters, bodies, responses and servers resolved, ``$ref``s followed into
other files under the bundle's source policy, Swagger 2.0 read as 3.0) and answers which
operation a step calls (``lookup``) and with which merged parameters (``merge_parameters``).
The validator turns a ``TargetLookup``'s problem into a diagnostic; the executor calls
``require()``, which raises. ``OpenAPIDescription.spec()`` is the same description for
openapi-core's validators, imported only when needed.
"""

from arazzo_engine.openapi._description import HTTP_METHODS, OpenAPIDescription, Operation
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
from arazzo_engine.openapi._servers import server_url
from arazzo_engine.openapi._store import (
    DocumentStore,
    Location,
    ReferencePolicy,
    RefError,
    RefProblem,
)
from arazzo_engine.openapi._targets import (
    ASYNC_FIELDS,
    COMPONENT_KINDS,
    QUALIFIED,
    REFERENCE,
    AsyncTarget,
    MergedParameter,
    ParameterMerge,
    Reusable,
    StepApi,
    StepTargets,
    TargetLookup,
    document_key,
    effective_items,
    merge_parameters,
    parse_operation_path,
    resolve_async_step,
    resolve_reusable,
    step_api,
    suggest,
)

__all__ = [
    "ASYNC_FIELDS",
    "COMPONENT_KINDS",
    "HTTP_METHODS",
    "QUALIFIED",
    "REFERENCE",
    "AsyncTarget",
    "DocumentStore",
    "Location",
    "MergedParameter",
    "OpenAPIDescription",
    "Operation",
    "ParameterMerge",
    "ParameterStyle",
    "RefError",
    "RefProblem",
    "ReferencePolicy",
    "Reusable",
    "StepApi",
    "StepTargets",
    "TargetLookup",
    "default_style",
    "document_key",
    "effective_items",
    "merge_parameters",
    "parameter_style",
    "parse_operation_path",
    "render_scalar",
    "resolve_async_step",
    "resolve_reusable",
    "serialize_cookie",
    "serialize_header",
    "serialize_path",
    "serialize_query",
    "server_url",
    "step_api",
    "suggest",
]

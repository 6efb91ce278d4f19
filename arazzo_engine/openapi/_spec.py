"""A description as openapi-core reads it: a ``SchemaPath`` over the shared document store.

Imported only when an exchange is checked, so ``arazzo validate`` and ``arazzo --version`` do
not pay for openapi-core and its dependencies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from jsonschema_path import SchemaPath
from jsonschema_path.accessors import SchemaAccessor
from jsonschema_path.paths import SPEC_SEPARATOR
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from arazzo_engine.openapi._swagger import to_openapi3, to_openapi3_schema

if TYPE_CHECKING:
    from arazzo_engine.openapi._description import OpenAPIDescription


def build_spec(description: OpenAPIDescription) -> SchemaPath:
    store = description.store
    if not description.swagger:
        resolver = store.registry.resolver(base_uri=description.uri)
        return SchemaPath(SchemaAccessor(description.data, resolver), separator=SPEC_SEPARATOR)
    converted = to_openapi3(description.data, description.uri)

    def retrieve(uri: str) -> Resource[Any]:  # other files of a 2.0 description, converted
        return DRAFT202012.create_resource(_converted_file(store.get(uri).data))

    registry: Registry[Any] = Registry(retrieve=retrieve)  # type: ignore[call-arg]
    registry = registry.with_resource(description.uri, DRAFT202012.create_resource(converted))
    return SchemaPath(SchemaAccessor(converted, registry.resolver(base_uri=description.uri)),
                      separator=SPEC_SEPARATOR)


def _converted_file(data: Any) -> Any:
    """A file a 2.0 description refers to (definitions, a bare schema) in 3.0 terms."""
    converted = to_openapi3_schema(data)
    if isinstance(data, Mapping) and isinstance(converted, dict) \
            and isinstance(data.get("definitions"), Mapping):
        converted["components"] = {"schemas": converted["definitions"]}
    return converted

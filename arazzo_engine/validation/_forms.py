"""Ways of naming operations and workflows that are not Arazzo, and the Arazzo form of each.

Real documents copy other tools' notations: ``museum-api.getMuseumHours`` for an operation of
source ``museum-api``, ``$sourceDescriptions.x.workflows.y`` for a workflow of source ``x``,
``source#/paths/~1pets/get`` or ``POST {source}./pets`` for an operationPath. Each is an error
(no Arazzo tool reads them the same way); the hint gives the exact Arazzo form to write.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from arazzo_engine.document import escape_token
from arazzo_engine.openapi import HTTP_METHODS

#: ``name#/paths/...``, ``name.url#/...``, ``{name}#/...``, ``{$sourceDescriptions.name}#/...``,
#: ``$sourceDescriptions.name#/...``: a source named some other way before the pointer.
_NAMED_POINTER = re.compile(
    r"^\{?(?:\$sourceDescriptions\.)?(?P<name>[^{}#\s]+?)(?:\.url)?\}?(?P<pointer>#/.*)$")
#: ``POST {name}./pets/{id}``, ``GET /pets``, ``get {name}/pets``: a method and a URL path.
_METHOD_PATH = re.compile(
    r"^(?P<method>[A-Za-z]+)\s+(?:\{(?:\$sourceDescriptions\.)?(?P<name>[^{}\s]+?)(?:\.url)?\}"
    r"\.?)?(?P<path>/\S*)$")
_QUALIFIED_PATH = re.compile(r"^(?:\{\$sourceDescriptions\.[^{}]+\.url\}|\$sourceDescriptions"
                             r"\.[^#]+)#/")


def _operation_path(name: str, path: str, method: str) -> str:
    return f"{{$sourceDescriptions.{name}.url}}#/paths/{escape_token(path)}/{method}"


def _the_source(openapi_sources: Collection[str]) -> str:
    return next(iter(openapi_sources)) if len(openapi_sources) == 1 else "<name>"


def operation_path_form(text: str, sources: Collection[str],
                        openapi_sources: Collection[str]) -> str | None:
    """The Arazzo form of an operationPath written some other way, or None when ``text`` is not
    recognisably one. ``sources`` are the declared source names, ``openapi_sources`` those that
    may hold operations (used when the text names no source)."""
    text = text.strip()
    named = _NAMED_POINTER.match(text)
    if named and named["name"] in sources:
        return f"{{$sourceDescriptions.{named['name']}.url}}{named['pointer']}"
    if text.startswith("#/"):
        return f"{{$sourceDescriptions.{_the_source(openapi_sources)}.url}}{text}"
    method_path = _METHOD_PATH.match(text)
    if method_path and method_path["method"].lower() in HTTP_METHODS:
        name = method_path["name"]
        if name is None or name not in sources:
            name = _the_source(openapi_sources)
        return _operation_path(name, method_path["path"], method_path["method"].lower())
    if text.startswith("/") and "#" not in text:
        return _operation_path(_the_source(openapi_sources), text, "<method>")
    return None


def operation_id_form(text: str, sources: Collection[str]) -> tuple[str, str] | None:
    """(why, Arazzo form) for an operationId written some other way, or None.

    ``museum-api.getMuseumHours`` -> ``$sourceDescriptions.museum-api.getMuseumHours``;
    an operationPath given as an operationId -> ``operationPath: {$sourceDescriptions...}``.
    """
    if _QUALIFIED_PATH.match(text) or "#/paths/" in text:
        form = operation_path_form(text, sources, ())
        if form is not None:
            return ("is an operationPath (a source and a JSON pointer), not an operationId",
                    f"write operationPath: '{form}'")
    prefix, dot, rest = text.partition(".")
    if dot and rest and prefix in sources:
        return (f"names source `{prefix}` without `$sourceDescriptions.`, so it is read as one "
                "operationId with a dot in it",
                f"write $sourceDescriptions.{prefix}.{rest}")
    return None


def workflow_id_form(text: str, sources: Collection[str]) -> tuple[str, str] | None:
    """(why, Arazzo form) for a workflow of another source named some other way, or None:
    ``$sourceDescriptions.x.workflows.y`` and ``x.y`` -> ``$sourceDescriptions.x.y``.

    (``$sourceDescriptions.x#/workflows/0`` needs the source's data; the rule resolves it.)"""
    qualified = re.match(r"^\$sourceDescriptions\.(?P<name>[^.#]+)\.workflows\.(?P<id>.+)$", text)
    if qualified and qualified["name"] in sources:
        return ("is not the Arazzo form: a source's workflows are named directly after it",
                f"write $sourceDescriptions.{qualified['name']}.{qualified['id']}")
    prefix, dot, rest = text.partition(".")
    if dot and rest and prefix in sources:
        return (f"names source `{prefix}` without `$sourceDescriptions.`",
                f"write $sourceDescriptions.{prefix}.{rest}")
    return None

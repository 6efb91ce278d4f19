"""Plain-name fragments (``$ref: '#pagination'``) of the JSON Schemas in an Arazzo document.

Workflow ``inputs`` and ``components.inputs`` are JSON Schema 2020-12, whose ``$ref`` may name a
schema by its ``$anchor`` as well as by a JSON Pointer; Arazzo 1.1 says both MUST work
("Resolving URI Fragments"). The document itself is not a schema, so a JSON Schema library
cannot find anchors inside it: they are found here, and a plain-name reference becomes the
pointer of the schema that declares the anchor.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from arazzo_engine.document._pointer import join_pointer

__all__ = ["anchor_pointers", "schema_roots", "with_anchors_as_pointers"]

#: Deeper than this, a schema is not searched for anchors (a guard against hostile nesting).
MAX_DEPTH = 64


def schema_roots(data: Any) -> Iterator[tuple[str, Any]]:
    """(pointer, schema) of every inputs schema: workflows' and components'."""
    if not isinstance(data, dict):
        return
    workflows = data.get("workflows")
    for index, workflow in enumerate(workflows if isinstance(workflows, list) else []):
        if isinstance(workflow, dict) and "inputs" in workflow:
            yield f"/workflows/{index}/inputs", workflow["inputs"]
    components = data.get("components")
    inputs = components.get("inputs") if isinstance(components, dict) else None
    for name, schema in inputs.items() if isinstance(inputs, dict) else []:
        yield join_pointer("/components/inputs", name), schema


def anchor_pointers(data: Any) -> dict[str, str]:
    """Each ``$anchor`` of the document's inputs schemas and the pointer of its schema (the
    first one wins when two schemas claim a name)."""
    found: dict[str, str] = {}
    for pointer, schema in schema_roots(data):
        _collect(schema, pointer, found, 0)
    return found


def _collect(node: Any, pointer: str, found: dict[str, str], depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    if isinstance(node, dict):
        anchor = node.get("$anchor")
        if isinstance(anchor, str):
            found.setdefault(anchor, pointer)
        for key, value in node.items():
            _collect(value, join_pointer(pointer, key), found, depth + 1)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _collect(value, join_pointer(pointer, index), found, depth + 1)


def with_anchors_as_pointers(data: Any) -> Any:
    """A copy of the document in which every ``$ref: '#name'`` naming a known anchor reads
    ``'#/its/pointer'`` (the data itself when there are none)."""
    anchors = anchor_pointers(data)
    if not anchors:
        return data
    copied = copy.deepcopy(data)
    for _, schema in schema_roots(copied):
        _rewrite(schema, anchors, 0)
    return copied


def _rewrite(node: Any, anchors: dict[str, str], depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#") and not ref.startswith("#/") \
                and ref[1:] in anchors:
            node["$ref"] = "#" + anchors[ref[1:]]
        for value in node.values():
            _rewrite(value, anchors, depth + 1)
    elif isinstance(node, list):
        for value in node:
            _rewrite(value, anchors, depth + 1)

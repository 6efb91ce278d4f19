"""Request bodies: payload replacements and encoding per content type.

A payload arrives already evaluated (expressions replaced by values). What remains is media-type
work: setting ``replacements`` and turning the value into bytes for JSON, form-urlencoded,
multipart, XML and text. A replacement's target is read as its ``targetSelectorType`` says
(Arazzo 1.1: jsonpointer, jsonpath RFC 9535 or Goessner, xpath of a version); without one, as
JSON Pointer into JSON-like payloads and XPath into XML ones, as before.
"""

from __future__ import annotations

import copy
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

from arazzo_engine.document import split_pointer
from arazzo_engine.errors import ExecutionError
from arazzo_engine.openapi import render_scalar

#: elementpath.select's default parser (XPath 2.0): a 1.0 target without a version keeps it.
DEFAULT_VERSION_1_0 = "xpath-20"

__all__ = ["Replacement", "apply_replacements", "default_content_type", "encode_body",
           "media_kind"]


@dataclass(frozen=True)
class Replacement:
    """One Payload Replacement Object, its value evaluated; ``kind`` is None when the document
    gives no ``targetSelectorType`` (the payload's media type then decides)."""

    target: str
    value: Any
    kind: str | None = None
    version: str | None = None


def media_kind(content_type: str) -> str:
    """One of ``json``, ``form``, ``multipart``, ``xml``, ``text``, ``other``."""
    media = content_type.split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return "json"
    if media == "application/x-www-form-urlencoded":
        return "form"
    if media.startswith("multipart/"):
        return "multipart"
    if media.endswith("/xml") or media.endswith("+xml"):
        return "xml"
    if media.startswith("text/"):
        return "text"
    return "other"


def default_content_type(payload: Any, operation_body: Mapping[str, Any] | None) -> str:
    """The operation's first declared media type, else JSON for structures and text for text."""
    content = operation_body.get("content") if isinstance(operation_body, Mapping) else None
    if isinstance(content, Mapping):
        for media in content:
            if isinstance(media, str) and "*" not in media:
                return media
    return "text/plain" if isinstance(payload, str) else "application/json"


def apply_replacements(payload: Any, content_type: str,
                       replacements: list[Replacement]) -> Any:
    """Sets each replacement in the payload; a JSON text payload is parsed first."""
    if not replacements:
        return payload
    kind = media_kind(content_type)
    xml = kind == "xml" or (isinstance(payload, str) and payload.lstrip().startswith("<"))
    kinds = {r.kind or ("xpath" if xml else "jsonpointer") for r in replacements}
    if xml:
        if kinds != {"xpath"}:
            raise ExecutionError("an XML payload takes XPath replacement targets, not "
                                 f"{', '.join(sorted(kinds - {'xpath'}))}")
        return _replace_xml(str(payload), replacements)
    if "xpath" in kinds:
        raise ExecutionError("an XPath replacement target needs an XML payload")
    was_text = isinstance(payload, str)
    if was_text:
        try:
            payload = json.loads(payload)
        except ValueError:
            raise ExecutionError("replacements need a JSON or XML payload") from None
    payload = copy.deepcopy(payload)
    for replacement in replacements:
        if replacement.kind == "jsonpath":
            payload = _set_jsonpath(payload, replacement)
        else:
            payload = _set_pointer(payload, replacement.target, replacement.value)
    return json.dumps(payload) if was_text else payload


def _set_jsonpath(document: Any, replacement: Replacement) -> Any:
    """Sets the value at every node the JSONPath selects; selecting nothing is an error."""
    from arazzo_engine.expressions import ExpressionError
    from arazzo_engine.expressions._jsonpath import GOESSNER, compile_query

    target = replacement.target
    if replacement.version == GOESSNER:
        from jsonpath_ng.ext import parse

        try:
            query = parse(target)
        except Exception as exc:  # jsonpath-ng raises bare Exception subclasses
            raise ExecutionError(f"replacement target {target!r}: {exc}") from None
        if not query.find(document):
            raise ExecutionError(f"replacement target {target!r} selects nothing")
        return query.update(document, replacement.value)
    try:
        nodes = compile_query(target).find(document)
    except ExpressionError as exc:
        raise ExecutionError(f"replacement target: {exc.message}") from None
    if not nodes:
        raise ExecutionError(f"replacement target {target!r} selects nothing")
    for node in nodes:
        if not node.location:
            return replacement.value  # "$" selects the whole payload
        parent = document
        for key in node.location[:-1]:
            parent = parent[key]
        parent[node.location[-1]] = replacement.value
    return document


def _set_pointer(document: Any, pointer: str, value: Any) -> Any:
    try:
        tokens = split_pointer(pointer)
    except ValueError as exc:
        raise ExecutionError(f"replacement target: {exc}") from None
    if not tokens:
        return value
    node = document
    for token in tokens[:-1]:
        if isinstance(node, dict):
            node = node.setdefault(token, {})
        elif isinstance(node, list):
            node = node[_array_index(node, token, pointer)]
        else:
            node = None
            break
    last = tokens[-1]
    if isinstance(node, list):
        if last == "-":
            node.append(value)
        else:
            node[_array_index(node, last, pointer)] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ExecutionError(f"replacement target {pointer!r} is not inside an object or array")
    return document


def _array_index(array: list[Any], token: str, pointer: str) -> int:
    if token.isascii() and token.isdigit() and int(token) < len(array):
        return int(token)
    raise ExecutionError(f"replacement target {pointer!r}: the array has no item {token!r}")


def _replace_xml(text: str, replacements: list[Replacement]) -> str:
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise ExecutionError(f"the XML payload does not parse: {exc}") from None
    for replacement in replacements:
        target, value = replacement.target, replacement.value
        path, attribute = target, None
        head, sep, tail = target.rpartition("/@")
        if sep and "/" not in tail and "[" not in tail:
            path, attribute = head, tail
        import elementpath  # on first use: XML payload replacements are rare

        from arazzo_engine.expressions._xpath import _parser

        try:
            selector = elementpath.Selector(path, parser=_parser(replacement.version or
                                                                 DEFAULT_VERSION_1_0))
            found = selector.select(ElementTree.ElementTree(root))
        except (elementpath.ElementPathError, SyntaxError) as exc:
            raise ExecutionError(f"replacement target {target!r}: {exc}") from None
        nodes = [n for n in (found if isinstance(found, list) else [found])
                 if isinstance(n, ElementTree.Element)]
        if not nodes:
            raise ExecutionError(f"replacement target {target!r} selects no element")
        for node in nodes:
            if attribute:
                node.set(attribute, render_scalar(value))
            else:
                node.text = render_scalar(value)
    return ElementTree.tostring(root, encoding="unicode")


def encode_body(payload: Any, content_type: str) -> tuple[bytes, str]:
    """The payload as bytes and the Content-Type to send with it."""
    kind = media_kind(content_type)
    if isinstance(payload, (bytes, bytearray)):
        return bytes(payload), content_type
    if kind == "form" and isinstance(payload, Mapping):
        pairs = [(k, render_scalar(v)) for k, values in payload.items()
                 for v in (values if isinstance(values, list) else [values])]
        return urlencode(pairs).encode("utf-8"), content_type
    if kind == "multipart" and isinstance(payload, Mapping):
        return _multipart(payload, content_type)
    if kind == "xml" and isinstance(payload, Mapping):
        return _to_xml(payload).encode("utf-8"), content_type
    if isinstance(payload, str):
        return payload.encode("utf-8"), content_type
    if kind in ("text", "xml"):
        return render_scalar(payload).encode("utf-8"), content_type
    return json.dumps(payload).encode("utf-8"), content_type


def _multipart(payload: Mapping[str, Any], content_type: str) -> tuple[bytes, str]:
    boundary = f"arazzo-{secrets.token_hex(12)}"
    chunks: list[bytes] = []
    for name, value in payload.items():
        header = f'Content-Disposition: form-data; name="{name}"\r\n'
        if isinstance(value, (Mapping, list)):
            header += "Content-Type: application/json\r\n"
            data = json.dumps(value).encode("utf-8")
        else:
            data = render_scalar(value).encode("utf-8")
        chunks.append(f"--{boundary}\r\n{header}\r\n".encode() + data + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    media = content_type.split(";")[0].strip()
    return b"".join(chunks), f"{media}; boundary={boundary}"


def _to_xml(payload: Mapping[str, Any]) -> str:
    """A one-rooted mapping as XML (``{"pet": {"id": 1}}`` -> ``<pet><id>1</id></pet>``)."""
    if len(payload) != 1:
        raise ExecutionError("an XML payload given as an object needs exactly one root key")
    (name, value), = payload.items()
    root = ElementTree.Element(str(name))
    _fill(root, value)
    return ElementTree.tostring(root, encoding="unicode")


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            items = child if isinstance(child, list) else [child]
            for item in items:
                _fill(ElementTree.SubElement(element, str(key)), item)
    else:
        element.text = render_scalar(value)

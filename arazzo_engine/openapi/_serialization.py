"""OpenAPI parameter serialization: a value as the text a path, query, header or cookie holds.

The rules are the OpenAPI 3.x ``style``/``explode`` tables (simple, label, matrix, form,
spaceDelimited, pipeDelimited, deepObject). Functions return text that is already
percent-encoded where the location needs it, so the request builder only concatenates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

__all__ = [
    "ParameterStyle",
    "default_style",
    "parameter_style",
    "render_scalar",
    "serialize_cookie",
    "serialize_header",
    "serialize_path",
    "serialize_query",
]

_DEFAULT_STYLES = {"path": "simple", "header": "simple", "query": "form", "cookie": "form"}
_ALLOWED_STYLES = {
    "path": {"simple", "label", "matrix"},
    "header": {"simple"},
    "query": {"form", "spaceDelimited", "pipeDelimited", "deepObject"},
    "cookie": {"form"},
}
# RFC 3986 reserved characters, kept literal in query values when ``allowReserved`` is true.
_RESERVED = ":/?#[]@!$&'()*+,;="


@dataclass(frozen=True)
class ParameterStyle:
    """How one parameter is serialized: its style, explode flag and whether reserved chars stay."""

    style: str
    explode: bool
    allow_reserved: bool = False
    as_json: bool = False  # an OpenAPI parameter described with ``content`` instead of ``schema``


def default_style(location: str) -> ParameterStyle:
    """The style OpenAPI assumes for a parameter in ``location`` when it says nothing."""
    style = _DEFAULT_STYLES.get(location, "simple")
    return ParameterStyle(style=style, explode=style == "form")


def parameter_style(location: str, parameter: Mapping[str, Any] | None) -> ParameterStyle:
    """The style of an OpenAPI Parameter Object, with the spec's defaults filled in.

    An unknown or misplaced style falls back to the location's default rather than failing:
    the validator reports it, the runner still sends something sensible.
    """
    base = default_style(location)
    if not parameter:
        return base
    if "content" in parameter and "schema" not in parameter:
        return ParameterStyle(style=base.style, explode=base.explode, as_json=True)
    style = parameter.get("style", base.style)
    if style not in _ALLOWED_STYLES.get(location, {style}):
        style = base.style
    explode = parameter.get("explode", style == "form")
    return ParameterStyle(
        style=style, explode=bool(explode), allow_reserved=bool(parameter.get("allowReserved"))
    )


def render_scalar(value: Any) -> str:
    """A primitive as text: JSON spelling for booleans and null, ``str`` for the rest."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _encode(text: str, *, safe: str = "") -> str:
    return quote(text, safe=safe)


def _items(value: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(str(k), render_scalar(v)) for k, v in value.items()]


def serialize_path(name: str, value: Any, style: ParameterStyle | None = None) -> str:
    """The percent-encoded text that replaces ``{name}`` in a path template."""
    style = style or default_style("path")
    if style.as_json:
        return _encode(render_scalar(value))
    enc = _encode
    if style.style == "label":
        return "." + _joined(value, style.explode, item_sep=".", enc=enc)
    if style.style == "matrix":
        return _matrix(name, value, style.explode, enc)
    return _joined(value, style.explode, item_sep=",", enc=enc)


def _joined(value: Any, explode: bool, *, item_sep: str, enc: Any) -> str:
    """simple and label: lists joined, objects as k,v pairs or k=v when exploded."""
    if isinstance(value, list):
        return (item_sep if explode else ",").join(enc(render_scalar(v)) for v in value)
    if isinstance(value, Mapping):
        if explode:
            return item_sep.join(f"{enc(k)}={enc(v)}" for k, v in _items(value))
        return ",".join(f"{enc(k)},{enc(v)}" for k, v in _items(value))
    return enc(render_scalar(value))


def _matrix(name: str, value: Any, explode: bool, enc: Any) -> str:
    key = enc(name)
    if isinstance(value, list):
        if explode:
            return "".join(f";{key}={enc(render_scalar(v))}" for v in value)
        return f";{key}=" + ",".join(enc(render_scalar(v)) for v in value)
    if isinstance(value, Mapping):
        if explode:
            return "".join(f";{enc(k)}={enc(v)}" for k, v in _items(value))
        return f";{key}=" + ",".join(f"{enc(k)},{enc(v)}" for k, v in _items(value))
    text = render_scalar(value)
    return f";{key}" if text == "" else f";{key}={enc(text)}"


def serialize_query(name: str, value: Any, style: ParameterStyle | None = None) -> str:
    """The percent-encoded ``name=value`` fragment(s), joined by ``&``, for a query parameter."""
    style = style or default_style("query")
    safe = _RESERVED if style.allow_reserved else ""

    def enc(text: str) -> str:
        return _encode(text, safe=safe)

    key = _encode(name)
    if style.as_json:
        return f"{key}={enc(render_scalar(value))}"
    if style.style == "deepObject" and isinstance(value, Mapping):
        return "&".join(f"{key}%5B{_encode(k)}%5D={enc(v)}" for k, v in _items(value))
    delimiter = {"spaceDelimited": "%20", "pipeDelimited": "%7C"}.get(style.style, ",")
    if isinstance(value, list):
        if style.explode:
            return "&".join(f"{key}={enc(render_scalar(v))}" for v in value)
        return f"{key}=" + delimiter.join(enc(render_scalar(v)) for v in value)
    if isinstance(value, Mapping):
        if style.explode and style.style == "form":
            return "&".join(f"{_encode(k)}={enc(v)}" for k, v in _items(value))
        return f"{key}=" + delimiter.join(f"{enc(k)}{delimiter}{enc(v)}" for k, v in _items(value))
    return f"{key}={enc(render_scalar(value))}"


def serialize_header(value: Any, style: ParameterStyle | None = None) -> str:
    """A header value (style simple). Headers are not percent-encoded."""
    style = style or default_style("header")
    if style.as_json:
        return render_scalar(value)
    return _joined(value, style.explode, item_sep=",", enc=lambda text: text)


def serialize_cookie(
    name: str, value: Any, style: ParameterStyle | None = None
) -> list[tuple[str, str]]:
    """Cookie pairs (style form): an exploded object becomes one cookie per property."""
    style = style or default_style("cookie")
    if style.as_json:
        return [(name, render_scalar(value))]
    if isinstance(value, list):
        if style.explode:
            return [(name, render_scalar(v)) for v in value]
        return [(name, ",".join(render_scalar(v) for v in value))]
    if isinstance(value, Mapping):
        if style.explode:
            return _items(value)
        return [(name, ",".join(f"{k},{v}" for k, v in _items(value)))]
    return [(name, render_scalar(value))]

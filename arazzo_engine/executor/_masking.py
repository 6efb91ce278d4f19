"""Keeps secrets out of everything that leaves the process: output, traces, messages, the store.

A value is secret when it is *known* to be: an input the workflow calls secret (``format:
password``, ``writeOnly: true`` or a secret-looking name), a value found at run time in a secret
position (a secret header, query parameter, cookie or body field of a request; a secret-looking
field or header of a response; a step output with a secret-looking name), or the password of a
``--server`` URL. The machine collects them as the run goes (``harvest_*``) and masks every
string it records with a ``Masker`` over all of them: ``***`` wherever the value (or its
percent-encoding) appears, in URLs, headers, bodies, criteria details, error messages and
outputs.

Other areas (reports, ``arazzo test``) call this module rather than masking their own way.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus, unquote, urlsplit, urlunsplit

from arazzo_engine.document._pointer import resolve_pointer

__all__ = ["MASK", "MIN_SECRET_LENGTH", "Masker", "harvest_headers", "harvest_named",
           "harvest_url", "is_secret_name", "is_secret_schema", "secret_input_names",
           "secret_input_values"]

MASK = "***"
#: Shorter values are never masked: hiding "1" or "id" everywhere would garble every record.
MIN_SECRET_LENGTH = 3
_ALWAYS_SECRET = {"authorization", "proxy-authorization", "cookie", "set-cookie"}
_SECRET_WORDS = re.compile(r"token|secret|password|passwd|api[-_]?key|(^|[-_.])key($|[-_.])"
                           r"|apikey|credential|session|signature|private", re.IGNORECASE)
#: JSON nodes a harvest looks at in one body: a big response is not walked whole.
_HARVEST_BUDGET = 20_000
_JSON_SCALARS = (str, int, float, bool, type(None))


@functools.lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """True for header, query, field or input names that usually carry credentials.

    Cached: every response of a polling loop has the same field names, and each is asked
    about again on every poll."""
    return name.lower() in _ALWAYS_SECRET or bool(_SECRET_WORDS.search(name))


def is_secret_schema(schema: Any) -> bool:
    """True for a schema that declares its value secret: ``format: password`` or
    ``writeOnly: true`` (a value the client sends and the server never shows again, such as a
    credential; OpenAPI and JSON Schema both use the keyword)."""
    return isinstance(schema, Mapping) and (
        schema.get("format") == "password" or schema.get("writeOnly") is True)


def secret_input_names(schema: Any, inputs: Mapping[str, Any], document: Any = None) -> list[str]:
    """Names of the inputs that are secret themselves (``format: password``, ``writeOnly`` or
    a secret name), whose values the run store keeps only as salted hashes and asks for on
    resume. ``document`` (the Arazzo document) lets ``$ref``s in the schema be followed."""
    properties = _properties(schema, document)
    return [str(name) for name, value in inputs.items()
            if (is_secret_schema(properties.get(str(name))) or is_secret_name(str(name)))
            and _scalars(value)]


def secret_input_values(schema: Any, inputs: Mapping[str, Any], document: Any = None) -> list[str]:
    """Input values to hide: those declared ``format: password`` or ``writeOnly``, or named
    like a secret, at the top level or inside object inputs (declared or named so there)."""
    return _usable(_declared_secrets(schema, inputs, document, 0))


#: How deep an inputs schema is followed for secret declarations (``$ref``s and nesting).
_SCHEMA_DEPTH = 32


def _declared_secrets(schema: Any, value: Any, document: Any, depth: int) -> list[str]:
    if depth > _SCHEMA_DEPTH:
        return harvest_named(value)
    if isinstance(value, list):
        items = _resolved(schema, document)
        items = items.get("items") if isinstance(items, Mapping) else None
        if is_secret_schema(_resolved(items, document)):
            return _scalars(value)
        return [s for child in value[:1000]
                for s in _declared_secrets(items, child, document, depth + 1)]
    if not isinstance(value, Mapping):
        return []
    properties = _properties(schema, document)
    secrets: list[str] = []
    for name, child in value.items():
        declared = properties.get(str(name))
        if is_secret_schema(declared) or is_secret_name(str(name)):
            secrets.extend(_scalars(child))
        elif isinstance(child, (Mapping, list)):
            secrets.extend(_declared_secrets(declared, child, document, depth + 1))
    return secrets


def _properties(schema: Any, document: Any) -> dict[str, Any]:
    """The declared properties of an object schema (its ``allOf`` parts too), each with its
    local ``$ref`` followed."""
    found: dict[str, Any] = {}
    schema = _resolved(schema, document)
    if not isinstance(schema, Mapping):
        return found
    parts = schema.get("allOf")
    for part in [schema, *(parts if isinstance(parts, list) else [])]:
        part = _resolved(part, document)
        declared = part.get("properties") if isinstance(part, Mapping) else None
        if isinstance(declared, Mapping):
            for name, child in declared.items():
                found.setdefault(str(name), _resolved(child, document))
    return found


def _resolved(schema: Any, document: Any) -> Any:
    """A schema with its local ``$ref`` (``#/components/inputs/x``) followed; a schema whose
    ``$ref`` leads nowhere (or elsewhere) counts as declaring nothing."""
    for _ in range(_SCHEMA_DEPTH):
        ref = schema.get("$ref") if isinstance(schema, Mapping) else None
        if not isinstance(ref, str):
            return schema
        if document is None or not ref.startswith("#/"):
            return {}
        try:
            schema = resolve_pointer(document, ref[1:])
        except (KeyError, ValueError):
            return {}
    return {}


def harvest_named(value: Any, budget: int = _HARVEST_BUDGET) -> list[str]:
    """Scalar values under secret-looking keys anywhere in a JSON-like value (a login
    response's ``access_token``, a request body's ``password``)."""
    found: list[str] = []
    stack: list[Any] = [value]
    while stack and budget > 0:
        node = stack.pop()
        budget -= 1
        if isinstance(node, (dict, Mapping)):  # dict first: no ABC check for JSON
            for key, child in node.items():
                if isinstance(key, str) and is_secret_name(key):
                    found.extend(_scalars(child))
                elif type(child) not in _JSON_SCALARS and isinstance(child, (dict, list,
                                                                             Mapping)):
                    stack.append(child)  # a scalar never reaches the ABC check above
        elif isinstance(node, list):
            stack.extend(node[:1000])
    return _usable(found)


def harvest_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[str]:
    """Values of secret headers, and the credentials inside them (``Bearer xyz`` gives ``xyz``
    too; ``Basic`` gives the decoded password; a cookie gives each cookie's value)."""
    pairs = _pairs(headers)
    found: list[str] = []
    for name, value in pairs:
        if not is_secret_name(name) or not isinstance(value, str):
            continue
        lowered = name.lower()
        if lowered in ("cookie", "set-cookie"):
            part = value.split(";")[0] if lowered == "set-cookie" else value
            for cookie in part.split(";"):
                found.append(cookie.partition("=")[2].strip())
            continue
        found.append(value)
        scheme, space, rest = value.partition(" ")
        if space and scheme.isalpha():
            found.append(rest.strip())
            if scheme.lower() == "basic":
                found.extend(_basic(rest.strip()))
    return _usable(found)


def harvest_url(url: str) -> list[str]:
    """The password (and user:password) of a URL's userinfo, and secret query values."""
    found: list[str] = []
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return []
    if password:
        found += [password, unquote(password)]
    _base, sep, query = url.partition("?")
    if sep:
        for pair in query.split("&"):
            key, eq, value = pair.partition("=")
            if eq and is_secret_name(unquote(key)):
                found += [value, unquote(value.replace("+", " "))]
    return _usable(found)


def _basic(encoded: str) -> list[str]:
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return []
    _user, colon, password = decoded.partition(":")
    return [decoded, password] if colon else [decoded]


def _scalars(value: Any) -> list[str]:
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (str, int, float)):
        return [str(value)]
    if isinstance(value, Mapping):
        return [s for child in value.values() for s in _scalars(child)]
    if isinstance(value, list):
        return [s for child in value[:1000] for s in _scalars(child)]
    return []


def _usable(values: Iterable[str]) -> list[str]:
    return [v for v in dict.fromkeys(values) if len(v) >= MIN_SECRET_LENGTH]


class Masker:
    """Replaces known secret values with ``***`` wherever they appear."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH},
                              key=len, reverse=True)
        forms: dict[str, None] = {}
        for secret in self.secrets:
            for form in (secret, quote(secret, safe=""), quote_plus(secret, safe=""),
                         quote(secret)):
                forms.setdefault(form)
        self._forms = sorted(forms, key=len, reverse=True)
        self._set = frozenset(self.secrets)
        #: URLs masked so far: a polling loop records the same URL on every poll.
        self._urls: dict[str, str] = {}
        self._headers: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}

    def __bool__(self) -> bool:
        return bool(self.secrets)

    def text(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text

    def value(self, value: Any) -> Any:
        """A JSON-like value with every secret inside it masked (a secret number too)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, (int, float)):
            return MASK if str(value) in self._set else value
        if isinstance(value, Mapping):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value

    def headers(self, headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
        """A new dict of the headers, masked (remembered by their pairs: a polling loop
        records the same headers on every poll)."""
        pairs = tuple(_pairs(headers))
        try:
            masked = self._headers.get(pairs)
        except TypeError:  # a value that is not text
            return self._masked_headers(pairs)
        if masked is None:
            if len(self._headers) >= 256:
                self._headers.clear()
            masked = self._headers[pairs] = self._masked_headers(pairs)
        return dict(masked)

    def _masked_headers(self, pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
        masked: dict[str, str] = {}
        for name, value in pairs:
            masked[name] = _mask_header(name, value) if is_secret_name(name) else self.text(value)
        return masked

    def url(self, url: str) -> str:
        """Hides secret values, the values of secret-named query parameters and the password of
        the userinfo."""
        masked = self._urls.get(url)
        if masked is None:
            if len(self._urls) >= 256:
                self._urls.clear()
            masked = self._urls[url] = self._url(url)
        return masked

    def _url(self, url: str) -> str:
        url = _without_password(url)
        base, sep, query = url.partition("?")
        if not sep:
            return self.text(url)
        parts = []
        for pair in query.split("&"):
            key, eq, _value = pair.partition("=")
            parts.append(f"{key}={MASK}" if eq and is_secret_name(unquote(key)) else pair)
        return self.text(f"{base}?{'&'.join(parts)}")


def _pairs(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> Iterable[tuple[str, str]]:
    """Headers as (name, value) pairs, without the Mapping ABC check for a dict or a list."""
    kind = type(headers)
    if kind is dict or (kind is not list and isinstance(headers, Mapping)):
        return headers.items()  # type: ignore[union-attr]
    return headers  # type: ignore[return-value]


def _without_password(url: str) -> str:
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
    except ValueError:
        return url
    user, _, host = parts.netloc.rpartition("@")
    name = user.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{name}:{MASK}@{host}"))


def _mask_header(name: str, value: str) -> str:
    """Keeps the scheme of an Authorization header (``Bearer ***``): it helps debugging."""
    if name.lower() in ("authorization", "proxy-authorization"):
        scheme, space, _rest = value.partition(" ")
        if space and scheme.isalpha():
            return f"{scheme} {MASK}"
    return MASK

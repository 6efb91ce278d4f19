"""Keeps secrets out of everything that leaves the process: output, traces, messages, the store.

A value is secret when it is *known* to be: an input the workflow calls secret (``format:
password`` or a secret-looking name), a value found at run time in a secret position (a secret
header, query parameter, cookie or body field of a request; a secret-looking field or header of a
response; a step output with a secret-looking name), or the password of a ``--server`` URL. The
machine collects them as the run goes (``harvest_*``) and masks every string it records with a
``Masker`` over all of them: ``***`` wherever the value (or its percent-encoding) appears, in
URLs, headers, bodies, criteria details, error messages and outputs.

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

__all__ = ["MASK", "MIN_SECRET_LENGTH", "Masker", "harvest_headers", "harvest_named",
           "harvest_url", "is_secret_name", "secret_input_names", "secret_input_values"]

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


def secret_input_names(schema: Any, inputs: Mapping[str, Any]) -> list[str]:
    """Names of the inputs that are secret themselves (``format: password`` or a secret
    name), whose values the run store keeps only as salted hashes and asks for on resume."""
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    properties = properties if isinstance(properties, Mapping) else {}
    names = []
    for name, value in inputs.items():
        declared = properties.get(name)
        is_password = isinstance(declared, Mapping) and declared.get("format") == "password"
        if (is_password or is_secret_name(str(name))) and _scalars(value):
            names.append(str(name))
    return names


def secret_input_values(schema: Any, inputs: Mapping[str, Any]) -> list[str]:
    """Input values to hide: those declared ``format: password`` or named like a secret, and
    secret-named fields inside object inputs."""
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    properties = properties if isinstance(properties, Mapping) else {}
    secrets: list[str] = []
    for name, value in inputs.items():
        declared = properties.get(name)
        is_password = isinstance(declared, Mapping) and declared.get("format") == "password"
        if is_password or is_secret_name(str(name)):
            secrets.extend(_scalars(value))
        elif isinstance(value, (Mapping, list)):
            secrets.extend(harvest_named(value))
    return _usable(secrets)


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
    pairs = headers.items() if isinstance(headers, Mapping) else headers
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
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        masked: dict[str, str] = {}
        for name, value in pairs:
            masked[name] = _mask_header(name, value) if is_secret_name(name) else self.text(value)
        return masked

    def url(self, url: str) -> str:
        """Hides secret values, the values of secret-named query parameters and the password of
        the userinfo."""
        url = _without_password(url)
        base, sep, query = url.partition("?")
        if not sep:
            return self.text(url)
        parts = []
        for pair in query.split("&"):
            key, eq, _value = pair.partition("=")
            parts.append(f"{key}={MASK}" if eq and is_secret_name(unquote(key)) else pair)
        return self.text(f"{base}?{'&'.join(parts)}")


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

"""Keeps secrets out of traces, results and terminal output."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

__all__ = ["MASK", "Masker", "is_secret_name", "secret_input_values"]

MASK = "***"
_ALWAYS_SECRET = {"authorization", "proxy-authorization", "cookie", "set-cookie"}
_SECRET_WORDS = re.compile(r"token|secret|password|passwd|api[-_]?key|(^|[-_.])key($|[-_.])"
                           r"|apikey|credential|session", re.IGNORECASE)


def is_secret_name(name: str) -> bool:
    """True for header, query or input names that usually carry credentials."""
    return name.lower() in _ALWAYS_SECRET or bool(_SECRET_WORDS.search(name))


def secret_input_values(schema: Any, inputs: Mapping[str, Any]) -> list[str]:
    """Input values to hide: those declared ``format: password`` or named like a secret."""
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    properties = properties if isinstance(properties, Mapping) else {}
    secrets = []
    for name, value in inputs.items():
        declared = properties.get(name)
        is_password = isinstance(declared, Mapping) and declared.get("format") == "password"
        if (is_password or is_secret_name(str(name))) and isinstance(value, (str, int)):
            text = str(value)
            if len(text) >= 3:  # hiding "1" everywhere would garble the trace
                secrets.append(text)
    return secrets


class Masker:
    """Replaces secret values with ``***`` wherever they appear in text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def text(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
            encoded = quote(secret, safe="")
            if encoded != secret:
                text = text.replace(encoded, MASK)
        return text

    def headers(self, headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        masked: dict[str, str] = {}
        for name, value in pairs:
            masked[name] = _mask_header(name, value) if is_secret_name(name) else self.text(value)
        return masked

    def url(self, url: str) -> str:
        """Hides secret values and the values of secret-named query parameters."""
        base, sep, query = url.partition("?")
        if not sep:
            return self.text(url)
        parts = []
        for pair in query.split("&"):
            key, eq, _value = pair.partition("=")
            parts.append(f"{key}={MASK}" if eq and is_secret_name(key) else pair)
        return self.text(f"{base}?{'&'.join(parts)}")


def _mask_header(name: str, value: str) -> str:
    """Keeps the scheme of an Authorization header (``Bearer ***``): it helps debugging."""
    if name.lower() in ("authorization", "proxy-authorization"):
        scheme, space, _rest = value.partition(" ")
        if space and scheme.isalpha():
            return f"{scheme} {MASK}"
    return MASK

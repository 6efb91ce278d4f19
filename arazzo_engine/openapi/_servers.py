"""Server URLs with their ``{variables}`` filled in."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["server_url"]

_VARIABLE = re.compile(r"\{([^{}]+)\}")


def server_url(server: Mapping[str, Any], variables: Mapping[str, str] | None = None) -> str:
    """The server's URL with its ``{variables}`` replaced: overrides first, then defaults.

    A variable with neither stays as written, so the caller can report it.
    """
    raw_variables = server.get("variables")
    declared = raw_variables if isinstance(raw_variables, Mapping) else {}
    overrides = variables or {}

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in overrides:
            return str(overrides[name])
        spec = declared.get(name)
        if isinstance(spec, Mapping) and "default" in spec:
            return str(spec["default"])
        return match.group(0)

    return _VARIABLE.sub(substitute, str(server.get("url", "")))

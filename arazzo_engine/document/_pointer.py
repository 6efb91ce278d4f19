"""JSON Pointer (RFC 6901) helpers: every diagnostic and source-map entry is keyed by a pointer."""

from __future__ import annotations

from typing import Any


def escape_token(token: str | int) -> str:
    """Escapes one reference token (``~`` then ``/``, in that order, as RFC 6901 requires)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join_pointer(pointer: str, *tokens: str | int) -> str:
    return pointer + "".join("/" + escape_token(t) for t in tokens)


def split_pointer(pointer: str) -> list[str]:
    """The unescaped tokens of a pointer; ``""`` is the whole document."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"a JSON Pointer must be empty or start with '/': {pointer!r}")
    return [unescape_token(t) for t in pointer[1:].split("/")]


def resolve_pointer(data: Any, pointer: str) -> Any:
    """The value at ``pointer``; raises ``KeyError`` naming the first token that is absent."""
    current = data
    for token in split_pointer(pointer):
        if isinstance(current, dict):
            if token not in current:
                raise KeyError(token)
            current = current[token]
        elif isinstance(current, list):
            if not token.isdigit() or (len(token) > 1 and token.startswith("0")):
                raise KeyError(token)
            index = int(token)
            if index >= len(current):
                raise KeyError(token)
            current = current[index]
        else:
            raise KeyError(token)
    return current


def parent_pointer(pointer: str) -> str | None:
    if pointer == "":
        return None
    return pointer.rsplit("/", 1)[0]

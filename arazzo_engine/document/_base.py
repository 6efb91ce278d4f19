"""Base URIs (Arazzo 1.1, "Relative References in Arazzo Description URIs", RFC 3986 5.1).

A 1.1 document's relative references (its source descriptions' ``url``s) resolve against its
``$self`` when it has one, itself resolved against where the document was read from; without
``$self``, against where it was read from (its retrieval URI: ``file://...`` for a local file).
A 1.0 document has no ``$self``: "relative references are resolved using the URL of the
referring document".
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

from arazzo_engine.document._loader import LoadedDocument
from arazzo_engine.document._versions import spec_version

__all__ = ["base_uri", "declared_self", "retrieval_uri"]


def retrieval_uri(document: LoadedDocument) -> str:
    """Where the document was read from, as a URI."""
    if document.path is not None:
        return document.path.resolve().as_uri()
    return document.uri


def declared_self(data: Any) -> str | None:
    """The ``$self`` of a 1.1 document, as written (None: absent, not a string, or a fragment,
    which the schema refuses)."""
    if spec_version(data) != "1.1" or not isinstance(data, dict):
        return None
    value = data.get("$self")
    if not isinstance(value, str) or not value or "#" in value:
        return None
    return value


def base_uri(document: LoadedDocument) -> str:
    """The URI the document's relative references resolve against."""
    retrieved = retrieval_uri(document)
    own = declared_self(document.data)
    return urljoin(retrieved, own) if own is not None else retrieved


def self_uri(document: LoadedDocument) -> str | None:
    """The document's identity: its ``$self`` resolved (None when it declares none)."""
    own = declared_self(document.data)
    return urljoin(retrieval_uri(document), own) if own is not None else None


def is_file_uri(uri: str) -> bool:
    return urlsplit(uri).scheme == "file"

"""Documents as plain data plus where each node came from, and the sources they reference."""

from arazzo_engine.document._loader import (
    MAX_ALIAS_NODES,
    MAX_BYTES,
    MAX_DEPTH,
    MAX_NODES,
    LoadedDocument,
    Position,
    SourceMap,
    load_file,
    load_text,
)
from arazzo_engine.document._pointer import (
    escape_token,
    join_pointer,
    parent_pointer,
    resolve_pointer,
    split_pointer,
    unescape_token,
)
from arazzo_engine.document._sources import (
    Bundle,
    Source,
    SourceNotAllowed,
    SourcePolicy,
    fetch_remote,
    is_remote,
    load_bundle,
)

__all__ = [
    "MAX_ALIAS_NODES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "Bundle",
    "LoadedDocument",
    "Position",
    "Source",
    "SourceMap",
    "SourceNotAllowed",
    "SourcePolicy",
    "escape_token",
    "fetch_remote",
    "is_remote",
    "join_pointer",
    "load_bundle",
    "load_file",
    "load_text",
    "parent_pointer",
    "resolve_pointer",
    "split_pointer",
    "unescape_token",
]

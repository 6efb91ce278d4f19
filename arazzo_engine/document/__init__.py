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
from arazzo_engine.document._versions import (
    LATEST,
    SPEC_VERSIONS,
    SpecVersion,
    feature_set,
    spec_version,
)

__all__ = [
    "LATEST",
    "MAX_ALIAS_NODES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "SPEC_VERSIONS",
    "Bundle",
    "LoadedDocument",
    "Position",
    "Source",
    "SourceMap",
    "SourceNotAllowed",
    "SourcePolicy",
    "SpecVersion",
    "escape_token",
    "feature_set",
    "fetch_remote",
    "is_remote",
    "join_pointer",
    "load_bundle",
    "load_file",
    "load_text",
    "parent_pointer",
    "resolve_pointer",
    "spec_version",
    "split_pointer",
    "unescape_token",
]

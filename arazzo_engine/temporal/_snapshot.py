"""A bundle of loaded documents as plain JSON, so a run's documents travel inside the run.

A Temporal workflow may not read files (its code is replayed, possibly on another machine, long
after the files changed), so the client ships the documents it loaded and the worker rebuilds the
same ``Bundle`` from them: same document keys, same source descriptions, same data. Source maps
(line and column of every node) are left behind: the run needs values, not positions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from arazzo_engine.document import Bundle, LoadedDocument, Source, SourceMap
from arazzo_engine.executor._program import document_key

__all__ = ["bundle_from_snapshot", "snapshot_digest", "snapshot_of"]

FORMAT = 1


def snapshot_of(bundle: Bundle) -> dict[str, Any]:
    """Everything ``Program`` reads from ``bundle``, as JSON-able data."""
    documents = {
        key: {"uri": document.uri, "path": None if document.path is None else str(document.path),
              "data": document.data}
        for key, document in bundle.documents.items()
    }
    sources = {
        owner: {name: _source(source) for name, source in by_name.items()}
        for owner, by_name in bundle._sources.items()
    }
    return {"format": FORMAT, "entry": document_key(bundle.entry), "documents": documents,
            "sources": sources}


def bundle_from_snapshot(snapshot: Mapping[str, Any]) -> Bundle:
    """The ``Bundle`` that ``snapshot_of`` described; touches no file."""
    if snapshot.get("format") != FORMAT:
        raise ValueError(f"unknown document snapshot format {snapshot.get('format')!r}")
    documents = {
        key: LoadedDocument(data=item["data"], positions=SourceMap(), uri=item["uri"],
                            path=None if item["path"] is None else Path(item["path"]))
        for key, item in snapshot["documents"].items()
    }
    bundle = Bundle(entry=documents[snapshot["entry"]], documents=documents)
    for owner, by_name in snapshot["sources"].items():
        bundle._sources[owner] = {
            name: Source(name=item["name"], type=item["type"], url=item["url"],
                         location=item["location"], pointer=item["pointer"],
                         document=documents.get(item["document"]) if item["document"] else None,
                         problem=item["problem"], skipped=item["skipped"])
            for name, item in by_name.items()
        }
    return bundle


def snapshot_digest(snapshot: Mapping[str, Any]) -> str:
    """A content hash: the same documents give the same digest on every machine."""
    text = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _source(source: Source) -> dict[str, Any]:
    return {"name": source.name, "type": source.type, "url": source.url,
            "location": source.location, "pointer": source.pointer,
            "document": None if source.document is None else document_key(source.document),
            "problem": source.problem, "skipped": source.skipped}

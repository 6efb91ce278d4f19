"""Arazzo 1.1 base URIs and identity-based referencing, for source descriptions.

"Relative URI references are resolved using the appropriate base URI": a 1.1 document's own
``$self`` (itself resolved against where the document was read from), else where it was read
from. And "references MUST use the target document's ``$self`` URI if the ``$self`` field is
present in that document": a source URL that a document of the collection claims as its
``$self`` is that document, wherever its file lies. The collection is every document already
loaded, then the documents beside the entry document (its folder, not below), which is how a set
of documents with published ``$self`` URIs is used on a machine that does not fetch them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from arazzo_engine.document._base import base_uri, declared_self, self_uri
from arazzo_engine.document._loader import LoadedDocument, load_file
from arazzo_engine.errors import DocumentError

__all__ = ["IdentityIndex", "reference_base"]

#: Files beside the entry document looked at for a ``$self``: at most this many, this big.
MAX_NEIGHBOURS = 200
MAX_NEIGHBOUR_BYTES = 2 * 1024 * 1024
_SUFFIXES = (".yaml", ".yml", ".json")


def reference_base(document: LoadedDocument) -> LoadedDocument | str:
    """What the document's relative references resolve against: the document itself (its
    location), or, for a 1.1 document with ``$self``, that URI as a location (a path for a
    ``file:`` URI, else the URL)."""
    if declared_self(document.data) is None:
        return document
    uri = base_uri(document)
    parts = urlsplit(uri)
    if parts.scheme == "file":
        return unquote(parts.path)
    return uri


class IdentityIndex:
    """The documents of a collection by the ``$self`` they declare (1.1 documents only)."""

    def __init__(self, entry: LoadedDocument, check: Callable[[str], None]) -> None:
        self.entry = entry
        #: The source policy's check: a neighbour it forbids (outside --root) is not read.
        self.check = check
        self._claimed: dict[str, LoadedDocument] = {}
        self._neighbours_read = False

    def add(self, document: LoadedDocument) -> None:
        uri = self_uri(document)
        if uri is not None:
            self._claimed.setdefault(uri, document)

    def find(self, location: str, loaded: list[LoadedDocument]) -> LoadedDocument | None:
        """The document whose ``$self`` is ``location`` (a URL or a local path), if any."""
        for document in loaded:
            self.add(document)
        uri = location if urlsplit(location).scheme else Path(location).as_uri()
        found = self._claimed.get(uri)
        if found is None and not self._neighbours_read:
            self._read_neighbours()
            found = self._claimed.get(uri)
        return found

    def _read_neighbours(self) -> None:
        self._neighbours_read = True
        if self.entry.path is None:
            return
        folder = self.entry.path.parent
        try:
            candidates = sorted(p for p in folder.iterdir()
                                if p.suffix in _SUFFIXES and p != self.entry.path)
        except OSError:
            return
        for path in candidates[:MAX_NEIGHBOURS]:
            try:
                self.check(str(path))
                if path.stat().st_size > MAX_NEIGHBOUR_BYTES:
                    continue
                self.add(load_file(path))
            except (OSError, DocumentError):
                continue

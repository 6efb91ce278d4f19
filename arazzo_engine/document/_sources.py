"""Loads the source descriptions an Arazzo document names, recursively and safely.

Local paths resolve against the referring document. Remote URLs are fetched only when the caller
allows it, and a relative path may not climb out of the ``root`` folder unless allowed: a document
handed to us must not make us read ``../../home/user/.ssh`` or call a host the user did not approve.
Failures do not raise: each ``Source`` carries its ``problem``, so a validator can report all of
them and an executor can refuse only when a step needs the broken source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlparse

from arazzo_engine.document._loader import LoadedDocument, load_file, load_text
from arazzo_engine.document._pointer import join_pointer
from arazzo_engine.errors import DocumentError

REMOTE_TIMEOUT_SECONDS = 15.0


@dataclass
class Source:
    name: str
    type: str | None
    url: str
    location: str
    pointer: str
    document: LoadedDocument | None = field(default=None, repr=False)
    problem: str | None = None
    #: True when the source was skipped on purpose (a remote URL without ``allow_remote``).
    skipped: bool = False


@dataclass
class Bundle:
    """The entry document and every document reachable through its source descriptions."""

    entry: LoadedDocument
    documents: dict[str, LoadedDocument] = field(default_factory=dict)
    _sources: dict[str, dict[str, Source]] = field(default_factory=dict)

    def sources_for(self, document: LoadedDocument | None = None) -> dict[str, Source]:
        doc = document or self.entry
        return self._sources.get(_key(doc), {})


def _key(document: LoadedDocument) -> str:
    return str(document.path) if document.path is not None else document.uri


def _is_remote(url: str) -> bool:
    return urlparse(url).scheme in ("http", "https")


def _default_root(entry: LoadedDocument) -> Path:
    cwd = Path.cwd().resolve()
    if entry.path is None:
        return cwd
    folder = entry.path.parent
    return cwd if folder.is_relative_to(cwd) else folder


def _guess_type(data: Any) -> str | None:
    if isinstance(data, dict):
        if "arazzo" in data:
            return "arazzo"
        if "openapi" in data or "swagger" in data:
            return "openapi"
    return None


class _SourceLoader:
    def __init__(self, root: Path, allow_remote: bool, allow_outside_root: bool,
                 session: Any) -> None:
        self.root = root
        self.allow_remote = allow_remote
        self.allow_outside_root = allow_outside_root
        self.session = session

    def location_of(self, url: str, referrer: LoadedDocument) -> str:
        if _is_remote(url):
            return url
        if _is_remote(referrer.uri):
            return urljoin(referrer.uri, url)
        parsed = urlparse(url)
        if parsed.scheme == "file":
            return str(Path(unquote(parsed.path)).resolve())
        if parsed.scheme and len(parsed.scheme) > 1:
            return url  # an unsupported scheme; reported by fetch()
        base = referrer.path.parent if referrer.path is not None else Path.cwd()
        return str((base / unquote(url)).resolve())

    def fetch(self, location: str) -> LoadedDocument:
        """Loads one location or raises ``DocumentError`` explaining why it may not or cannot."""
        if _is_remote(location):
            if not self.allow_remote:
                raise _Skipped(f"{location} is remote and was not fetched (use --allow-remote)")
            return self._fetch_remote(location)
        scheme = urlparse(location).scheme
        if scheme and len(scheme) > 1:
            raise DocumentError(f"unsupported URL scheme {scheme!r}", file=location)
        path = Path(location)
        if not self.allow_outside_root and not path.is_relative_to(self.root):
            raise DocumentError(
                f"{path} lies outside the folder tree {self.root} and was not read "
                "(allow it with --allow-outside-root)", file=location)
        return load_file(path)

    def _fetch_remote(self, url: str) -> LoadedDocument:
        import requests

        session = self.session or requests.Session()
        try:
            response = session.get(url, timeout=REMOTE_TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            raise DocumentError(f"cannot fetch: {exc}", file=url) from None
        if response.status_code != 200:
            raise DocumentError(f"fetching it answered HTTP {response.status_code}", file=url)
        return load_text(response.text, uri=url)


class _Skipped(DocumentError):
    pass


def load_bundle(entry: str | Path | LoadedDocument, *, root: str | Path | None = None,
                allow_remote: bool = False, allow_outside_root: bool = False,
                session: Any = None) -> Bundle:
    """Loads ``entry`` and, breadth first, every source description reachable from it.

    Raises ``DocumentError`` only when the entry itself cannot be loaded.
    """
    document = entry if isinstance(entry, LoadedDocument) else load_file(entry)
    root_path = Path(root).resolve() if root is not None else _default_root(document)
    loader = _SourceLoader(root_path, allow_remote, allow_outside_root, session)
    bundle = Bundle(entry=document, documents={_key(document): document})
    pending = [document]
    while pending:
        current = pending.pop(0)
        sources = _load_sources_of(current, loader, bundle, pending)
        bundle._sources[_key(current)] = sources
    return bundle


def _load_sources_of(current: LoadedDocument, loader: _SourceLoader, bundle: Bundle,
                     pending: list[LoadedDocument]) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    data = current.data if isinstance(current.data, dict) else {}
    declared = data.get("sourceDescriptions")
    if not isinstance(declared, list):
        return sources
    for index, item in enumerate(declared):
        if not isinstance(item, dict):
            continue
        name, url = item.get("name"), item.get("url")
        if not isinstance(name, str) or not isinstance(url, str) or name in sources:
            continue
        declared_type = item.get("type") if isinstance(item.get("type"), str) else None
        pointer = join_pointer("/sourceDescriptions", index)
        try:
            location = loader.location_of(url, current)
        except ValueError as exc:  # a NUL byte (%00) no file name can hold, say
            sources[name] = Source(name=name, type=declared_type, url=url, location=url,
                                   pointer=pointer, problem=f"not a usable location: {exc}")
            continue
        source = Source(name=name, type=declared_type, url=url, location=location,
                        pointer=pointer)
        sources[name] = source
        known = bundle.documents.get(location)
        if known is not None:  # already loaded: a shared OpenAPI file, or an Arazzo cycle
            source.document = known
        else:
            try:
                source.document = loader.fetch(location)
            except _Skipped as exc:
                source.problem, source.skipped = exc.message, True
                continue
            except DocumentError as exc:
                source.problem = str(exc)
                continue
            bundle.documents[_key(source.document)] = source.document
            if _guess_type(source.document.data) == "arazzo" or declared_type == "arazzo":
                pending.append(source.document)
        if source.type is None:
            source.type = _guess_type(source.document.data)
    return sources

"""Every OpenAPI document a validation or a run reads, each loaded once, positions kept.

A source description's ``$ref``s may lead into other files (path items, parameters, bodies,
responses, schemas). Those files are read under the same ``SourcePolicy`` as the source
descriptions themselves, parsed by our own loader (so a broken ``$ref`` in them is reported at
its ``file:line:column``), and kept in one ``referencing.Registry``: the registry openapi-core's
validators resolve through too, so nothing is read twice and both see the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

from referencing import Registry, Resource
from referencing.exceptions import Unresolvable, Unretrievable
from referencing.jsonschema import DRAFT202012

from arazzo_engine.document import LoadedDocument, Position, join_pointer, resolve_pointer
from arazzo_engine.errors import DocumentError

__all__ = ["DocumentStore", "Location", "RefError", "RefProblem", "ReferencePolicy"]

#: ``$ref`` hops followed in one chain before it is called circular.
MAX_REF_HOPS = 64


class ReferencePolicy(Protocol):
    """What may be read and how a reference becomes a location (``document.SourcePolicy``)."""

    def locate(self, reference: str, base: LoadedDocument | None) -> str: ...

    def read(self, location: str) -> LoadedDocument: ...


@dataclass(frozen=True)
class Location:
    """A node of a loaded document: the file and the JSON Pointer inside it."""

    document: LoadedDocument
    pointer: str = ""

    def child(self, *tokens: str | int) -> Location:
        return Location(self.document, join_pointer(self.pointer, *tokens))

    @property
    def file(self) -> str:
        return self.document.uri

    def position(self) -> Position:
        return self.document.locate(self.pointer)

    def __str__(self) -> str:
        position = self.position()
        return f"{self.file}:{position.line}:{position.column}"


@dataclass(frozen=True)
class RefProblem:
    """A ``$ref`` that cannot be followed, placed where the ``$ref`` is written.

    ``skipped`` is True when the target was not read on purpose (a remote file without
    ``--allow-remote``): the operation is then unchecked rather than broken.
    """

    message: str
    at: Location
    skipped: bool = False
    #: What the ``$ref`` names and is missing, when that is one thing several ``$ref``s may
    #: share: the URI of a file that cannot be read (``fragment`` None), or of a file read
    #: whose ``fragment`` holds nothing. The validator reports each missing thing once.
    target: str | None = None
    fragment: str | None = None

    def __str__(self) -> str:
        return f"{self.at}: {self.message}"


class RefError(LookupError):
    """A ``$ref`` chain that points nowhere, to a file that cannot be read, or in a circle."""

    def __init__(self, problem: RefProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def uri_of_location(location: str) -> str:
    """The URI a location (an absolute path or an http(s) URL) goes by in the registry."""
    if urlparse(location).scheme in ("http", "https"):
        return location
    return Path(location).as_uri()


def location_of_uri(uri: str) -> str:
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return unquote(parsed.path)
    return uri


def _uri_of(document: LoadedDocument) -> str:
    if document.path is not None:
        return document.path.as_uri()
    if urlparse(document.uri).scheme in ("http", "https"):
        return document.uri
    return f"urn:arazzo-engine:text:{id(document)}"


class DocumentStore:
    """The loaded documents by URI, a ``referencing.Registry`` over them, and ``$ref`` following.

    Documents already loaded (the source descriptions of a bundle) are added up front; any other
    file a ``$ref`` names is read on first use through ``policy`` and remembered, failures too.
    """

    def __init__(self, policy: ReferencePolicy,
                 documents: Iterable[LoadedDocument] = ()) -> None:
        self.policy = policy
        self._loaded: dict[str, LoadedDocument] = {}
        self._failed: dict[str, DocumentError] = {}
        self._registry: Registry[Any] = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]
        for document in documents:
            self.add(document)

    # documents --------------------------------------------------------------------------

    def add(self, document: LoadedDocument) -> str:
        uri = _uri_of(document)
        if uri not in self._loaded:
            self._loaded[uri] = document
            self._registry = self._registry.with_resource(uri, _resource(document))
        return uri

    def uri(self, document: LoadedDocument) -> str:
        return self.add(document)

    def get(self, uri: str) -> LoadedDocument:
        """The document at ``uri``, read through the policy the first time it is asked for.

        Raises ``DocumentError`` (``SourceNotAllowed`` when the policy refuses it).
        """
        known = self._loaded.get(uri)
        if known is not None:
            return known
        if uri in self._failed:
            raise self._failed[uri]
        try:
            retrieved = self._registry.get_or_retrieve(uri)
        except Unretrievable as exc:
            cause = exc.__cause__
            raise cause if isinstance(cause, DocumentError) else DocumentError(
                f"cannot be read: {cause}", file=uri) from None
        self._registry = retrieved.registry
        return self._loaded[uri]

    def _retrieve(self, uri: str) -> Resource[Any]:
        """The registry's retrieval hook: reads through the policy, keeping positions."""
        known = self._loaded.get(uri)
        if known is None:
            if uri in self._failed:
                raise self._failed[uri]
            try:
                known = self.policy.read(location_of_uri(uri))
            except DocumentError as exc:
                self._failed[uri] = exc
                raise
            self._loaded[uri] = known
        return _resource(known)

    @property
    def registry(self) -> Registry[Any]:
        """The registry of every document read so far (it reads more on demand)."""
        return self._registry

    @property
    def documents(self) -> Mapping[str, LoadedDocument]:
        return self._loaded

    # references -------------------------------------------------------------------------

    def target(self, ref: str, base: LoadedDocument) -> tuple[str, str]:
        """(document URI, fragment) that ``ref`` names when written in ``base``."""
        file_part, _, fragment = ref.partition("#")
        if not file_part:
            return self.uri(base), unquote(fragment)
        location = self.policy.locate(file_part, base)
        return uri_of_location(location), unquote(fragment)

    def follow(self, value: Any, at: Location) -> tuple[Any, Location]:
        """Follows a chain of ``$ref``s from ``value`` (found at ``at``) to a node without one.

        Returns the node and where it is. Raises ``RefError`` placed at the ``$ref`` that fails.
        """
        seen: list[tuple[str, str]] = []
        first: Location | None = None
        first_ref = ""
        while isinstance(value, Mapping) and isinstance(value.get("$ref"), str):
            ref: str = value["$ref"]
            ref_at = at.child("$ref")
            if first is None:
                first, first_ref = ref_at, ref
            try:
                uri, fragment = self.target(ref, at.document)
            except DocumentError as exc:
                raise RefError(RefProblem(f"$ref {ref!r} names no usable location: "
                                          f"{exc.message}", ref_at)) from None
            if (uri, fragment) in seen or len(seen) >= MAX_REF_HOPS:
                chain = " -> ".join(_short(u, f) for u, f in [*seen, (uri, fragment)])
                raise RefError(RefProblem(f"$ref {first_ref!r} is circular ({chain}): it never "
                                          "reaches a definition", first))
            seen.append((uri, fragment))
            value, at = self._lookup(ref, ref_at, uri, fragment)
        return value, at

    def _lookup(self, ref: str, ref_at: Location, uri: str,
                fragment: str) -> tuple[Any, Location]:
        try:
            document = self.get(uri)
        except DocumentError as exc:
            skipped = bool(getattr(exc, "remote", False))
            raise RefError(RefProblem(f"$ref {ref!r} cannot be followed: {_text(exc, uri)}",
                                      ref_at, skipped=skipped, target=uri)) from None
        if fragment == "" or fragment.startswith("/"):
            try:
                return resolve_pointer(document.data, fragment), Location(document, fragment)
            except (KeyError, ValueError):
                raise RefError(RefProblem(f"$ref {ref!r} points to nothing ({_name(uri)} "
                                          f"has no {fragment or '/'})", ref_at, target=uri,
                                          fragment=fragment)) from None
        try:  # a plain-name fragment: an $anchor in a 3.1 schema
            resolved = self._registry.resolver(base_uri=uri).lookup(f"#{fragment}")
        except Unresolvable:
            raise RefError(RefProblem(f"$ref {ref!r} points to nothing ({_name(uri)} has no "
                                      f"anchor {fragment!r})", ref_at, target=uri,
                                      fragment=fragment)) from None
        return resolved.contents, Location(document, "")


def _name(uri: str) -> str:
    """A file's last path segment: messages are placed in their file already."""
    return unquote(urlparse(uri).path.rsplit("/", 1)[-1]) or uri


def _short(uri: str, fragment: str) -> str:
    return f"{_name(uri)}#{fragment}"


def _resource(document: LoadedDocument) -> Resource[Any]:
    return DRAFT202012.create_resource(document.data)


def _text(exc: DocumentError, uri: str) -> str:
    """The reason without a repeated file name (the message names the file once)."""
    message = exc.message
    where = exc.file or location_of_uri(uri)
    return message if where in message else f"{_name(uri)}: {message}"

"""Loads the source descriptions an Arazzo document names, recursively, under one policy.

Local relative and ``file:`` URLs are read wherever they lead, as every OpenAPI tool reads
``$ref``s: the catalogue's own layout (``arazzo/x.yml`` naming ``../openapi/x.yml``) must work
from any working directory. A caller who does not trust a document confines it with ``root``:
then nothing outside that folder tree is read. Remote http(s) URLs are fetched only when the
caller allows it, and a document fetched over the network may never make us read a local file.

``SourcePolicy`` is that rule in one object, so every loader of referenced files (source
descriptions here, OpenAPI ``$ref``s into other files elsewhere) answers the same question the
same way. Failures do not raise out of ``load_bundle``: each ``Source`` carries its ``problem``,
so a validator can report all of them and an executor can refuse only when a step needs the
broken source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlparse

from arazzo_engine.document._identity import IdentityIndex, reference_base
from arazzo_engine.document._loader import MAX_BYTES, LoadedDocument, load_file, load_text
from arazzo_engine.document._pointer import join_pointer
from arazzo_engine.document._versions import spec_version
from arazzo_engine.errors import DocumentError

__all__ = ["REMOTE_TIMEOUT_SECONDS", "Bundle", "Source", "SourceNotAllowed", "SourcePolicy",
           "fetch_remote", "is_remote", "legacy_root", "load_bundle"]

REMOTE_TIMEOUT_SECONDS = 15.0

#: What the remote-source refusal says, wherever it is raised.
REMOTE_NOT_ALLOWED = ("remote sources are read only with --allow-remote "
                      "(allow_remote=True in the Python API)")


class SourceNotAllowed(DocumentError):
    """The policy forbids reading a location (not that it cannot be read).

    ``remote`` is True for an http(s) location refused because remote reading is off: callers
    treat that as "skipped on purpose" rather than as a broken reference.
    """

    def __init__(self, message: str, *, file: str | None = None, remote: bool = False) -> None:
        super().__init__(message, file=file)
        self.remote = remote


def is_remote(location: str) -> bool:
    return urlparse(location).scheme in ("http", "https")


@dataclass(frozen=True)
class SourcePolicy:
    """Which referenced documents may be read, and how a reference becomes a location.

    Attributes:
        root: when set, local files outside this folder tree are refused (for documents you
            do not trust). None (the default) reads local references wherever they lead.
        allow_remote: fetch http(s) references; off by default.
        session: a ``requests.Session`` for remote fetches (None: a new one per fetch).

    A location is an absolute local path (as text) or an http(s) URL. ``locate`` turns a
    reference into one, ``check`` says whether it may be read, ``read`` does both checks and
    loads it.
    """

    root: Path | None = None
    allow_remote: bool = False
    session: Any = field(default=None, compare=False, repr=False)

    @classmethod
    def create(cls, *, root: str | Path | None = None, allow_remote: bool = False,
               session: Any = None) -> SourcePolicy:
        """A policy with ``root`` made absolute (symlinks resolved, as locations are)."""
        return cls(root=Path(root).resolve() if root is not None else None,
                   allow_remote=allow_remote, session=session)

    def locate(self, reference: str, base: LoadedDocument | str | Path | None) -> str:
        """The location ``reference`` names when written in the document at ``base``.

        ``base`` is the referring document (or its location); None means the current folder.
        Raises ``DocumentError`` for a reference that names no usable location, and
        ``SourceNotAllowed`` when a remote document refers to a local file.
        """
        base_location = _location_of(base)
        parsed = urlparse(reference)
        if is_remote(reference):
            return reference
        if base_location is not None and is_remote(base_location):
            if parsed.scheme == "file":
                raise SourceNotAllowed("a document read over the network may not refer to "
                                       "local files", file=reference)
            return urljoin(base_location, reference)
        folder = Path(base_location).parent if base_location is not None else Path.cwd()
        try:
            if parsed.scheme == "file":  # file:///abs/x.yaml, or file:x.yaml beside the document
                return str((folder / unquote(parsed.path)).resolve())
            if parsed.scheme and len(parsed.scheme) > 1:  # one letter: a Windows drive
                raise DocumentError(f"unsupported URL scheme {parsed.scheme!r}", file=reference)
            return str((folder / unquote(reference)).resolve())
        except ValueError as exc:  # a NUL byte (%00) no file name can hold, say
            raise DocumentError(f"not a usable location: {exc}", file=reference) from None

    def check(self, location: str) -> None:
        """Raises ``SourceNotAllowed`` when this policy forbids reading ``location``."""
        if is_remote(location):
            if not self.allow_remote:
                raise SourceNotAllowed(f"{location} was not fetched: {REMOTE_NOT_ALLOWED}",
                                       file=location, remote=True)
            return
        if self.root is not None and not Path(location).is_relative_to(self.root):
            raise SourceNotAllowed(f"{location} lies outside --root {self.root} and was not "
                                   "read", file=location)

    def read(self, location: str) -> LoadedDocument:
        """Checks and loads one location; every failure is a ``DocumentError``."""
        self.check(location)
        if is_remote(location):
            return fetch_remote(location, self.session)
        scheme = urlparse(location).scheme
        if scheme and len(scheme) > 1:
            raise DocumentError(f"unsupported URL scheme {scheme!r}", file=location)
        return load_file(location)


def legacy_root(root: str | Path | None, allow_outside_root: bool | None) -> str | Path | None:
    """``root`` after the retired ``allow_outside_root`` switch (deprecated in 0.2).

    Local sources are no longer confined unless ``root`` is given, so the switch has nothing
    left to allow: it is accepted with a warning, and contradicting ``root`` is an error.
    """
    if allow_outside_root is None:
        return root
    import warnings

    warnings.warn("allow_outside_root is no longer needed and will be removed: local sources "
                  "are read wherever they lead unless root= confines them", DeprecationWarning,
                  stacklevel=3)
    if allow_outside_root and root is not None:
        raise ValueError("allow_outside_root=True contradicts root=: give root= to confine "
                         "local sources, or neither")
    return root


def _location_of(base: LoadedDocument | str | Path | None) -> str | None:
    if base is None:
        return None
    if isinstance(base, LoadedDocument):
        return str(base.path) if base.path is not None else (
            base.uri if is_remote(base.uri) else None)
    return str(base)


def fetch_remote(url: str, session: Any = None,
                 timeout: float = REMOTE_TIMEOUT_SECONDS) -> LoadedDocument:
    """Fetches one http(s) document: the single place remote reading happens.

    The same bounds as a workflow's requests (``arazzo_engine._exchange``): ``timeout`` covers
    the whole exchange (a server dripping bytes is cut off), the body is capped at the loader's
    ``MAX_BYTES`` after decompression (a gzip bomb is refused), and a redirect to another origin
    carries no credentials.
    """
    from arazzo_engine._exchange import ExchangeError, charset_of, exchange, new_session

    try:
        answer = exchange(session or new_session(), "GET", url, timeout=timeout,
                          max_body=MAX_BYTES, follow_redirects=True)
    except ExchangeError as error:
        raise DocumentError(f"cannot fetch: {error.message}", file=url) from None
    if answer.status_code != 200:
        raise DocumentError(f"fetching it answered HTTP {answer.status_code}", file=url)
    content_type = next((v for k, v in answer.headers if k.lower() == "content-type"), "")
    # RFC 3986 5.1.3: after a redirect, the last URI used is the document's retrieval URI
    # (the base its relative references resolve against)
    return load_text(answer.body.decode(charset_of(content_type), "replace"),
                     uri=answer.url or url)


@dataclass
class Source:
    name: str
    type: str | None  # "openapi", "asyncapi" or "arazzo" (declared, else guessed)
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
    #: The rules the bundle was loaded under; loaders of further files ($refs) reuse them.
    policy: SourcePolicy = field(default_factory=SourcePolicy)

    def sources_for(self, document: LoadedDocument | None = None) -> dict[str, Source]:
        doc = document or self.entry
        return self._sources.get(_key(doc), {})


def _by_identity(referrer: LoadedDocument, location: str) -> bool:
    """Arazzo 1.1: a URL no local file answers may name a document of the collection by its
    ``$self`` (identity-based referencing); 1.0 documents have no ``$self``."""
    if spec_version(referrer.data) != "1.1":
        return False
    return is_remote(location) or not Path(location).exists()


def _key(document: LoadedDocument) -> str:
    return str(document.path) if document.path is not None else document.uri


def _guess_type(data: Any) -> str | None:
    if isinstance(data, dict):
        if "arazzo" in data:
            return "arazzo"
        if "openapi" in data or "swagger" in data:
            return "openapi"
        if "asyncapi" in data:
            return "asyncapi"
    return None


def load_bundle(entry: str | Path | LoadedDocument, *, root: str | Path | None = None,
                allow_remote: bool = False, session: Any = None,
                policy: SourcePolicy | None = None) -> Bundle:
    """Loads ``entry`` and, breadth first, every source description reachable from it.

    ``policy`` (or ``root``, ``allow_remote`` and ``session`` to build one) says what may be
    read. The entry itself is always read: the caller chose it. Raises ``DocumentError`` only
    when the entry cannot be loaded.
    """
    if policy is None:
        policy = SourcePolicy.create(root=root, allow_remote=allow_remote, session=session)
    document = entry if isinstance(entry, LoadedDocument) else load_file(entry)
    bundle = Bundle(entry=document, documents={_key(document): document}, policy=policy)
    identities = IdentityIndex(document, policy.check)
    pending = [document]
    while pending:
        current = pending.pop(0)
        bundle._sources[_key(current)] = _load_sources_of(current, bundle, pending, identities)
    return bundle


def _load_sources_of(current: LoadedDocument, bundle: Bundle, pending: list[LoadedDocument],
                     identities: IdentityIndex) -> dict[str, Source]:
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
        source = Source(name=name, type=declared_type, url=url, location=url,
                        pointer=join_pointer("/sourceDescriptions", index))
        sources[name] = source
        reference, hashed, fragment = url.partition("#")
        if hashed and fragment:  # "resolved per the fragment resolution mechanism" of the
            # document: a JSON pointer into it, which never names a whole description
            source.problem = (f"`#{fragment}` names a part of {reference or 'a document'}, but "
                              "a source description is a whole OpenAPI, AsyncAPI or Arazzo "
                              "document (drop the fragment)")
            continue
        try:  # against the document's base URI: its $self, in Arazzo 1.1
            source.location = bundle.policy.locate(reference, reference_base(current))
        except DocumentError as exc:
            source.problem = exc.message
            continue
        known = bundle.documents.get(source.location)  # a shared file, or an Arazzo cycle
        if known is None and _by_identity(current, source.location):
            known = identities.find(source.location, list(bundle.documents.values()))
            if known is not None and _key(known) not in bundle.documents:
                bundle.documents[_key(known)] = known
                if _guess_type(known.data) == "arazzo" or declared_type == "arazzo":
                    pending.append(known)
        if known is not None:
            source.document = known
        else:
            try:
                source.document = bundle.policy.read(source.location)
            except SourceNotAllowed as exc:  # its message names the location already
                source.problem, source.skipped = exc.message, exc.remote
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

"""Loads YAML or JSON into plain data while remembering where every node came from.

A YAML composer already knows each node's line and column; we build the plain values ourselves
from its node tree so that the positions survive, duplicate keys are caught (safe_load keeps
the last one), and an alias bomb is stopped by a node budget instead of exhausting memory.

The node tree comes from libyaml's C parser where PyYAML was built with it (``PARSERS`` names
what is available): on a 2.3 MB OpenAPI description it is several times faster than PyYAML's
pure-Python parser, which remains the fallback. Both give the same data, positions and errors.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer

from arazzo_engine.document._pointer import escape_token, parent_pointer
from arazzo_engine.errors import DocumentError

MAX_BYTES = 32 * 1024 * 1024
MAX_NODES = 2_000_000
#: Nodes that aliases may copy in all; real documents reuse a few small anchors.
MAX_ALIAS_NODES = 100_000
MAX_DEPTH = 200

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
#: What JSON can say; other tags (sets, binary, timestamps, custom ones) are refused.
_PLAIN_TAGS = {f"tag:yaml.org,2002:{name}"
               for name in ("str", "int", "float", "bool", "null", "map", "seq")}


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass
class SourceMap:
    """Maps JSON Pointers to where their value (and the key that names it) starts in the text."""

    values: dict[str, Position] = field(default_factory=dict)
    keys: dict[str, Position] = field(default_factory=dict)

    def value_position(self, pointer: str) -> Position | None:
        return self.values.get(pointer)

    def key_position(self, pointer: str) -> Position | None:
        return self.keys.get(pointer)

    def locate(self, pointer: str) -> Position:
        """The best position for a diagnostic about ``pointer``: its key, else its value, else the
        nearest ancestor's (a missing member is reported where its parent object starts)."""
        current: str | None = pointer
        while current is not None:
            found = self.keys.get(current) or self.values.get(current)
            if found is not None:
                return found
            current = parent_pointer(current)
        return Position(1, 1)


class LoadedDocument:
    """A parsed document: its plain ``data``, where it came from, and (``positions``) where each
    node is in its ``text``.

    Positions are worked out the first time they are asked for, by reading the text again: a
    2 MB OpenAPI source that no diagnostic points into never pays for a map of its nodes.
    """

    def __init__(self, data: Any, positions: SourceMap | Callable[[], SourceMap], uri: str,
                 path: Path | None = None, text: str = "") -> None:
        self.data = data
        self._positions = positions
        self.uri = uri
        self.path = path
        self.text = text

    @property
    def positions(self) -> SourceMap:
        if not isinstance(self._positions, SourceMap):
            self._positions = self._positions()
        return self._positions

    def locate(self, pointer: str) -> Position:
        return self.positions.locate(pointer)

    def __repr__(self) -> str:
        return f"LoadedDocument(uri={self.uri!r}, path={self.path!r})"


def _without_timestamps(resolvers: dict[Any, list[Any]]) -> dict[Any, list[Any]]:
    return {first: [(tag, rx) for tag, rx in entries if tag != _TIMESTAMP_TAG]
            for first, entries in resolvers.items()}


class _PythonLoader(yaml.SafeLoader):
    """PyYAML's pure-Python SafeLoader minus implicit timestamps: data stays JSON-compatible."""

    yaml_implicit_resolvers = _without_timestamps(yaml.SafeLoader.yaml_implicit_resolvers)


_LOADERS: dict[str, Any] = {"python": _PythonLoader}

if yaml.__with_libyaml__:
    class _LibyamlLoader(yaml.CSafeLoader):
        """libyaml scans, parses and composes; the resolver and constructors stay PyYAML's."""

        yaml_implicit_resolvers = _without_timestamps(yaml.SafeLoader.yaml_implicit_resolvers)

    class _LibyamlEventLoader(Composer, _LibyamlLoader):
        """libyaml's events composed in Python, for a libyaml that does not bound nesting:
        the C composer recurses in C, where deep input could overflow the stack."""

        def __init__(self, stream: str) -> None:
            _LibyamlLoader.__init__(self, stream)
            Composer.__init__(self)

    _LOADERS["libyaml"] = _LibyamlLoader

#: The parsers this installation has, fastest first; ``load_text`` uses the first by default.
PARSERS: tuple[str, ...] = tuple(name for name in ("libyaml", "python") if name in _LOADERS)


@functools.cache
def _libyaml_bounds_nesting() -> bool:
    """libyaml 0.2.6 refuses nesting past 1,000 levels before composing; older ones do not."""
    deep = "[" * 1100 + "]" * 1100
    try:
        _LOADERS["libyaml"](deep).get_single_node()
    except yaml.YAMLError as exc:
        return "nesting depth" in str(exc)
    return False


def _make_loader(parser: str, text: str) -> Any:
    if parser not in _LOADERS:
        raise ValueError(f"unknown YAML parser {parser!r}; this installation has {PARSERS}")
    if parser == "libyaml" and not _libyaml_bounds_nesting():
        return _LibyamlEventLoader(text)
    return _LOADERS[parser](text)


_STR_TAG = "tag:yaml.org,2002:str"
#: Keys that SafeConstructor.flatten_mapping rewrites: ``<<`` merges, ``=`` becomes text.
_FLATTENED_TAGS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


class _Builder:
    """Turns a node tree into plain data, refusing what JSON cannot say; with ``positions``,
    also records where each node starts (the second, lazy reading of a document)."""

    def __init__(self, loader: Any, uri: str, positions: SourceMap | None = None) -> None:
        self._loader = loader
        self._constructors = loader.yaml_constructors
        self._uri = uri
        self._nodes = 0
        self._alias_nodes = 0
        self._alias_depth = 0
        self._seen: set[int] = set()
        self.positions = positions

    def _error(self, message: str, node: yaml.Node) -> DocumentError:
        mark = node.start_mark
        return DocumentError(message, file=self._uri, line=mark.line + 1, column=mark.column + 1)

    def build(self, node: yaml.Node, pointer: str, depth: int) -> Any:
        self._nodes += 1
        self._alias_nodes += self._alias_depth > 0
        if self._nodes > MAX_NODES or self._alias_nodes > MAX_ALIAS_NODES:
            raise self._error("the document expands to too many nodes through its aliases "
                              "(an alias bomb?)", node)
        if depth > MAX_DEPTH:
            raise self._error(f"the document nests deeper than {MAX_DEPTH} levels", node)
        if self.positions is not None:
            mark = node.start_mark
            self.positions.values[pointer] = Position(mark.line + 1, mark.column + 1)
        tag = node.tag
        if tag == _STR_TAG and isinstance(node, yaml.ScalarNode):  # most nodes: the text
            return node.value
        if tag not in _PLAIN_TAGS:  # collections would otherwise drop their tag silently
            raise self._error(f"cannot read this value: the tag {tag!r} is not plain "
                              "YAML/JSON data", node)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        # A collection met twice came through an alias: copying it again is what alias bombs
        # exploit, so everything below it counts against the alias budget.
        repeated = id(node) in self._seen
        self._seen.add(id(node))
        self._alias_depth += repeated
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, pointer, depth)
            if self.positions is None:
                return [self.build(item, "", depth + 1) for item in node.value]
            return [self.build(item, f"{pointer}/{i}", depth + 1)
                    for i, item in enumerate(node.value)]
        finally:
            self._alias_depth -= repeated

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        try:
            return self._constructors[node.tag](self._loader, node)
        except yaml.YAMLError as exc:
            raise self._error(f"cannot read this value: {_problem(exc)}", node) from None

    def _mapping(self, node: yaml.MappingNode, pointer: str, depth: int) -> dict[str, Any]:
        if any(key.tag in _FLATTENED_TAGS for key, _ in node.value):
            self._loader.flatten_mapping(node)  # applies YAML merge keys (<<)
        result: dict[str, Any] = {}
        first_keys: dict[str, yaml.Node] = {}
        keys = self.positions.keys if self.positions is not None else None
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self._error("a mapping key must be a plain value, not a collection", key_node)
            key = key_node.value if key_node.tag == _STR_TAG else _key_text(
                self._key(key_node))
            if key in result:
                first = first_keys[key].start_mark.line + 1
                raise self._error(f"duplicate key {key!r} (first defined at line {first})",
                                  key_node)
            first_keys[key] = key_node
            child = ""
            if keys is not None:
                child = f"{pointer}/{escape_token(key)}" if ("~" in key or "/" in key) \
                    else f"{pointer}/{key}"
                kmark = key_node.start_mark
                keys[child] = Position(kmark.line + 1, kmark.column + 1)
            result[key] = self.build(value_node, child, depth + 1)
        return result

    def _key(self, node: yaml.ScalarNode) -> Any:
        if node.tag not in _PLAIN_TAGS:
            raise self._error(f"cannot read this value: the tag {node.tag!r} is not plain "
                              "YAML/JSON data", node)
        return self._scalar(node)


def _key_text(key: Any) -> str:
    """JSON only has string keys; YAML writers put ``200:`` unquoted in OpenAPI responses."""
    if isinstance(key, str):
        return key
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _problem(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    return f"{problem} ({context})" if context else str(problem)


def _line_column(text: str, index: int) -> tuple[int, int]:
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def _refuse_control_characters(text: str, uri: str) -> None:
    """YAML admits no control characters; both parsers are given text that has none, so they
    fail alike (PyYAML's reader would refuse it, libyaml's with a byte offset)."""
    found = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if found is not None:
        line, column = _line_column(text, found.start())
        raise DocumentError(f"invalid YAML/JSON: character {ord(found.group()):#06x} is not "
                            "allowed (YAML accepts no control characters)", file=uri, line=line,
                            column=column)


def _compose(loader: Any, uri: str) -> yaml.Node | None:
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        if "maximum nesting depth" in str(exc.problem):  # libyaml's own bound
            raise DocumentError("the document nests too deeply to be read", file=uri,
                                line=line, column=column) from None
        raise DocumentError(f"invalid YAML/JSON: {_problem(exc)}", file=uri, line=line,
                            column=column) from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"invalid YAML/JSON: {exc}", file=uri) from None
    except RecursionError:
        raise DocumentError("the document nests too deeply to be read", file=uri) from None


@contextlib.contextmanager
def _without_collector_pauses() -> Iterator[None]:
    """Reading creates hundreds of thousands of containers and no garbage cycles; the cyclic
    collector, run again and again as they pile up, tripled the time a 2.3 MB description took
    to load. It runs as usual once the document is read."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read(text: str, uri: str, parser: str, positions: SourceMap | None) -> Any:
    loader = _make_loader(parser, text)
    try:
        with _without_collector_pauses():
            node = _compose(loader, uri)
            if node is None:
                raise DocumentError("the document is empty", file=uri, line=1, column=1)
            try:
                return _Builder(loader, uri, positions).build(node, "", 0)
            except RecursionError:
                raise DocumentError("the document nests too deeply to be read",
                                    file=uri) from None
    finally:
        loader.dispose()


def load_text(text: str, *, uri: str = "<string>", path: Path | None = None,
              parser: str | None = None) -> LoadedDocument:
    """Parses YAML or JSON text (JSON is read as YAML, which keeps positions for both).

    ``parser`` is one of `PARSERS` (``"libyaml"`` or ``"python"``); the default is the
    fastest this installation has. Every refusal (bad syntax, duplicate keys, tags, aliases
    past the budget, nesting) happens here; the positions, read later, cannot fail.
    """
    if len(text) > MAX_BYTES:
        raise DocumentError(f"the document is larger than {MAX_BYTES // (1024 * 1024)} MiB",
                            file=uri)
    _refuse_control_characters(text, uri)
    chosen = parser or PARSERS[0]
    data = _read(text, uri, chosen, None)

    def positions() -> SourceMap:
        found = SourceMap()
        _read(text, uri, chosen, found)
        return found

    return LoadedDocument(data=data, positions=positions, uri=uri, path=path, text=text)


def load_file(path: str | Path) -> LoadedDocument:
    """Reads and parses a file; every failure is a ``DocumentError`` naming the file."""
    file = Path(path)
    uri = str(path)
    try:
        size = file.stat().st_size
        if size > MAX_BYTES:
            raise DocumentError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB",
                                file=uri)
        raw = file.read_bytes()
    except DocumentError:
        raise
    except IsADirectoryError:
        raise DocumentError("is a directory, not a file", file=uri) from None
    except FileNotFoundError:
        raise DocumentError("no such file", file=uri) from None
    except OSError as exc:
        raise DocumentError(f"cannot read the file: {exc.strerror or exc}", file=uri) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"the file is not UTF-8 text (byte {exc.start})", file=uri) from None
    return load_text(text, uri=uri, path=file.resolve())

"""Loads YAML or JSON into plain data while remembering where every node came from.

PyYAML's composer already knows each node's line and column; we build the plain values ourselves
from its node tree so that the positions survive, duplicate keys are caught (safe_load keeps
the last one), and an alias bomb is stopped by a node budget instead of exhausting memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from arazzo_engine.document._pointer import join_pointer, parent_pointer
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


@dataclass
class LoadedDocument:
    data: Any = field(repr=False)
    positions: SourceMap = field(repr=False)
    uri: str
    path: Path | None = None
    text: str = field(default="", repr=False)

    def locate(self, pointer: str) -> Position:
        return self.positions.locate(pointer)


class _Loader(yaml.SafeLoader):
    """SafeLoader minus implicit timestamps: documents must stay JSON-compatible data."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Builder:
    def __init__(self, loader: _Loader, uri: str) -> None:
        self._loader = loader
        self._uri = uri
        self._nodes = 0
        self._alias_nodes = 0
        self._alias_depth = 0
        self._seen: set[int] = set()
        self.positions = SourceMap()

    def _error(self, message: str, node: yaml.Node) -> DocumentError:
        mark = node.start_mark
        return DocumentError(message, file=self._uri, line=mark.line + 1, column=mark.column + 1)

    def build(self, node: yaml.Node, pointer: str, depth: int) -> Any:
        # A node met twice came through an alias: copying it again is what alias bombs exploit.
        repeated = id(node) in self._seen
        self._seen.add(id(node))
        self._alias_depth += repeated
        try:
            return self._build(node, pointer, depth)
        finally:
            self._alias_depth -= repeated

    def _build(self, node: yaml.Node, pointer: str, depth: int) -> Any:
        self._nodes += 1
        self._alias_nodes += self._alias_depth > 0
        if self._nodes > MAX_NODES or self._alias_nodes > MAX_ALIAS_NODES:
            raise self._error("the document expands to too many nodes through its aliases "
                              "(an alias bomb?)", node)
        if depth > MAX_DEPTH:
            raise self._error(f"the document nests deeper than {MAX_DEPTH} levels", node)
        mark = node.start_mark
        self.positions.values[pointer] = Position(mark.line + 1, mark.column + 1)
        if node.tag not in _PLAIN_TAGS:  # collections would otherwise drop their tag silently
            raise self._error(f"cannot read this value: the tag {node.tag!r} is not plain "
                              "YAML/JSON data", node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, pointer, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, join_pointer(pointer, i), depth + 1)
                    for i, item in enumerate(node.value)]
        try:
            return self._loader.construct_object(node)
        except yaml.YAMLError as exc:
            raise self._error(f"cannot read this value: {_problem(exc)}", node) from None

    def _mapping(self, node: yaml.MappingNode, pointer: str, depth: int) -> dict[str, Any]:
        self._loader.flatten_mapping(node)  # applies YAML merge keys (<<)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self._error("a mapping key must be a plain value, not a collection", key_node)
            key = self._loader.construct_object(key_node)
            key = _key_text(key)
            if key in result:
                first = self.positions.keys[join_pointer(pointer, key)]
                raise self._error(
                    f"duplicate key {key!r} (first defined at line {first.line})", key_node
                )
            child = join_pointer(pointer, key)
            kmark = key_node.start_mark
            self.positions.keys[child] = Position(kmark.line + 1, kmark.column + 1)
            result[key] = self.build(value_node, child, depth + 1)
        return result


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


def load_text(text: str, *, uri: str = "<string>", path: Path | None = None) -> LoadedDocument:
    """Parses YAML or JSON text (JSON is read as YAML, which keeps positions for both)."""
    if len(text) > MAX_BYTES:
        raise DocumentError(f"the document is larger than {MAX_BYTES // (1024 * 1024)} MiB",
                            file=uri)
    try:
        loader = _Loader(text)  # the reader refuses control characters before parsing starts
    except yaml.reader.ReaderError as exc:
        line, column = _line_column(text, exc.position)
        raise DocumentError(f"invalid YAML/JSON: character {exc.character:#06x} is not allowed "
                            "(YAML accepts no control characters)", file=uri, line=line,
                            column=column) from None
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise DocumentError(f"invalid YAML/JSON: {_problem(exc)}", file=uri,
                                line=mark.line + 1 if mark else None,
                                column=mark.column + 1 if mark else None) from None
        except yaml.YAMLError as exc:
            raise DocumentError(f"invalid YAML/JSON: {exc}", file=uri) from None
        except RecursionError:
            raise DocumentError("the document nests too deeply to be read", file=uri) from None
        if node is None:
            raise DocumentError("the document is empty", file=uri, line=1, column=1)
        builder = _Builder(loader, uri)
        try:
            data = builder.build(node, "", 0)
        except RecursionError:
            raise DocumentError("the document nests too deeply to be read", file=uri) from None
    finally:
        loader.dispose()
    return LoadedDocument(data=data, positions=builder.positions, uri=uri, path=path, text=text)


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

"""AsyncAPI 2.x and 3.0 descriptions as Arazzo 1.1 steps see them: operations and channels.

An AsyncAPI step names an operation (``operationId``) or a channel (``channelPath``). The two
major versions spell these differently, so each is read into one shape here:

- 3.0: ``operations`` is a map whose keys are the operation ids; each operation points at its
  ``channel`` and lists its ``messages`` by ``$ref`` (all of the channel's when it lists none).
- 2.x: each entry of ``channels`` may carry a ``publish`` and a ``subscribe`` operation, with an
  optional ``operationId`` and one ``message`` (or ``message.oneOf``).

Every ``$ref`` an operation depends on (its channel, its messages, a message's correlation id) is
followed through the bundle's ``DocumentStore`` (the one OpenAPI sources use: other files are
read under the same source policy, each once); one that points nowhere, loops, or cannot be read
is recorded in ``problems`` with where it is written, rather than raised, so a validator can
report it at the step that uses it.
"""

from __future__ import annotations

import re
from collections.abc import KeysView, Mapping
from dataclasses import dataclass, field
from typing import Any

from arazzo_engine.document import LoadedDocument, join_pointer, split_pointer
from arazzo_engine.openapi._store import DocumentStore, Location, RefError

__all__ = ["AsyncChannel", "AsyncIndex", "AsyncMessage", "AsyncOperation", "asyncapi_version"]

_VERSION = re.compile(r"^(?P<major>[0-9]+)\.(?P<minor>[0-9]+)\.[0-9]+(-[0-9A-Za-z.-]+)?$")
#: The AsyncAPI versions this package reads, as "major.minor" prefixes.
SUPPORTED = ("2.", "3.0")


def asyncapi_version(data: Any) -> str | None:
    """The ``asyncapi`` field of a description, when it is a version string."""
    value = data.get("asyncapi") if isinstance(data, Mapping) else None
    return value if isinstance(value, str) and _VERSION.match(value) else None


def is_supported(version: str) -> bool:
    return any(version.startswith(prefix) for prefix in SUPPORTED)


@dataclass(frozen=True)
class AsyncMessage:
    """A message an operation sends or receives (its ``$ref`` followed)."""

    pointer: str
    node: Mapping[str, Any]
    #: The resolved Correlation ID Object, when the message declares one.
    correlation_id: Mapping[str, Any] | None = None

    @property
    def name(self) -> str:
        value = self.node.get("name")
        return value if isinstance(value, str) else self.pointer.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class AsyncChannel:
    name: str
    pointer: str
    address: str | None
    node: Mapping[str, Any]


@dataclass
class AsyncOperation:
    """One operation: ``action`` is as written (3.0 ``send``/``receive``, 2.x ``publish``/
    ``subscribe``); Arazzo's ``action`` is the workflow's own side, so the two are not compared."""

    operation_id: str | None
    action: str
    pointer: str
    channel: AsyncChannel | None = None
    messages: list[AsyncMessage] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: The Operation Object as written (its ``$ref`` followed).
    node: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def correlated(self) -> bool:
        """True when some message of the operation declares a ``correlationId``."""
        return any(m.correlation_id is not None for m in self.messages)


@dataclass
class AsyncIndex:
    version: str | None = None
    operations: list[AsyncOperation] = field(default_factory=list)
    channels: dict[str, AsyncChannel] = field(default_factory=dict)  # by pointer
    _by_id: dict[str, AsyncOperation] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, document: LoadedDocument, store: DocumentStore) -> AsyncIndex:
        data = document.data
        index = cls(version=asyncapi_version(data))
        if index.version is None or not is_supported(index.version) \
                or not isinstance(data, Mapping):
            return index
        _Builder(document, data, store, index).build()
        return index

    def by_id(self, operation_id: str) -> AsyncOperation | None:
        return self._by_id.get(operation_id)

    @property
    def operation_ids(self) -> KeysView[str]:
        return self._by_id.keys()

    def channel_at(self, pointer: str) -> AsyncChannel | None:
        """The channel a ``channelPath`` pointer names (``/channels/<name>``)."""
        return self.channels.get(pointer)

    def operations_on(self, channel: AsyncChannel) -> list[AsyncOperation]:
        return [o for o in self.operations
                if o.channel is not None and o.channel.pointer == channel.pointer]


class _Builder:
    def __init__(self, document: LoadedDocument, data: Mapping[str, Any], store: DocumentStore,
                 index: AsyncIndex) -> None:
        self.loaded = document
        self.document = data
        self.store = store
        self.index = index

    def build(self) -> None:
        self._channels()
        if str(self.index.version).startswith("2."):
            self._operations_v2()
        else:
            self._operations_v3()

    def _channels(self) -> None:
        for section in (("channels",), ("components", "channels")):
            found: Any = self.document
            for key in section:
                found = found.get(key) if isinstance(found, Mapping) else None
            if not isinstance(found, Mapping):
                continue
            for name, node in found.items():
                pointer = join_pointer("", *section, str(name))
                resolved = self._follow(node, pointer, [], "")
                if not isinstance(resolved, Mapping):
                    continue
                address = resolved.get("address")
                if str(self.index.version).startswith("2."):
                    address = str(name)  # 2.x channel names are their addresses
                self.index.channels[pointer] = AsyncChannel(
                    str(name), pointer, address if isinstance(address, str) else None, resolved)

    # AsyncAPI 3.0 -------------------------------------------------------------------------

    def _operations_v3(self) -> None:
        operations = self.document.get("operations")
        if not isinstance(operations, Mapping):
            return
        for operation_id, node in operations.items():
            pointer = join_pointer("/operations", str(operation_id))
            problems: list[str] = []
            resolved = self._follow(node, pointer, problems, f"operation `{operation_id}`")
            if not isinstance(resolved, Mapping):
                continue
            action = resolved.get("action")
            operation = AsyncOperation(str(operation_id), str(action), pointer, problems=problems,
                                       node=resolved)
            operation.channel = self._channel_of(resolved.get("channel"), pointer + "/channel",
                                                 problems)
            listed = resolved.get("messages")
            if isinstance(listed, list):
                for position, reference in enumerate(listed):
                    self._message(reference, join_pointer(pointer, "messages", position),
                                  operation)
            elif operation.channel is not None:
                for name, message in _mapping(operation.channel.node.get("messages")).items():
                    self._message(message, join_pointer(operation.channel.pointer, "messages",
                                                        str(name)), operation)
            self._add(operation)

    def _channel_of(self, reference: Any, pointer: str,
                    problems: list[str]) -> AsyncChannel | None:
        ref = reference.get("$ref") if isinstance(reference, Mapping) else None
        if not isinstance(ref, str):
            problems.append("it names no `channel` (a `$ref` to one of `channels`)")
            return None
        if ref.startswith("#"):
            known = self.index.channels.get(ref[1:])
            if known is not None:
                return known
        found = self._locate(reference, pointer, problems, f"its channel `{ref}`")
        if found is None:
            return None
        node, at = found
        if not isinstance(node, Mapping):
            problems.append(f"its channel `{ref}` is not a Channel Object")
            return None
        address = node.get("address")
        name = at.pointer.rsplit("/", 1)[-1]
        return AsyncChannel(name, f"{at.file}#{at.pointer}",
                            address if isinstance(address, str) else None, node)

    # AsyncAPI 2.x -------------------------------------------------------------------------

    def _operations_v2(self) -> None:
        for channel in list(self.index.channels.values()):
            for verb in ("publish", "subscribe"):
                node = channel.node.get(verb)
                if not isinstance(node, Mapping):
                    continue
                operation_id = node.get("operationId")
                pointer = join_pointer(channel.pointer, verb)
                operation = AsyncOperation(
                    operation_id if isinstance(operation_id, str) else None, verb, pointer,
                    channel=channel, node=node)
                message = node.get("message")
                choices = message.get("oneOf") if isinstance(message, Mapping) else None
                if isinstance(choices, list):
                    for position, item in enumerate(choices):
                        self._message(item, join_pointer(pointer, "message", "oneOf", position),
                                      operation)
                elif message is not None:
                    self._message(message, join_pointer(pointer, "message"), operation)
                self._add(operation)

    # both ----------------------------------------------------------------------------------

    def _message(self, node: Any, pointer: str, operation: AsyncOperation) -> None:
        ref = node.get("$ref") if isinstance(node, Mapping) else None
        where = f"message `{ref}`" if isinstance(ref, str) else f"the message at {pointer}"
        found = self._locate(node, pointer, operation.problems, where)
        if found is None:
            return
        resolved, at = found
        if not isinstance(resolved, Mapping):
            operation.problems.append(f"{where} is not a Message Object")
            return
        correlation = resolved.get("correlationId")
        correlation_id = None
        if correlation is not None:
            located = self._locate(correlation, "", operation.problems,
                                   f"the correlationId of {where}", at.child("correlationId"))
            if located is not None and isinstance(located[0], Mapping):
                correlation_id = located[0]
        target = at.pointer if at.document is self.loaded else f"{at.file}#{at.pointer}"
        operation.messages.append(AsyncMessage(target, resolved, correlation_id))

    def _follow(self, node: Any, pointer: str, problems: list[str], what: str) -> Any:
        found = self._locate(node, pointer, problems, what)
        return None if found is None else found[0]

    def _locate(self, node: Any, pointer: str, problems: list[str], what: str,
                at: Location | None = None) -> tuple[Any, Location] | None:
        """The node a ``$ref`` chain from ``node`` (written at ``pointer``) ends on, and where;
        None, with the problem recorded, when it cannot be followed."""
        try:
            return self.store.follow(node, at or Location(self.loaded, pointer))
        except RefError as exc:
            problems.append(f"{what}: {exc.problem.message} (at {exc.problem.at})")
            return None

    def _add(self, operation: AsyncOperation) -> None:
        self.index.operations.append(operation)
        if operation.operation_id is not None:
            self.index._by_id.setdefault(operation.operation_id, operation)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def channel_pointer(pointer: str) -> bool:
    """True for a pointer that can name a channel: ``/channels/<name>``."""
    try:
        tokens = split_pointer(pointer)
    except ValueError:
        return False
    return (len(tokens) == 2 and tokens[0] == "channels") or (
        len(tokens) == 3 and tokens[:2] == ["components", "channels"])

"""What a runtime expression can see while a workflow runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Message:
    """One HTTP request or response as expressions see it.

    ``body`` is the parsed JSON value, or the text of a non-JSON body, or None when there is no
    body (``raw_body`` then tells an absent body from a JSON ``null``). ``query`` and ``path``
    are the request's parameters by name.
    """

    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    raw_body: str | bytes | None = None
    content_type: str | None = None
    query: Mapping[str, Any] = field(default_factory=dict)
    path: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class EvaluationContext:
    """The data behind each runtime expression root.

    ``steps`` is ``{stepId: {"outputs": {...}}}``; ``workflows`` is
    ``{workflowId: {"inputs": {...}, "outputs": {...}}}``; ``source_descriptions`` maps a name to
    its Source Description Object; ``components`` is the document's Components Object.
    """

    inputs: Mapping[str, Any] = field(default_factory=dict)
    outputs: Mapping[str, Any] = field(default_factory=dict)
    steps: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    workflows: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    source_descriptions: Mapping[str, Any] = field(default_factory=dict)
    components: Mapping[str, Any] = field(default_factory=dict)
    url: str | None = None
    method: str | None = None
    status_code: int | None = None
    request: Message | None = None
    response: Message | None = None
    #: The message an AsyncAPI step sent or received (``$message``, Arazzo 1.1).
    message: Message | None = None
    #: The document's own URI, its ``$self`` resolved (``$self``, Arazzo 1.1).
    self_uri: str | None = None

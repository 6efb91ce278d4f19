"""A run's result as JSON, written step by step: a run of ten thousand polls is never one
string in memory (the steps stream from the run's history)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from arazzo_engine.cli._output import Writer
from arazzo_engine.executor import RunResult


def write_result(result: RunResult, out: Writer, *, indent: int | None = None,
                 extra: Mapping[str, Any] | None = None) -> None:
    """What ``json.dumps({**extra, **result.to_dict()}, indent=indent)`` would write."""
    head = {**dict(extra or {}), **result.to_dict_without_steps()}
    sep = "\n" if indent else ""
    pad = " " * (indent or 0)
    colon = ": "
    comma = "," if indent else ", "
    out.write("{" + sep)
    for name, value in head.items():
        text = json.dumps(value, default=str, indent=indent)
        out.write(f"{pad}{json.dumps(name)}{colon}{_reindent(text, pad)}{comma}{sep}")
    out.write(f"{pad}\"steps\"{colon}[")
    first = True
    for text in _step_texts(result, indent):
        out.write(("" if first else ("," if indent else ", ")) + sep
                  + (pad * 2 if indent else "") + _reindent(text, pad * 2))
        first = False
    if not first and indent:
        out.write(sep + pad)
    out.write("]" + sep + "}\n")


def _step_texts(result: RunResult, indent: int | None) -> Iterator[str]:
    """Each step execution as JSON. Unindented, a history that keeps its records as JSON text
    (the run store, the spill file) hands that text over as it is: decoding each record into
    objects only to encode it again cost about 30 µs a step."""
    texts = getattr(result.steps, "json_texts", None)
    if indent is None and texts is not None:
        yield from texts()
        return
    for step in result.steps:
        yield json.dumps(step.to_dict(), default=str, indent=indent)


def _reindent(text: str, pad: str) -> str:
    return text.replace("\n", "\n" + pad) if pad else text

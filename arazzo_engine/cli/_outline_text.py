"""Plain-text views of outlines shared by ``arazzo list`` and ``arazzo describe``.

Plain aligned text, not tables that depend on the terminal's width: the same bytes on a
terminal, in a CI log and in the user guide.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from arazzo_engine.outline import ActionOutline, CriterionOutline, InputOutline

__all__ = ["action_text", "criteria_text", "input_lines", "output_text", "value_text"]


def input_lines(inputs: Sequence[InputOutline], indent: str) -> list[str]:
    """One aligned line per input: name, type, required or optional, notes, description."""
    if not inputs:
        return [f"{indent}(no inputs)"]
    name_width = max(len(i.name) for i in inputs)
    type_width = max(len(i.type_text) for i in inputs)
    lines = []
    for item in inputs:
        notes = []
        if item.has_default:
            notes.append(f"default {json.dumps(item.default, default=str)}")
        if item.secret:
            notes.append("secret")
        if item.format and item.format != "password":
            notes.append(f"format {item.format}")
        words = "; ".join(notes)
        if item.description:
            words = f"{words}. {_one_line(item.description)}" if words else _one_line(
                item.description)
        line = (f"{indent}{item.name:<{name_width}}  {item.type_text:<{type_width}}  "
                f"{'required' if item.required else 'optional'}")
        lines.append(f"{line}  {words}" if words else line)
    return lines


def criteria_text(criteria: Sequence[CriterionOutline]) -> str:
    return " and ".join(c.text for c in criteria)


def action_text(action: ActionOutline, positions: dict[str, int], index: int) -> str:
    """``runSucceeded: goto listArtifacts when ...`` as ``describe`` lists actions."""
    name = action.name or "(unnamed)"
    if action.type == "goto":
        target = (f"step {action.step_id}" if action.step_id is not None
                  else f"workflow {action.workflow_id}")
        loop = action.step_id in positions and positions[action.step_id] <= index
        what = f"goto {target}{' (loop)' if loop else ''}"
    elif action.type == "retry":
        limit = action.retry_limit if action.retry_limit is not None else 1
        wait = f" after {action.retry_after:g} s" if action.retry_after else ""
        first = (f", running step {action.step_id} first" if action.step_id
                 else f", running workflow {action.workflow_id} first"
                 if action.workflow_id else "")
        what = f"retry{wait}, up to {limit} time{'s' if limit != 1 else ''}{first}"
    else:
        what = action.type
    text = f"{name}: {what}"
    if action.criteria:
        text += f" when {criteria_text(action.criteria)}"
    notes = []
    if action.inherited:
        notes.append("from the workflow")
    if action.reference:
        notes.append(action.reference)
    return f"{text}  [{', '.join(notes)}]" if notes else text


def value_text(value: Any) -> str:
    """A parameter value, payload or default as one line: strings bare, the rest as JSON."""
    if isinstance(value, str):
        return json.dumps(value) if value == "" or value != value.strip() else value
    return json.dumps(value, default=str)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def output_text(value: Any) -> str:
    """An output's value: a Selector Object (Arazzo 1.1) as what it selects from where, for
    instance ``$.data.id (jsonpath) in $response.body``; anything else as ``value_text``."""
    if isinstance(value, dict) and isinstance(value.get("context"), str) \
            and isinstance(value.get("selector"), str):
        kind = value.get("type")
        if isinstance(kind, dict):
            kind = " ".join(str(kind.get(k)) for k in ("type", "version") if kind.get(k))
        return f"{value['selector']} ({kind or 'selector'}) in {value['context']}"
    return value_text(value)


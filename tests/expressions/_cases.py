"""Loads the case tables under cases/ and the run data they evaluate against."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from arazzo_engine.expressions import EvaluationContext, Message

CASES = Path(__file__).parent / "cases"


def load_cases(name: str) -> list[dict[str, Any]]:
    """The list of cases in ``cases/<name>.yaml``."""
    with open(CASES / f"{name}.yaml", encoding="utf-8") as stream:
        return yaml.safe_load(stream)


def case_id(case: dict[str, Any]) -> str:
    """A readable test id: the case's description, else its text."""
    for key in ("id", "text", "condition", "value"):
        if key in case:
            return str(case[key])[:80]
    return str(case)[:80]


def make_context(overrides: dict[str, Any] | None = None) -> EvaluationContext:
    """The shared run data, with a case's ``with:`` replacing whole top-level fields."""
    with open(CASES / "context.yaml", encoding="utf-8") as stream:
        data = yaml.safe_load(stream)
    data.update(copy.deepcopy(overrides or {}))
    for name in ("request", "response", "message"):
        if data.get(name) is not None:
            data[name] = Message(**data[name])
    return EvaluationContext(**data)

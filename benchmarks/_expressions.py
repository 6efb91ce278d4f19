"""Benchmark 2: a compiled criterion against parsing it every time, and against plain Python.

The executor compiles each criterion once per document and evaluates it on every step
execution; this shows what that buys (parse + evaluate vs evaluate) and how far the compiled
form is from a hand-written check of the same fact on the same dict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from arazzo_engine.expressions import Compiler, EvaluationContext, Message, compile_criterion

from ._measure import Row, Section, interleaved

RUN_BODY = {
    "status": {"code": 200, "is_success": True},
    "data": {
        "id": 70471823500001,
        "status": 10,
        "is_complete": True,
        "is_error": False,
        "run_steps": [
            {"index": index, "name": name, "status": 10}
            for index, name in enumerate(("clone", "deps", "build", "docs generate"), start=1)
        ],
    },
}

CONTEXT = EvaluationContext(
    url="http://127.0.0.1/api/v2/accounts/1/runs/70471823500001/",
    method="GET",
    status_code=200,
    response=Message(headers={"Content-Type": "application/json"}, body=RUN_BODY,
                     content_type="application/json"),
)


def _simple_by_hand(context: EvaluationContext) -> bool:
    body = context.response.body if context.response else None
    data = body.get("data") if isinstance(body, dict) else None
    return context.status_code == 200 and isinstance(data, dict) and data.get("status") == 10


def _comparison_by_hand(context: EvaluationContext) -> bool:
    body = context.response.body if context.response else None
    data = body.get("data") if isinstance(body, dict) else None
    return isinstance(data, dict) and data.get("status") == 10


def _query_by_hand(context: EvaluationContext) -> bool:
    body = context.response.body if context.response else None
    data = body.get("data") if isinstance(body, dict) else None
    steps = data.get("run_steps") if isinstance(data, dict) else None
    return isinstance(steps, list) and any(
        isinstance(step, dict) and step.get("status") == 10 for step in steps
    )


@dataclass(frozen=True)
class Case:
    label: str
    criterion: Mapping[str, Any]
    by_hand: Callable[[EvaluationContext], bool]


CASES = (
    Case("simple condition",
         {"condition": "$statusCode == 200 && $response.body#/data/status == 10"},
         _simple_by_hand),
    Case("JSONPath comparison form",
         {"context": "$response.body", "condition": "$.data.status == 10", "type": "jsonpath"},
         _comparison_by_hand),
    Case("RFC 9535 query",
         {"context": "$response.body", "condition": "$.data.run_steps[?@.status == 10]",
          "type": "jsonpath"},
         _query_by_hand),
)


@dataclass(frozen=True)
class Settings:
    repeat: int
    evaluations: int  # calls per sample of the compiled and hand-written checks
    compilations: int  # calls per sample of parse + evaluate


FULL = Settings(repeat=9, evaluations=3000, compilations=150)
QUICK = Settings(repeat=5, evaluations=1000, compilations=50)


def _parse_and_evaluate(criterion: Mapping[str, Any]) -> bool:
    # A fresh Compiler has an empty cache, so every call parses the criterion again.
    return Compiler().criterion(criterion).evaluate(CONTEXT).passed


def expressions(settings: Settings) -> Section:
    section = Section("expressions", "Criteria: compiled once vs parsed every time")
    for case in CASES:
        compiled = compile_criterion(case.criterion)
        answers = {compiled.evaluate(CONTEXT).passed, _parse_and_evaluate(case.criterion),
                   case.by_hand(CONTEXT)}
        if answers != {True}:
            raise RuntimeError(f"{case.label}: the three checks disagree or fail")
        evaluations = interleaved({
            "compiled": lambda compiled=compiled: compiled.evaluate(CONTEXT),
            "by_hand": lambda case=case: case.by_hand(CONTEXT),
        }, repeat=settings.repeat, number=settings.evaluations, warmup=100)
        parsing = interleaved(
            {"parsed": lambda case=case: _parse_and_evaluate(case.criterion)},
            repeat=settings.repeat, number=settings.compilations, warmup=5,
        )["parsed"]
        baseline = evaluations["by_hand"]
        section.rows.append(Row(f"{case.label}: compiled evaluate", evaluations["compiled"],
                                "hand-written check", baseline))
        section.rows.append(Row(f"{case.label}: parse + evaluate", parsing,
                                "hand-written check", baseline))
        saving = parsing.median / evaluations["compiled"].median
        section.derived.append((f"{case.label}: compile once pays",
                                f"parse + evaluate takes {saving:.0f}x a compiled evaluation"))
    return section

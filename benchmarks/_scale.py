"""Benchmark 4: validating a large generated document against a large generated OpenAPI source.

200 workflows of 10 steps each call operations of a 2,000-operation OpenAPI description by
operationId, pass outputs from step to step and check criteria, so every semantic rule has work
to do. The baseline is reading the same two files with ``yaml.safe_load``: validation should
stay a small multiple of parsing as documents grow.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

import arazzo_engine

from ._measure import Row, Section, interleaved
from ._report import quantity

ARAZZO_NAME = "generated.arazzo.yaml"
OPENAPI_NAME = "generated.openapi.yaml"


@dataclass(frozen=True)
class Settings:
    repeat: int
    workflows: int = 200
    steps: int = 10
    operations: int = 2000


FULL = Settings(repeat=3)
# A tenth of the size: a --quick run keeps its 15 s budget; its ratio is only indicative.
QUICK = Settings(repeat=2, workflows=20, operations=200)


def _operation_id(number: int) -> str:
    return f"op{number:04d}"


def _method(number: int) -> str:
    return "get" if number % 2 == 0 else "put"


def generate_openapi(operations: int) -> dict[str, Any]:
    """Two operations (GET and PUT) per path, sharing one schema through ``$ref``."""
    item = {"$ref": "#/components/schemas/Item"}
    paths: dict[str, Any] = {}
    for number in range(operations):
        path = paths.setdefault(f"/resources{number // 2}/{{itemId}}", {
            "parameters": [{"name": "itemId", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
        })
        operation: dict[str, Any] = {
            "operationId": _operation_id(number),
            "responses": {"200": {"description": "the item",
                                  "content": {"application/json": {"schema": item}}}},
        }
        if _method(number) == "put":
            operation["requestBody"] = {"content": {"application/json": {"schema": item}}}
        path[_method(number)] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Generated API", "version": "1.0.0"},
        "servers": [{"url": "http://127.0.0.1:8000"}],
        "paths": paths,
        "components": {"schemas": {"Item": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "status": {"type": "integer"}},
        }}},
    }


def _step(workflow: int, index: int, operations: int) -> dict[str, Any]:
    """A lean step; every fifth one also has a JSONPath criterion and a retry."""
    number = (workflow * 10 + index) % operations
    item = "$inputs.itemId" if index == 0 else f"$steps.step{index - 1}.outputs.id"
    step: dict[str, Any] = {
        "stepId": f"step{index}",
        "operationId": _operation_id(number),
        "parameters": [{"name": "itemId", "in": "path", "value": item}],
        "successCriteria": [{"condition": "$statusCode == 200"}],
        "outputs": {"id": "$response.body#/id"},
    }
    if _method(number) == "put":
        step["requestBody"] = {"contentType": "application/json", "payload": {"id": item}}
    if index % 5 == 0:
        step["successCriteria"].append(
            {"context": "$response.body", "condition": "$.status < 400", "type": "jsonpath"})
        step["onFailure"] = [{"name": "tryAgain", "type": "retry", "retryAfter": 1,
                              "retryLimit": 2}]
    return step


def generate_arazzo(workflows: int, steps: int, operations: int) -> dict[str, Any]:
    return {
        "arazzo": "1.0.1",
        "info": {"title": "Generated workflows", "version": "1.0.0"},
        "sourceDescriptions": [{"name": "api", "url": f"./{OPENAPI_NAME}", "type": "openapi"}],
        "workflows": [{
            "workflowId": f"workflow{workflow}",
            "inputs": {"type": "object", "required": ["itemId"],
                       "properties": {"itemId": {"type": "string"}}},
            "steps": [_step(workflow, index, operations) for index in range(steps)],
            "outputs": {"lastId": f"$steps.step{steps - 1}.outputs.id"},
        } for workflow in range(workflows)],
    }


def write_documents(folder: Path, settings: Settings) -> tuple[Path, Path]:
    arazzo, openapi = folder / ARAZZO_NAME, folder / OPENAPI_NAME
    openapi.write_text(yaml.safe_dump(generate_openapi(settings.operations), sort_keys=False),
                       encoding="utf-8")
    arazzo.write_text(
        yaml.safe_dump(generate_arazzo(settings.workflows, settings.steps, settings.operations),
                       sort_keys=False),
        encoding="utf-8",
    )
    return arazzo, openapi


def _safe_load(*paths: Path) -> list[Any]:
    return [yaml.safe_load(path.read_text(encoding="utf-8")) for path in paths]


def validation_at_scale(settings: Settings) -> Section:
    title = (f"Validation at scale: {settings.workflows} workflows x {settings.steps} steps "
             f"against {settings.operations:,} operations")
    section = Section("scale", title)
    with tempfile.TemporaryDirectory(prefix="arazzo-bench-") as folder:
        arazzo, openapi = write_documents(Path(folder), settings)
        report = arazzo_engine.load(arazzo).validate()  # also the warm-up: schemas compiled
        if not report.ok:
            first = next(iter(report.diagnostics), None)
            raise RuntimeError(f"the generated document does not validate: {first}")
        samples = interleaved({
            "validate": lambda: arazzo_engine.load(arazzo).validate(),
            "yaml": lambda: _safe_load(arazzo, openapi),
        }, repeat=settings.repeat, warmup=0)
        sizes = arazzo.stat().st_size + openapi.stat().st_size
    section.rows.append(Row("load(path).validate()", samples["validate"],
                            "yaml.safe_load of both files", samples["yaml"]))
    section.derived.append(("generated YAML", f"{sizes / 1e6:.1f} MB in two files"))
    section.derived.append((
        "validation time per step",
        quantity(samples["validate"].median / (settings.workflows * settings.steps), "s"),
    ))
    return section

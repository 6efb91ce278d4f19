"""Parameter serialization against the OpenAPI style/explode table (serialization_cases.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from arazzo_engine.openapi import (
    ParameterStyle,
    default_style,
    parameter_style,
    serialize_cookie,
    serialize_header,
    serialize_path,
    serialize_query,
)

_TABLE = yaml.safe_load((Path(__file__).parent / "serialization_cases.yaml").read_text())


def _case_id(case: dict[str, Any]) -> str:
    shown = case.get("value", repr(case.get("literal")))
    return f"{case['location']}-{case['style']}-explode={case['explode']}-{shown}"


@pytest.mark.parametrize("case", _TABLE["cases"], ids=_case_id)
def test_style_table(case: dict[str, Any]) -> None:
    value = _TABLE["values"][case["value"]] if "value" in case else case["literal"]
    style = parameter_style(
        case["location"],
        {"style": case["style"], "explode": case["explode"],
         "allowReserved": case.get("allowReserved", False)},
    )
    location = case["location"]
    if location == "path":
        got: Any = serialize_path("color", value, style)
    elif location == "query":
        got = serialize_query("color", value, style)
    elif location == "header":
        got = serialize_header(value, style)
    else:
        got = [list(pair) for pair in serialize_cookie("color", value, style)]
    assert got == case["want"]


def test_defaults_per_location() -> None:
    assert default_style("path") == ParameterStyle("simple", False)
    assert default_style("header") == ParameterStyle("simple", False)
    assert default_style("query") == ParameterStyle("form", True)
    assert default_style("cookie") == ParameterStyle("form", True)


def test_explode_defaults_to_true_only_for_form() -> None:
    assert parameter_style("query", {"style": "pipeDelimited"}).explode is False
    assert parameter_style("query", {"style": "form"}).explode is True


def test_a_style_not_allowed_in_a_location_falls_back_to_its_default() -> None:
    assert parameter_style("header", {"style": "matrix"}).style == "simple"


def test_content_parameters_are_sent_as_json() -> None:
    style = parameter_style("query", {"name": "filter", "content": {"application/json": {}}})
    assert serialize_query("filter", {"a": [1, 2]}, style) == "filter=%7B%22a%22%3A%5B1%2C2%5D%7D"

"""The loader gives plain data, positions for every node, and clean errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from arazzo_engine.document import MAX_DEPTH, Position, load_file, load_text
from arazzo_engine.errors import DocumentError

YAML_TEXT = """\
arazzo: 1.0.1
info:
  title: t
workflows:
  - workflowId: w
    steps:
      - stepId: s1
        operationId: op
"""


def test_yaml_positions_point_at_keys_and_values() -> None:
    doc = load_text(YAML_TEXT)
    assert doc.data["workflows"][0]["steps"][0]["operationId"] == "op"
    assert doc.positions.key_position("/workflows/0/steps/0/operationId") == Position(8, 9)
    assert doc.positions.value_position("/workflows/0/steps/0/operationId") == Position(8, 22)
    assert doc.positions.value_position("/workflows/0/steps/0") == Position(7, 9)


def test_locate_falls_back_to_the_nearest_ancestor() -> None:
    doc = load_text(YAML_TEXT)
    assert doc.locate("/workflows/0/steps/0/successCriteria/3") == Position(7, 9)
    assert doc.locate("/nowhere") == Position(1, 1)


def test_json_positions() -> None:
    doc = load_text('{\n  "a": {\n    "b": [1, 2]\n  }\n}')
    assert doc.data == {"a": {"b": [1, 2]}}
    assert doc.positions.value_position("/a/b/1") == Position(3, 14)


def test_pointer_tokens_are_escaped() -> None:
    doc = load_text("paths:\n  /pets/{id}:\n    get: {}\n  a~b: 1\n")
    assert doc.positions.key_position("/paths/~1pets~1{id}/get") == Position(3, 5)
    assert doc.positions.key_position("/paths/a~0b") == Position(4, 3)


def test_timestamps_stay_strings_and_numeric_keys_become_strings() -> None:
    doc = load_text("when: 2021-11-26 16:48:41\nresponses:\n  200: ok\n")
    assert doc.data == {"when": "2021-11-26 16:48:41", "responses": {"200": "ok"}}


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a' (first defined at line 1)"),
        ("a: [1,\n", 2, "invalid YAML/JSON"),
        ("a: !!python/object:os.system x\n", 1, "cannot read this value"),
        ("", 1, "the document is empty"),
        ("a:\n\tb: 1\n", 2, "invalid YAML/JSON"),
        ("a: 1\nb: \"x\x7fy\"\n", 2, "is not allowed"),
        ("a: !custom [1, 2]\n", 1, "is not plain YAML/JSON data"),
        ("a: !!python/object/apply:os.system [echo]\n", 1, "is not plain YAML/JSON data"),
        ("a: !!set {x: null}\n", 1, "is not plain YAML/JSON data"),
        ("a: !!binary aGk=\n", 1, "is not plain YAML/JSON data"),
    ],
)
def test_bad_input_is_a_document_error_with_a_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(DocumentError) as caught:
        load_text(text, uri="doc.yaml")
    assert caught.value.line == line
    assert fragment in str(caught.value)
    assert str(caught.value).startswith("doc.yaml:")


def test_alias_bomb_is_stopped() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = name
    with pytest.raises(DocumentError, match="alias bomb"):
        load_text("\n".join(lines))


def test_deep_nesting_is_refused_cleanly() -> None:
    with pytest.raises(DocumentError, match="nests"):
        load_text("[" * 50_000)
    with pytest.raises(DocumentError, match=f"deeper than {MAX_DEPTH}"):
        load_text("a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5))


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="no such file"):
        load_file(tmp_path / "missing.yaml")
    with pytest.raises(DocumentError, match="directory"):
        load_file(tmp_path)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(DocumentError, match="not UTF-8"):
        load_file(binary)


def test_file_keeps_its_path(tmp_path: Path) -> None:
    target = tmp_path / "doc.yaml"
    target.write_text(YAML_TEXT)
    doc = load_file(target)
    assert doc.path == target.resolve()
    assert doc.text == YAML_TEXT

"""The loader gives plain data, positions for every node, and clean errors for bad input.

Every test runs once per YAML parser this installation has (libyaml's C parser and PyYAML's
pure-Python one): both must give the same data, positions and refusals.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from arazzo_engine.document import MAX_DEPTH, Position, _loader, load_file, load_text
from arazzo_engine.errors import DocumentError

INSTALLED = _loader.PARSERS


@pytest.fixture(autouse=True, params=INSTALLED)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Makes ``request.param`` the parser ``load_text`` and ``load_file`` use by default."""
    chosen = request.param
    monkeypatch.setattr(_loader, "PARSERS", (chosen, *[p for p in INSTALLED if p != chosen]))
    yield chosen

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


def test_libyaml_is_the_default_where_pyyaml_has_it() -> None:
    assert INSTALLED[0] == ("libyaml" if yaml.__with_libyaml__ else "python")


TRICKY = """\
# a comment
name: "quoted \\"é\\" text"
plain: café ✓
block: |
  line one
  line two
folded: >-
  a
  b
flow: {a: [1, 2.5, true, null], "b c": 'it''s'}
list:
  - &anchor {x: 1}
  - *anchor
  - <<: *anchor
    y: 2
"200": ok
crlf: end\r\nafter: 1\r\n
"""


def test_both_parsers_give_the_same_data_and_positions() -> None:
    if len(INSTALLED) < 2:
        pytest.skip("PyYAML was built without libyaml: only one parser to compare")
    documents = [load_text(TRICKY, parser=name) for name in INSTALLED]
    json_text = '{"a": {"é": [1, {"b": "x/y~z"}]},\n "c": null}'
    documents += [load_text(json_text, parser=name) for name in INSTALLED]
    libyaml, python, json_libyaml, json_python = documents
    assert libyaml.data == python.data
    assert libyaml.data["list"][2] == {"x": 1, "y": 2}
    assert libyaml.positions == python.positions
    assert libyaml.positions.value_position("/plain") == Position(3, 8)
    assert libyaml.positions.key_position("/after") == Position(18, 1)
    assert json_libyaml.positions == json_python.positions
    assert json_libyaml.positions.value_position("/a/\u00e9/1") == Position(1, 17)  # characters


def test_an_unknown_parser_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown YAML parser"):
        load_text("a: 1", parser="fortran")


def test_a_libyaml_without_its_own_nesting_bound_is_composed_in_python(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Older libyaml composes deep input recursively in C; then Python composes its events."""
    if "libyaml" not in INSTALLED:
        pytest.skip("PyYAML was built without libyaml")
    monkeypatch.setattr(_loader, "_libyaml_bounds_nesting", lambda: False)
    assert load_text(YAML_TEXT, parser="libyaml").data == load_text(YAML_TEXT).data
    with pytest.raises(DocumentError, match="nests"):
        load_text("a: " + "[" * 5000 + "]" * 5000, parser="libyaml")
    assert "Composer" in {c.__name__ for c in type(_loader._make_loader("libyaml", "a")).__mro__}


def test_positions_are_read_only_when_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """A large source no diagnostic points into never pays for its source map."""
    reads: list[bool] = []
    real = _loader._read

    def counting(text: str, uri: str, parser: str, positions: object) -> object:
        reads.append(positions is not None)
        return real(text, uri, parser, positions)  # type: ignore[arg-type]

    monkeypatch.setattr(_loader, "_read", counting)
    doc = load_text(YAML_TEXT)
    assert reads == [False]
    assert doc.positions.key_position("/info/title") == Position(3, 3)
    assert doc.locate("/workflows/0") == Position(5, 5)
    assert reads == [False, True]


def test_refusals_happen_while_loading_not_when_positions_are_read() -> None:
    with pytest.raises(DocumentError, match="duplicate key"):
        load_text("a: 1\nb: {c: 1, c: 2}\n")

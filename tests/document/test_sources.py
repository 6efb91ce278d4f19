"""Source descriptions load relative to their document, never outside the root or unasked."""

from __future__ import annotations

from pathlib import Path

import pytest

from arazzo_engine.document import load_bundle

OPENAPI = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"


def _arazzo(*sources: tuple[str, str, str]) -> str:
    lines = ["arazzo: 1.0.1", "info: {title: t, version: '1'}", "sourceDescriptions:"]
    for name, url, kind in sources:
        lines.append(f"  - {{name: {name}, url: '{url}', type: {kind}}}")
    lines.append("workflows: []")
    return "\n".join(lines) + "\n"


def test_relative_sources_resolve_against_the_referring_document(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "flows").mkdir()
    (tmp_path / "api" / "openapi.yaml").write_text(OPENAPI)
    entry = tmp_path / "flows" / "main.arazzo.yaml"
    entry.write_text(_arazzo(("api", "../api/openapi.yaml", "openapi")))
    bundle = load_bundle(entry, root=tmp_path)
    source = bundle.sources_for()["api"]
    assert source.problem is None
    assert source.document is not None and source.document.data["openapi"] == "3.1.0"
    assert source.pointer == "/sourceDescriptions/0"


def test_paths_outside_the_root_are_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.yaml").write_text(OPENAPI)
    inner = tmp_path / "project"
    inner.mkdir()
    entry = inner / "main.arazzo.yaml"
    entry.write_text(_arazzo(("api", "../secret.yaml", "openapi")))
    refused = load_bundle(entry, root=inner).sources_for()["api"]
    assert refused.document is None and "outside the folder tree" in (refused.problem or "")
    allowed = load_bundle(entry, root=inner, allow_outside_root=True).sources_for()["api"]
    assert allowed.problem is None


def test_remote_sources_are_skipped_unless_allowed(tmp_path: Path) -> None:
    entry = tmp_path / "main.arazzo.yaml"
    entry.write_text(_arazzo(("api", "https://example.invalid/openapi.yaml", "openapi")))
    source = load_bundle(entry).sources_for()["api"]
    assert source.skipped and "--allow-remote" in (source.problem or "")


def test_missing_and_broken_sources_carry_a_problem(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("a: [1,\n")
    entry = tmp_path / "main.arazzo.yaml"
    entry.write_text(_arazzo(("gone", "gone.yaml", "openapi"), ("bad", "broken.yaml", "openapi")))
    sources = load_bundle(entry).sources_for()
    assert "no such file" in (sources["gone"].problem or "")
    assert "invalid YAML" in (sources["bad"].problem or "")
    assert not sources["gone"].skipped


def test_arazzo_sources_load_recursively_and_cycles_terminate(tmp_path: Path) -> None:
    (tmp_path / "openapi.yaml").write_text(OPENAPI)
    (tmp_path / "a.arazzo.yaml").write_text(
        _arazzo(("b", "b.arazzo.yaml", "arazzo"), ("api", "openapi.yaml", "openapi")))
    (tmp_path / "b.arazzo.yaml").write_text(_arazzo(("a", "a.arazzo.yaml", "arazzo")))
    bundle = load_bundle(tmp_path / "a.arazzo.yaml")
    b_doc = bundle.sources_for()["b"].document
    assert b_doc is not None
    back = bundle.sources_for(b_doc)["a"]
    assert back.document is bundle.entry
    assert len(bundle.documents) == 3


def test_type_is_guessed_when_absent(tmp_path: Path) -> None:
    (tmp_path / "openapi.yaml").write_text(OPENAPI)
    entry = tmp_path / "main.arazzo.yaml"
    entry.write_text(
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\n"
        "sourceDescriptions:\n  - {name: api, url: openapi.yaml}\nworkflows: []\n")
    assert load_bundle(entry).sources_for()["api"].type == "openapi"


@pytest.mark.parametrize("url", ["ftp://host/x.yaml", "data:text/plain,x"])
def test_unsupported_schemes_are_problems(tmp_path: Path, url: str) -> None:
    entry = tmp_path / "main.arazzo.yaml"
    entry.write_text(_arazzo(("api", url, "openapi")))
    assert "unsupported URL scheme" in (load_bundle(entry).sources_for()["api"].problem or "")


def test_a_location_no_file_name_can_hold_is_a_problem(tmp_path: Path) -> None:
    entry = tmp_path / "main.arazzo.yaml"
    entry.write_text(_arazzo(("api", "api%00.yaml", "openapi")))
    assert "not a usable location" in (load_bundle(entry).sources_for()["api"].problem or "")

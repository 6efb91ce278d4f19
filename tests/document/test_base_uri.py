"""Arazzo 1.1 base URIs ($self, RFC 3986 5.1) and identity-based referencing of sources.

The cases follow the 1.1 text's Appendix B ("Examples of Base URI Determination and Reference
Resolution"), with local files standing in for the network where the example allows it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from arazzo_engine.document import load_bundle, load_file
from arazzo_engine.document._base import base_uri, retrieval_uri, self_uri

OPENAPI = {"openapi": "3.1.0", "info": {"title": "p", "version": "1"}, "paths": {}}


def _arazzo(version: str = "1.1.0", **extra: object) -> dict[str, object]:
    return {"arazzo": version, **extra, "info": {"title": "t", "version": "1"},
            "workflows": [{"workflowId": "w", "steps": [{"stepId": "s", "operationId": "x"}]}]}


def _write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_an_absolute_self_is_the_base_whatever_the_retrieval_uri(tmp_path: Path) -> None:
    entry = _write(tmp_path / "workflows" / "purchase.arazzo.yaml", _arazzo(
        **{"$self": "https://api.example.com/workflows/purchase.arazzo.yaml"},
        sourceDescriptions=[{"name": "petstore", "url": "../specs/petstore.yaml",
                             "type": "openapi"}]))
    _write(tmp_path / "specs" / "petstore.yaml", OPENAPI)  # a local file the base does not reach
    bundle = load_bundle(entry)
    source = bundle.sources_for()["petstore"]
    assert source.location == "https://api.example.com/specs/petstore.yaml"
    assert source.document is None and source.skipped
    assert "--allow-remote" in (source.problem or "")


def test_without_self_the_retrieval_uri_is_the_base(tmp_path: Path) -> None:
    entry = _write(tmp_path / "workflows" / "purchase.arazzo.yaml", _arazzo(
        sourceDescriptions=[{"name": "petstore", "url": "../specs/petstore.yaml",
                             "type": "openapi"}]))
    spec = _write(tmp_path / "specs" / "petstore.yaml", OPENAPI)
    source = load_bundle(entry).sources_for()["petstore"]
    assert source.location == str(spec.resolve()) and source.document is not None
    document = load_file(entry)
    assert base_uri(document) == retrieval_uri(document) == entry.resolve().as_uri()
    assert self_uri(document) is None


def test_a_relative_self_is_resolved_against_the_retrieval_uri_first(tmp_path: Path) -> None:
    entry = _write(tmp_path / "v2" / "api-description.yaml", _arazzo(
        **{"$self": "workflows/purchase.arazzo.yaml"},
        sourceDescriptions=[{"name": "petstore", "url": "../specs/petstore.yaml",
                             "type": "openapi"}]))
    spec = _write(tmp_path / "v2" / "specs" / "petstore.yaml", OPENAPI)
    _write(tmp_path / "specs" / "petstore.yaml", OPENAPI)  # what the retrieval URI would name
    document = load_file(entry)
    assert self_uri(document) == (tmp_path / "v2" / "workflows" /
                                  "purchase.arazzo.yaml").resolve().as_uri()
    source = load_bundle(entry).sources_for()["petstore"]
    assert source.location == str(spec.resolve())


def test_a_1_0_document_resolves_against_its_location(tmp_path: Path) -> None:
    entry = _write(tmp_path / "v2" / "flow.arazzo.yaml", _arazzo(
        "1.0.1", **{"$self": "elsewhere/flow.arazzo.yaml"},
        sourceDescriptions=[{"name": "petstore", "url": "specs/petstore.yaml",
                             "type": "openapi"}]))
    spec = _write(tmp_path / "v2" / "specs" / "petstore.yaml", OPENAPI)
    assert load_bundle(entry).sources_for()["petstore"].location == str(spec.resolve())


def test_an_absolute_url_names_the_document_that_claims_it_as_its_self(tmp_path: Path) -> None:
    """Identity, not location: the collection (here the entry's folder) holds a document whose
    $self is the URL, so nothing is fetched."""
    entry = _write(tmp_path / "entry.arazzo.yaml", _arazzo(sourceDescriptions=[
        {"name": "shared", "url": "https://workflows.example.com/canonical/shared.arazzo.yaml",
         "type": "arazzo"}]))
    mirror = _write(tmp_path / "cache-abc123.yaml", _arazzo(
        **{"$self": "https://workflows.example.com/canonical/shared.arazzo.yaml"},
        sourceDescriptions=[{"name": "petstore", "url": "../specs/petstore.yaml",
                             "type": "openapi"}]))
    bundle = load_bundle(entry)
    shared = bundle.sources_for()["shared"]
    assert shared.problem is None and shared.document is not None
    assert shared.document.path == mirror
    nested = bundle.sources_for(shared.document)["petstore"]
    assert nested.location == "https://workflows.example.com/specs/petstore.yaml"


def test_identity_is_not_looked_for_in_files_outside_the_root(tmp_path: Path) -> None:
    entry = _write(tmp_path / "docs" / "entry.arazzo.yaml", _arazzo(sourceDescriptions=[
        {"name": "shared", "url": "https://example.com/shared.arazzo.yaml", "type": "arazzo"}]))
    _write(tmp_path / "docs" / "shared.yaml", _arazzo(
        **{"$self": "https://example.com/shared.arazzo.yaml"}))
    confined = load_bundle(entry, root=tmp_path / "elsewhere").sources_for()["shared"]
    assert confined.document is None
    assert load_bundle(entry).sources_for()["shared"].document is not None

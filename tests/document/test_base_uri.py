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


def test_a_document_fetched_through_a_redirect_has_the_last_uri_as_its_base(
        tmp_path: Path) -> None:
    """RFC 3986 5.1.3: "if the resource was retrieved via a redirect, the base URI is the last
    URI used": a remote Arazzo source moved elsewhere finds its own sources beside it there."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from arazzo_engine._exchange import new_session

    moved = _arazzo(sourceDescriptions=[{"name": "api", "url": "openapi.yaml",
                                         "type": "openapi"}])
    files = {"/new/flows.arazzo.yaml": moved, "/new/openapi.yaml": OPENAPI}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/old/flows.arazzo.yaml":
                self.send_response(301)
                self.send_header("Location", "/new/flows.arazzo.yaml")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = files.get(self.path)
            body = yaml.safe_dump(data).encode() if data is not None else b""
            self.send_response(200 if data is not None else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        root = f"http://127.0.0.1:{server.server_address[1]}"
        entry = _write(tmp_path / "main.arazzo.yaml", _arazzo(sourceDescriptions=[
            {"name": "flows", "url": f"{root}/old/flows.arazzo.yaml", "type": "arazzo"}]))
        bundle = load_bundle(entry, allow_remote=True, session=new_session(trust_env=False))
        flows = bundle.sources_for()["flows"].document
        assert flows is not None and flows.uri == f"{root}/new/flows.arazzo.yaml"
        api = bundle.sources_for(flows)["api"]
        assert api.location == f"{root}/new/openapi.yaml" and api.problem is None
    finally:
        server.shutdown()
        server.server_close()


def test_a_document_read_from_text_takes_the_uri_it_is_given_or_the_working_directory(
        tmp_path: Path, monkeypatch) -> None:
    """RFC 3986 5.1.4, an application's default: text has no retrieval URI of its own."""
    from arazzo_engine.document import load_text

    text = yaml.safe_dump(_arazzo(sourceDescriptions=[
        {"name": "api", "url": "specs/openapi.yaml", "type": "openapi"}]))
    _write(tmp_path / "specs" / "openapi.yaml", OPENAPI)
    monkeypatch.chdir(tmp_path)
    here = load_bundle(load_text(text)).sources_for()["api"]
    assert Path(here.location) == tmp_path / "specs" / "openapi.yaml" and here.problem is None
    given = load_bundle(load_text(text, uri="https://flows.example.test/a/x.arazzo.yaml"))
    assert given.sources_for()["api"].location == \
        "https://flows.example.test/a/specs/openapi.yaml"


def test_a_source_url_with_a_fragment_names_no_description(tmp_path: Path) -> None:
    """"If a URI contains a fragment identifier, then the fragment MUST be resolved per the
    fragment resolution mechanism of the referenced document": a JSON pointer, so a part of
    the document, never a whole description. An empty fragment is the whole document."""
    _write(tmp_path / "openapi.yaml", OPENAPI)
    entry = _write(tmp_path / "main.arazzo.yaml", _arazzo(sourceDescriptions=[
        {"name": "part", "url": "openapi.yaml#/info", "type": "openapi"},
        {"name": "whole", "url": "openapi.yaml#", "type": "openapi"}]))
    sources = load_bundle(entry).sources_for()
    assert sources["part"].document is None
    assert "`#/info` names a part of openapi.yaml" in (sources["part"].problem or "")
    assert sources["whole"].problem is None and sources["whole"].document is not None


def test_validate_says_a_relative_source_resolved_against_self(tmp_path: Path) -> None:
    from arazzo_engine.validation import validate_document

    _write(tmp_path / "openapi.yaml", OPENAPI)
    entry = _write(tmp_path / "main.arazzo.yaml", _arazzo(
        **{"$self": "https://flows.example.test/shop/main.arazzo.yaml"},
        sourceDescriptions=[{"name": "api", "url": "openapi.yaml", "type": "openapi"}]))
    found = [d for d in validate_document(entry).diagnostics if d.rule == "source-load"]
    assert len(found) == 1 and "https://flows.example.test/shop/openapi.yaml" in found[0].message
    assert found[0].hint == ("`openapi.yaml` is relative, so it resolves against the document's "
                             "`$self` (https://flows.example.test/shop/main.arazzo.yaml), not "
                             "against where the file lies")

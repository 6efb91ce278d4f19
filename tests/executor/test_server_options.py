"""A typo in --server or --server-variable never sends a request (with a token) anywhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from local_http import LocalServer, arazzo_doc, run_cli

from arazzo_engine import OptionsError, RunOptions, load

_WORKFLOW = {
    "workflowId": "call",
    "inputs": {"type": "object", "properties": {"token": {"type": "string"}}},
    "steps": [{"stepId": "echo", "operationId": "echo", "parameters": [
        {"name": "Authorization", "in": "header", "value": "Bearer {$inputs.token}"}]}],
}


@pytest.fixture
def production() -> Iterator[LocalServer]:
    with LocalServer() as running:
        running.route("GET", "/echo", lambda seen: {})
        yield running


@pytest.fixture
def other() -> Iterator[LocalServer]:
    with LocalServer() as running:
        running.route("GET", "/echo", lambda seen: {})
        yield running


def _document(tmp_path: Path, production: LocalServer) -> Path:
    """The description's server is ``production``, on a port given by a server variable."""
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump({
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "servers": [{"url": "http://127.0.0.1:{port}",
                     "variables": {"port": {"default": str(production.port)}}}],
        "paths": {"/echo": {
            "servers": [{"url": "http://{host}:{port}", "variables": {
                "host": {"default": "127.0.0.1"}, "port": {"default": str(production.port)}}}],
            "get": {"operationId": "echo", "responses": {"200": {"description": "ok"}}}}},
    }))
    path = tmp_path / "flow.arazzo.yaml"
    path.write_text(yaml.safe_dump(arazzo_doc(_WORKFLOW, sources={"dbtAdminApi": "openapi.yaml"})))
    return path


def _run(path: Path, *extra: str) -> int:
    return run_cli(["run", str(path), "--input", "token=s3cret", *extra])


def test_the_right_names_work(tmp_path: Path, production: LocalServer, other: LocalServer) -> None:
    path = _document(tmp_path, production)
    assert _run(path, "--server", f"dbtAdminApi={other.url}") == 0
    assert len(other.requests) == 1 and production.requests == []
    assert _run(path, "--server-variable", "dbtAdminApi.host=127.0.0.1",
                "--server-variable", "port=" + str(production.port)) == 0
    assert len(production.requests) == 1


@pytest.mark.parametrize(("option", "expected"), [
    (["--server", "dbtAdminAPI={other}"],
     "--server dbtAdminAPI={other}: no API source description has that name; did you mean "
     "'dbtAdminApi'? (the document's API source descriptions: dbtAdminApi)"),
    (["--server-variable", "dbtAdminAPI.port=1"],
     "--server-variable dbtAdminAPI.port: no API source description has that name; did you mean "
     "'dbtAdminApi'?"),
    (["--server-variable", "dbtAdminApi.hots=x"],
     "--server-variable dbtAdminApi.hots: source 'dbtAdminApi' declares no server variable of "
     "that name; did you mean 'host'? (its server variables: host, port)"),
    (["--server-variable", "prot=1"],
     "--server-variable prot: no source description declares a server variable of that name; did "
     "you mean 'port'? (the server variables: dbtAdminApi.host, dbtAdminApi.port)"),
    (["--server", "dbtAdminApi=127.0.0.1:{port}"],
     "--server dbtAdminApi=127.0.0.1:{port}: not an absolute http:// or https:// URL"),
    (["--server", "dbtAdminApi=ftp://user:pw@127.0.0.1/"],
     "--server dbtAdminApi=ftp://user:***@127.0.0.1/: not an absolute http:// or https:// URL"),
])
def test_a_wrong_name_or_url_is_a_usage_error_before_any_request(
        tmp_path: Path, production: LocalServer, other: LocalServer, option: list[str],
        expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = _document(tmp_path, production)
    filled = [o.format(other=other.url, port=other.port) for o in option]
    assert _run(path, *filled) == 2
    err = capsys.readouterr().err
    assert expected.format(other=other.url, port=other.port) in err
    assert "pw@" not in err and "s3cret" not in err
    assert production.requests == [] and other.requests == []


def test_every_problem_is_listed_at_once(tmp_path: Path, production: LocalServer,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = _document(tmp_path, production)
    assert _run(path, "--server", "api=http://127.0.0.1:9", "--server-variable", "nope=1") == 2
    err = capsys.readouterr().err
    assert "--server api=" in err and "--server-variable nope" in err


def test_the_python_api_refuses_the_same_typos(tmp_path: Path, production: LocalServer) -> None:
    document = load(_document(tmp_path, production))
    options: dict[str, Any] = {"servers": {"dbtadminapi": "http://127.0.0.1:9"}}
    with pytest.raises(OptionsError, match="did you mean 'dbtAdminApi'"):
        document.run(inputs={"token": "t"}, options=RunOptions(**options))
    assert production.requests == []


def test_an_arazzo_source_is_not_an_api(tmp_path: Path, production: LocalServer,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    _document(tmp_path, production)
    (tmp_path / "child.arazzo.yaml").write_text(
        (tmp_path / "flow.arazzo.yaml").read_text())
    parent = tmp_path / "parent.arazzo.yaml"
    parent.write_text(yaml.safe_dump(arazzo_doc(
        {"workflowId": "outer", "steps": [
            {"stepId": "inner", "workflowId": "$sourceDescriptions.flows.call",
             "parameters": [{"name": "token", "value": "t"}]}]},
        sources={"flows": "child.arazzo.yaml"})))
    assert _run(parent, "--server", "flows=http://127.0.0.1:9") == 2
    assert "'flows' is an Arazzo source description, not an API" in capsys.readouterr().err
    # The nested document's API source may be overridden from the top.
    assert _run(parent, "--server", f"dbtAdminApi={production.url}") == 0
    assert len(production.requests) == 1

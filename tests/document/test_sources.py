"""Source descriptions load relative to their document, wherever that leads, unless confined.

Local references are read like OpenAPI `$ref`s; `root` confines them (opt-in); remote ones are
read only when allowed, and a remote document never reaches a local file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from arazzo_engine.document import SourceNotAllowed, SourcePolicy, load_bundle

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


def _outside(tmp_path: Path, url: str = "../secret.yaml") -> Path:
    (tmp_path / "secret.yaml").write_text(OPENAPI)
    inner = tmp_path / "project"
    inner.mkdir()
    entry = inner / "main.arazzo.yaml"
    entry.write_text(_arazzo(("api", url, "openapi")))
    return entry


def test_local_sources_are_read_wherever_they_lead_by_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = _outside(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # neither the document's folder nor a parent of it
    source = load_bundle(entry).sources_for()["api"]
    assert source.problem is None and source.document is not None
    assert source.location == str((tmp_path / "secret.yaml").resolve())


def test_with_a_root_paths_outside_it_are_refused(tmp_path: Path) -> None:
    entry = _outside(tmp_path)
    refused = load_bundle(entry, root=entry.parent).sources_for()["api"]
    assert refused.document is None and not refused.skipped
    assert f"outside --root {entry.parent.resolve()}" in (refused.problem or "")
    assert load_bundle(entry, root=tmp_path).sources_for()["api"].problem is None


def test_a_root_also_confines_file_urls_and_symlinks(tmp_path: Path) -> None:
    secret = (tmp_path / "secret.yaml").resolve()
    entry = _outside(tmp_path, url=secret.as_uri())
    (entry.parent / "link.yaml").symlink_to(secret)
    assert load_bundle(entry).sources_for()["api"].problem is None
    assert "outside --root" in (load_bundle(entry, root=entry.parent)
                                .sources_for()["api"].problem or "")
    entry.write_text(_arazzo(("api", "link.yaml", "openapi")))
    assert "outside --root" in (load_bundle(entry, root=entry.parent)
                                .sources_for()["api"].problem or "")


def test_a_file_url_without_a_host_path_is_read_beside_the_document(tmp_path: Path) -> None:
    (tmp_path / "openapi.yaml").write_text(OPENAPI)
    entry = tmp_path / "main.arazzo.yaml"
    entry.write_text(_arazzo(("api", "file:openapi.yaml", "openapi")))
    assert load_bundle(entry).sources_for()["api"].problem is None


def test_remote_sources_are_skipped_unless_allowed_and_the_message_says_how(
        tmp_path: Path) -> None:
    entry = tmp_path / "main.arazzo.yaml"
    entry.write_text(_arazzo(("api", "https://example.invalid/openapi.yaml", "openapi")))
    source = load_bundle(entry).sources_for()["api"]
    assert source.skipped
    assert source.problem == ("https://example.invalid/openapi.yaml was not fetched: remote "
                              "sources are read only with --allow-remote (allow_remote=True in "
                              "the Python API)")


def test_the_policy_is_one_object_that_other_loaders_reuse(tmp_path: Path) -> None:
    entry = _outside(tmp_path)
    policy = SourcePolicy.create(root=entry.parent)
    bundle = load_bundle(entry, policy=policy)
    assert bundle.policy is policy
    location = policy.locate("../secret.yaml", bundle.entry)
    with pytest.raises(SourceNotAllowed) as refused:
        policy.read(location)
    assert not refused.value.remote
    assert SourcePolicy().read(location).data["openapi"] == "3.1.0"
    with pytest.raises(SourceNotAllowed) as remote:
        SourcePolicy().check("http://127.0.0.1:9/x.yaml")
    assert remote.value.remote


def test_a_remote_document_may_not_refer_to_local_files() -> None:
    policy = SourcePolicy(allow_remote=True)
    base = "https://example.invalid/arazzo/flow.yaml"
    assert policy.locate("../openapi/x.yaml", base) == "https://example.invalid/openapi/x.yaml"
    with pytest.raises(SourceNotAllowed, match="may not refer to local files"):
        policy.locate("file:///etc/passwd", base)


def test_a_remote_source_is_fetched_when_allowed(tmp_path: Path) -> None:
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = OPENAPI.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/openapi.yaml"
        entry = tmp_path / "main.arazzo.yaml"
        entry.write_text(_arazzo(("api", url, "openapi")))
        import requests

        session = requests.Session()
        session.trust_env = False
        source = load_bundle(entry, allow_remote=True, session=session).sources_for()["api"]
        assert source.problem is None and source.document is not None
        assert source.document.uri == url
    finally:
        server.shutdown()
        server.server_close()


def test_allow_outside_root_is_deprecated_and_contradicts_a_root(tmp_path: Path) -> None:
    import arazzo_engine

    entry = _outside(tmp_path)
    with pytest.warns(DeprecationWarning, match="no longer needed"):
        document = arazzo_engine.load(entry, allow_outside_root=True)
    assert document.bundle.sources_for()["api"].problem is None
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="contradicts"):
        arazzo_engine.load(entry, root=entry.parent, allow_outside_root=True)


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


# remote sources get the same bounds as workflow requests --------------------------------------

def _raw_server(handler):
    import socket
    import threading

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            threading.Thread(target=handler, args=(conn, stop), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return sock, stop


def _fetch(tmp_path: Path, handler):
    from arazzo_engine._exchange import new_session

    sock, stop = _raw_server(handler)
    try:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/openapi.yaml"
        entry = tmp_path / "main.arazzo.yaml"
        entry.write_text(_arazzo(("api", url, "openapi")))
        return load_bundle(entry, allow_remote=True,
                           session=new_session(trust_env=False)).sources_for()["api"]
    finally:
        stop.set()
        sock.close()


def _head(conn) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return
        data += chunk


def test_a_remote_source_dripping_bytes_is_cut_off(tmp_path: Path, monkeypatch) -> None:
    import time

    from arazzo_engine.document import _sources

    monkeypatch.setattr(_sources.fetch_remote, "__defaults__", (None, 1.0))

    def drip(conn, stop) -> None:
        _head(conn)
        for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\n" + b"x" * 900:
            if stop.wait(0.1):
                break
            conn.sendall(bytes([byte]))
        conn.close()

    started = time.monotonic()
    source = _fetch(tmp_path, drip)
    assert time.monotonic() - started < 5  # 950 bytes at 0.1 s each: 95 s
    assert source.problem is not None and "no response within 1 s" in source.problem


def test_a_remote_gzip_bomb_is_refused(tmp_path: Path) -> None:
    import gzip

    bomb = gzip.compress(b" " * (40 * 1024 * 1024), compresslevel=9)

    def send(conn, _stop) -> None:
        _head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "
                     + str(len(bomb)).encode() + b"\r\n\r\n" + bomb)
        conn.close()

    source = _fetch(tmp_path, send)
    assert source.problem is not None and "is larger than 32 MiB" in source.problem


def test_a_huge_remote_body_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    def send(conn, stop) -> None:
        _head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 209715200\r\n\r\n")
        block = b"a: b\n" * 13107
        try:
            for _ in range(3200):  # 200 MB
                if stop.is_set():
                    break
                conn.sendall(block)
        except OSError:
            pass
        conn.close()

    source = _fetch(tmp_path, send)
    assert source.problem is not None and "is larger than 32 MiB" in source.problem


def test_a_remote_source_in_a_declared_charset(tmp_path: Path) -> None:
    body = OPENAPI.replace("title: t,", "title: café,").encode("iso-8859-1")

    def send(conn, _stop) -> None:
        _head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/yaml; charset=iso-8859-1"
                     b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        conn.close()

    source = _fetch(tmp_path, send)
    assert source.problem is None and source.document is not None
    assert source.document.data["info"]["title"] == "café"

"""The token never leaves in clear: every output of ``arazzo test`` and ``arazzo run``
switched on, against the simulator and against a server that echoes the token everywhere."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from testing_helpers import reference_args

from arazzo_engine.simulator import DEMO_TOKEN


class _Leaky(BaseHTTPRequestHandler):
    """Answers with the caller's credentials wherever they can go: body, headers, cookies,
    error text, and a field of the wrong type (so check messages quote it)."""

    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        credential = self.headers.get("Authorization", "")
        token = credential.partition(" ")[2]
        if self.command == "POST":
            status, body = 200, {"status": {"code": 200, "is_success": True,
                                            "user_message": f"hello {token}",
                                            "developer_message": token},
                                 "data": {"id": 1, "status": token, "href": credential}}
        else:
            status, body = 500, {"status": {"code": 500, "is_success": False,
                                            "user_message": f"token {token} rejected",
                                            "developer_message": credential}, "data": token}
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Set-Cookie", f"session={token}; HttpOnly")
        self.send_header("X-Echo", token)
        self.send_header("WWW-Authenticate", f'Bearer error="{token}"')
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def leaky() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Leaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _outputs(tmp_path: Path, name: str) -> tuple[list[str], list[Path]]:
    files = [tmp_path / f"{name}.json", tmp_path / f"{name}.xml", tmp_path / f"{name}.har"]
    return ["--json", str(files[0]), "--junit", str(files[1]), "--har", str(files[2])], files


@pytest.mark.parametrize("where", ["simulator", "leaky", "drift"])
def test_no_output_holds_the_token(simulator, leaky: str, arazzo, tmp_path: Path,
                                   where: str) -> None:
    base = leaky if where == "leaky" else simulator(
        "drift" if where == "drift" else "success").base_url
    test_options, test_files = _outputs(tmp_path, "test")
    tested = arazzo(*reference_args(base, *test_options))
    run_files = [tmp_path / "run.xml", tmp_path / "run.har", tmp_path / "trace.json"]
    ran = arazzo(*reference_args(base, "--junit", str(run_files[0]), "--har", str(run_files[1]),
                                 "--trace", str(run_files[2]), "--format", "json",
                                 command="run"))
    texted = arazzo(*reference_args(base, command="run"))
    if where == "leaky":
        assert tested.code == 1 and ran.code == 1  # the poll answers 500
        har = json.loads(test_files[2].read_text())
        assert har["log"]["entries"][1]["response"]["status"] == 500  # it was recorded
    files = [path.read_text() for path in [*test_files, *run_files]]
    assert all(files) and tested.out and ran.out and texted.out  # every output was written
    for text in [tested.out, tested.err, ran.out, ran.err, texted.out, texted.err, *files]:
        assert DEMO_TOKEN not in text
    assert "***" in test_files[2].read_text()


def test_no_mask_shows_what_was_hidden(leaky: str, arazzo, tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    arazzo(*reference_args(leaky, "--json", str(report), "--no-mask"))
    assert DEMO_TOKEN in report.read_text()

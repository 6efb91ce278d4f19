"""Suite-wide fixtures: local servers are never reached through a proxy from the environment,
the processes tests start see Ctrl-C as in a terminal, and tests marked ``needs_shared`` skip
(or fail, with ``ARAZZO_REQUIRE_SHARED=1``) without ``../shared``."""

from __future__ import annotations

import signal

import pytest
from _shared import MARKER, require

_PROXY_VARIABLES = (
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
    "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
)


def pytest_configure(config: pytest.Config) -> None:
    # A suite started in the background by a non-interactive shell (`.ci/run &`, nohup) inherits
    # SIGINT ignored, and so would every process it starts: tests that send SIGINT to stand for
    # Ctrl-C in a terminal (where SIGINT is never ignored) would then wait on a process that
    # cannot hear it. A handler here is reset to the default in each child at exec.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    config.addinivalue_line(
        "markers", f"{MARKER}(path): the test reads data kept beside the clone in ../shared/")


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers(MARKER):
        require(mark.args[0])


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost,::1")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost,::1")


@pytest.fixture(autouse=True)
def _run_store_in_a_temporary_folder(monkeypatch: pytest.MonkeyPatch,
                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    """``arazzo run`` records every run; tests record theirs away from the user's store."""
    monkeypatch.setenv("ARAZZO_STATE", str(tmp_path_factory.getbasetemp() / "runs.db"))

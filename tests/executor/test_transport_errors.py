"""How the requests transport words failures that loopback cannot stage.

DNS failures, broken certificate chains and connect timeouts to far hosts do not happen on
127.0.0.1, so these cases mock the session with ``responses``: the test is about the adapter's
translation of requests' exceptions into one readable line, not about networking (which the real
local servers of test_hostile_servers.py cover).
"""

from __future__ import annotations

import pytest
import requests
import responses

from arazzo_engine.executor import HttpRequest, HttpResponse, RequestsTransport, TransportFailure

URL = "https://api.example.test/v1/runs/"


def _send(error: Exception) -> TransportFailure:
    transport = RequestsTransport(trust_env=False)
    with responses.RequestsMock() as mocked:
        mocked.add(responses.GET, URL, body=error)
        outcome = transport.send(HttpRequest("GET", URL, timeout=5))
    assert isinstance(outcome, TransportFailure)
    return outcome


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (requests.exceptions.SSLError(
            "HTTPSConnectionPool(host='api.example.test', port=443): Max retries exceeded "
            "(Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] "
            "certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)')))"),
         "TLS failed with api.example.test: certificate verify failed: unable to get local "
         "issuer certificate"),
        (requests.exceptions.ConnectionError(
            "HTTPSConnectionPool(host='api.example.test', port=443): Max retries exceeded "
            "(Caused by NameResolutionError(\"<urllib3.connection.HTTPSConnection object>: "
            "Failed to resolve 'api.example.test' ([Errno -3] Temporary failure in name "
            "resolution)\"))"),
         "cannot connect to api.example.test: Temporary failure in name resolution"),
        (requests.exceptions.ConnectTimeout("connect timed out"), "no response within 5 s"),
        (requests.exceptions.ReadTimeout("read timed out"), "no response within 5 s"),
    ],
)
def test_failures_read_as_one_line(error: Exception, message: str) -> None:
    assert _send(error).message == message


def test_a_response_keeps_status_headers_and_body() -> None:
    transport = RequestsTransport(trust_env=False)
    with responses.RequestsMock() as mocked:
        mocked.add(responses.GET, URL, json={"ok": True}, status=202,
                   headers={"Retry-After": "3"})
        outcome = transport.send(HttpRequest("GET", URL, timeout=5))
    assert isinstance(outcome, HttpResponse)
    assert outcome.status_code == 202
    assert outcome.header("retry-after") == "3"
    assert outcome.body == b'{"ok": true}'

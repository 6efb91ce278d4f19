"""Reports as CI systems read them: JUnit XML against a JUnit schema, HAR against HAR 1.2."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import xmlschema
from testing_helpers import HERE, reference_args

JUNIT = xmlschema.XMLSchema(str(HERE / "junit.xsd"))
HAR = json.loads((HERE / "har-1.2.schema.json").read_text())


@pytest.mark.parametrize("scenario", ["success", "drift"])
def test_junit_and_har_have_their_standard_structure(simulator, arazzo, tmp_path: Path,
                                                     scenario: str) -> None:
    sim = simulator(scenario)
    junit, har = tmp_path / "r.xml", tmp_path / "r.har"
    ran = arazzo(*reference_args(sim.base_url, "--junit", str(junit), "--har", str(har)))
    assert ran.code == (0 if scenario == "success" else 1)
    JUNIT.validate(str(junit))
    document = JUNIT.to_dict(str(junit))
    [suite] = document["testsuite"]
    [case] = suite["testcase"]
    assert case["@name"] == "trigger-run-and-poll"
    assert ("failure" in case) is (scenario == "drift")
    if scenario == "drift":
        assert case["failure"]["@type"] in ("content-type", "success-criteria", "status-code")
        text = case["failure"]["$"]
        assert "triggerRun: content-type" in text and "listArtifacts: status-code" in text
    log = json.loads(har.read_text())
    jsonschema.validate(log, HAR)
    entries = log["log"]["entries"]
    assert [e["request"]["method"] for e in entries] == ["POST", "GET", "GET", "GET", "GET"]
    assert entries[0]["request"]["postData"]["mimeType"] == "application/json"
    assert all(e["response"]["status"] in (200, 203) for e in entries)


def test_warnings_are_not_junit_failures(simulator, arazzo, tmp_path: Path) -> None:
    sim = simulator("drift")
    junit = tmp_path / "r.xml"
    arazzo(*reference_args(sim.base_url, "--junit", str(junit),
                           *[a for c in ("content-type", "response-body", "status-code",
                                         "success-criteria") for a in ("--severity", f"{c}=warn")]))
    JUNIT.validate(str(junit))
    [case] = JUNIT.to_dict(str(junit))["testsuite"][0]["testcase"]
    assert "failure" in case  # the workflow failed (its last step), which is a failure
    assert "warning: listArtifacts: status-code" in case["system-out"]


def test_run_writes_har_and_junit_too(simulator, arazzo, tmp_path: Path) -> None:
    sim = simulator("success")
    junit, har = tmp_path / "r.xml", tmp_path / "r.har"
    ran = arazzo(*reference_args(sim.base_url, "--junit", str(junit), "--har", str(har),
                                 command="run"))
    assert ran.code == 0, ran.err
    JUNIT.validate(str(junit))
    jsonschema.validate(json.loads(har.read_text()), HAR)
    assert len(json.loads(har.read_text())["log"]["entries"]) == 5


def test_a_transport_failure_is_a_har_entry_without_response(arazzo, tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    har = tmp_path / "r.har"
    ran = arazzo(*reference_args(f"http://127.0.0.1:{port}", "--har", str(har)))
    assert ran.code == 1
    log = json.loads(har.read_text())
    jsonschema.validate(log, HAR)
    [entry] = log["log"]["entries"]
    assert entry["response"]["status"] == 0 and "connect" in entry["response"]["_error"]

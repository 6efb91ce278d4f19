"""The reports CI systems read: JSON, JUnit XML and HAR 1.2, every text masked.

Checks arrive masked already; exchanges are raw, so the HAR is masked here with each run's
own ``Masker`` (headers by name, URLs by query name and value, bodies by value), and every
report passes through the masker once more as a whole before it is written.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterable
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.etree import ElementTree

from arazzo_engine._version import __version__
from arazzo_engine.executor._masking import Masker
from arazzo_engine.testing._checks import CheckResult
from arazzo_engine.testing._recorder import Exchange
from arazzo_engine.testing._runner import TestReport, WorkflowReport

__all__ = ["har_document", "json_document", "junit_document"]

#: Characters of a body kept in a HAR entry (the rest is cut, saying so).
MAX_HAR_BODY = 256 * 1024


def _all_masked(text: str, report: TestReport) -> str:
    for workflow in report.workflows:
        text = workflow.masker.text(text)
    return text


def json_document(report: TestReport) -> str:
    """``{"workflows": [{"workflowId", "outcome", "checks": [...]}], ...}``."""
    return _all_masked(json.dumps(report.to_dict(), indent=2, default=str), report) + "\n"


# JUnit -------------------------------------------------------------------------------------

def _failure_text(workflow: WorkflowReport) -> str:
    lines = []
    if workflow.outcome != "succeeded":
        lines.append(f"workflow {workflow.workflow_id} {workflow.outcome}: {workflow.error}")
    lines += [_check_line(c) + (f" (x{n})" if n > 1 else "")
              for c, n in _grouped(workflow.failures)]
    return "\n".join(lines)


def _check_line(check: CheckResult) -> str:
    parts = [f"{check.step_id}: {check.check}: {check.message}"]
    if check.expected is not None:
        parts.append(f"expected {check.expected}")
    if check.actual is not None:
        parts.append(f"actual {check.actual}")
    if check.pointer:
        parts.append(f"at {check.pointer}")
    return " | ".join(parts)


def junit_document(report: TestReport, name: str = "arazzo test") -> str:
    """JUnit XML: a ``<testsuite>`` per document, a ``<testcase>`` per workflow, a
    ``<failure>`` for a failed workflow or an error-level check (warnings are not failures;
    they are listed in the test case's ``<system-out>``)."""
    counts = report.counts()
    total_time = sum(w.duration for w in report.workflows)
    root = ElementTree.Element("testsuites", {
        "name": name, "tests": str(counts["workflows"]),
        "failures": str(counts["workflowsFailed"]), "errors": "0",
        "time": f"{total_time:.3f}"})
    by_document: dict[str, list[WorkflowReport]] = {}
    for workflow in report.workflows:
        by_document.setdefault(workflow.document, []).append(workflow)
    timestamp = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace(
        "+00:00", "")
    for document, workflows in by_document.items():
        suite = ElementTree.SubElement(root, "testsuite", {
            "name": document, "tests": str(len(workflows)),
            "failures": str(sum(not w.passed for w in workflows)), "errors": "0",
            "skipped": "0", "time": f"{sum(w.duration for w in workflows):.3f}",
            "timestamp": timestamp, "hostname": socket.gethostname() or "localhost"})
        for workflow in workflows:
            case = ElementTree.SubElement(suite, "testcase", {
                "name": workflow.workflow_id, "classname": _classname(document),
                "time": f"{workflow.duration:.3f}"})
            if not workflow.passed:
                first = workflow.failures[0] if workflow.failures else None
                message = (f"{first.step_id}: {first.check}: {first.message}" if first
                           else f"workflow {workflow.outcome}: {workflow.error}")
                kind = first.check if first else "workflow"
                failure = ElementTree.SubElement(case, "failure",
                                                 {"message": message, "type": kind})
                failure.text = _failure_text(workflow)
            out = [f"{len(workflow.checks)} check(s), {len(workflow.failures)} failed, "
                   f"{len(workflow.warnings)} warning(s)"]
            out += [f"warning: {_check_line(c)}" + (f" (x{n})" if n > 1 else "")
                    for c, n in _grouped(workflow.warnings)]
            ElementTree.SubElement(case, "system-out").text = "\n".join(out)
    ElementTree.indent(root)
    text = ElementTree.tostring(root, encoding="unicode", xml_declaration=False)
    return _all_masked('<?xml version="1.0" encoding="UTF-8"?>\n' + text, report) + "\n"


def _grouped(checks: list[CheckResult]) -> list[tuple[CheckResult, int]]:
    from arazzo_engine.testing._terminal import grouped

    return grouped(checks)


def _classname(document: str) -> str:
    name = document.replace("\\", "/").rsplit("/", 1)[-1]
    for suffix in (".yaml", ".yml", ".json"):
        name = name.removesuffix(suffix)
    return name.replace(".", "_") or "arazzo"


# HAR 1.2 -----------------------------------------------------------------------------------

def har_document(workflows: Iterable[WorkflowReport]) -> str:
    """HAR 1.2 of every exchange: one page per workflow run, one entry per request."""
    workflows = list(workflows)
    pages, entries = [], []
    for number, workflow in enumerate(workflows):
        page_id = f"page_{number + 1}"
        started = workflow.exchanges[0].started_at if workflow.exchanges else 0.0
        pages.append({"startedDateTime": _iso(started), "id": page_id,
                      "title": f"{workflow.workflow_id} ({workflow.document})",
                      "pageTimings": {"onContentLoad": -1, "onLoad": -1}})
        entries += [_entry(e, workflow.masker, page_id) for e in workflow.exchanges]
    log = {"log": {"version": "1.2",
                   "creator": {"name": "arazzo-engine", "version": __version__},
                   "pages": pages, "entries": entries}}
    text = json.dumps(log, indent=2, ensure_ascii=False)
    for workflow in workflows:
        text = workflow.masker.text(text)
    return text + "\n"


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="milliseconds")


def _pairs(headers: Iterable[tuple[str, str]], masker: Masker) -> list[dict[str, str]]:
    """Each header masked on its own, so repeated ones (``Set-Cookie``) all stay listed."""
    pairs = []
    for name, value in headers:
        masked = masker.headers([(name, value)])
        pairs.append({"name": name, "value": next(iter(masked.values()), "***")})
    return pairs


def _body(raw: bytes, masker: Masker) -> str:
    text = raw.decode("utf-8", "replace")
    if len(text) > MAX_HAR_BODY:
        text = f"{text[:MAX_HAR_BODY]}... [cut: {len(text)} characters in all]"
    return masker.text(text)


def _entry(exchange: Exchange, masker: Masker, page_id: str) -> dict[str, Any]:
    request = exchange.request
    url = masker.url(request.url)
    request_headers = list(request.headers.items())
    har_request: dict[str, Any] = {
        "method": request.method, "url": url, "httpVersion": "HTTP/1.1",
        "cookies": _cookies(request.headers.get("Cookie") or request.headers.get("cookie")),
        "headers": _pairs(request_headers, masker),
        "queryString": [{"name": k, "value": v} for k, v in
                        parse_qsl(urlsplit(url).query, keep_blank_values=True)],
        "headersSize": -1, "bodySize": len(request.body) if request.body is not None else 0,
    }
    if request.body is not None:
        content_type = next((v for k, v in request_headers if k.lower() == "content-type"),
                            "application/octet-stream")
        har_request["postData"] = {"mimeType": content_type,
                                   "text": _body(request.body, masker)}
    elapsed_ms = round(exchange.elapsed * 1000, 3)
    response = exchange.response
    if response is not None:
        har_response: dict[str, Any] = {
            "status": response.status_code, "statusText": _reason(response.status_code),
            "httpVersion": "HTTP/1.1", "cookies": [],
            "headers": _pairs(response.headers, masker),
            "content": {"size": len(response.body),
                        "mimeType": response.header("Content-Type") or "",
                        "text": _body(response.body, masker)},
            "redirectURL": masker.url(response.header("Location") or ""),
            "headersSize": -1, "bodySize": len(response.body),
        }
    else:
        har_response = {"status": 0, "statusText": "", "httpVersion": "", "cookies": [],
                        "headers": [], "content": {"size": 0, "mimeType": ""},
                        "redirectURL": "", "headersSize": -1, "bodySize": -1,
                        "_error": masker.text(getattr(exchange.outcome, "message", ""))}
    return {
        "pageref": page_id, "startedDateTime": _iso(exchange.started_at),
        "time": elapsed_ms, "request": har_request, "response": har_response, "cache": {},
        "timings": {"send": 0, "wait": elapsed_ms, "receive": 0},
        "comment": f"{exchange.workflow_id} / {exchange.step_id} (attempt {exchange.attempt})",
        "_workflowId": exchange.workflow_id, "_stepId": exchange.step_id,
    }


def _cookies(header: str | None) -> list[dict[str, str]]:
    """Cookie names only: their values are credentials more often than not."""
    if not header:
        return []
    return [{"name": pair.split("=", 1)[0].strip(), "value": "***"}
            for pair in header.split(";") if pair.strip()]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""

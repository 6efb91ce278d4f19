"""One HTTP exchange checked against its operation with openapi-core's validators.

The operation is already known (the step named it), so openapi-core is not asked to find it
by URL: a fixed path finder hands its validators the operation, which also makes ``--server``
overrides and servers the description does not list work. Each openapi-core error becomes a
``Finding`` in our vocabulary (``status-code``, ``content-type``, ``response-body``,
``response-headers``, ``request-parameters``, ``request-body``) with the expected and actual
value and a JSON Pointer into the body. openapi-core is imported here only, on first use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from openapi_core.casting.schemas.exceptions import CastError
from openapi_core.datatypes import RequestParameters
from openapi_core.deserializing.exceptions import DeserializeError
from openapi_core.deserializing.media_types.exceptions import MediaTypeDeserializeError
from openapi_core.templating.datatypes import TemplateResult
from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
from openapi_core.templating.paths.datatypes import PathOperationServer
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.validation.request.exceptions import (
    MissingRequiredParameter,
    MissingRequiredRequestBody,
    ParameterValidationError,
    RequestBodyValidationError,
)
from openapi_core.validation.request.validators import (
    V30RequestBodyValidator,
    V30RequestParametersValidator,
    V31RequestBodyValidator,
    V31RequestParametersValidator,
)
from openapi_core.validation.response.exceptions import (
    DataValidationError,
    HeaderValidationError,
    MissingData,
    MissingRequiredHeader,
)
from openapi_core.validation.response.validators import V30ResponseValidator, V31ResponseValidator
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue
from werkzeug.datastructures import Headers, ImmutableMultiDict

from arazzo_engine.document import escape_token, split_pointer
from arazzo_engine.executor import HttpRequest, HttpResponse
from arazzo_engine.openapi import OpenAPIDescription, Operation

__all__ = ["Finding", "check_exchange"]

_MAX_SHOWN = 120


@dataclass(frozen=True)
class Finding:
    """A check's verdict on one exchange, before severity and masking are applied."""

    check: str
    passed: bool
    message: str = ""
    expected: str | None = None
    actual: str | None = None
    pointer: str | None = None


def check_exchange(description: OpenAPIDescription, operation: Operation,
                   request: HttpRequest, response: HttpResponse) -> list[Finding]:
    """Every check of one exchange: one passing finding per check that found nothing."""
    spec = description.spec()
    version = "3.0" if description.swagger else description.version
    path_values = _path_values(operation.path, urlsplit(request.url).path)
    finder = _fixed_finder(operation.path, split_pointer(operation.pointer)[2:], path_values)
    core_request = _Request(request, operation.path, path_values)
    core_response = _Response(response)
    findings: list[Finding] = []
    response_cls, body_cls, params_cls = _validators(version)
    options = {"path_finder_cls": finder,
               "extra_media_type_deserializers": _json_flavours(operation)}
    findings += _classified(
        response_cls(spec, **options).iter_errors(core_request, core_response),
        ("status-code", "content-type", "response-body", "response-headers"), response)
    querystrings = [p for p in operation.parameters if p.get("in") == "querystring"]
    if querystrings:  # openapi-core 0.23 cannot read OpenAPI 3.2's in: querystring
        findings += _querystring_findings(querystrings, request)
    else:
        findings += _classified(
            params_cls(spec, **options).iter_errors(core_request), ("request-parameters",),
            response)
    if request.body is not None or operation.request_body is not None:
        findings += _classified(
            body_cls(spec, **options).iter_errors(core_request), ("request-body",), response)
    return findings


def _querystring_findings(declared: list[dict[str, Any]],
                          request: HttpRequest) -> list[Finding]:
    """OpenAPI 3.2 ``in: querystring``: the whole query string, decoded by the parameter's
    media type and checked against its schema here, since openapi-core cannot. The operation's
    other parameters are not checked then (a querystring operation has no query parameters)."""
    from jsonschema import Draft202012Validator

    parameter = declared[0]
    query = urlsplit(request.url).query
    content = parameter.get("content")
    media, body = next(iter(content.items()), ("", {})) if isinstance(content, Mapping) \
        else ("", {})
    if not query:
        if parameter.get("required"):
            return [Finding("request-parameters", False,
                            f"querystring parameter {parameter.get('name')!r} is required",
                            expected="a query string", actual="none")]
        return [Finding("request-parameters", True)]
    try:
        value: Any = json.loads(unquote(query)) if "json" in str(media) \
            else dict(parse_qsl(query, keep_blank_values=True))
    except ValueError as unreadable:
        return [Finding("request-parameters", False, f"the query string is not {media}: "
                        f"{unreadable}", expected=str(media), actual=_short(query))]
    schema = body.get("schema") if isinstance(body, Mapping) else None
    if not isinstance(schema, (Mapping, bool)):
        return [Finding("request-parameters", True)]
    error = next(iter(Draft202012Validator(schema).iter_errors(value)), None)
    if error is None:
        return [Finding("request-parameters", True)]
    where = "/" + "/".join(escape_token(str(p)) for p in error.absolute_path)
    return [Finding("request-parameters", False,
                    f"querystring parameter {parameter.get('name')!r}: {error.message}",
                    pointer=where if error.absolute_path else None)]


def _json_flavours(operation: Operation) -> dict[str, Any]:
    """JSON media types openapi-core does not read as JSON by itself (``+json`` suffixes such
    as ``application/problem+json``, ``application/vnd.api+json``): read them as JSON."""
    types: set[str] = set()
    parts = [*operation.responses.values(), operation.request_body or {}]
    for part in parts:
        content = part.get("content") if isinstance(part, Mapping) else None
        if isinstance(content, Mapping):
            types.update(str(m).split(";")[0].strip().lower() for m in content)
    return {m: _read_json for m in types
            if (m.endswith("+json") or m.endswith("/json")) and m != "application/json"}


def _read_json(value: bytes | str) -> Any:
    return json.loads(value)


def _validators(version: str) -> tuple[Any, Any, Any]:
    if version.startswith("3.0"):
        return V30ResponseValidator, V30RequestBodyValidator, V30RequestParametersValidator
    return V31ResponseValidator, V31RequestBodyValidator, V31RequestParametersValidator


def _classified(errors: Iterable[Exception], checks: tuple[str, ...],
                response: HttpResponse) -> list[Finding]:
    failed: list[Finding] = []
    skipped: set[str] = set()
    for error in errors:
        for finding in _findings(error, response):
            failed.append(finding)
            if finding.check == "status-code":  # nothing else of the response can be judged
                skipped.update({"content-type", "response-body", "response-headers"})
            if finding.check == "content-type":
                skipped.add("response-body")
    unique = list(dict.fromkeys(failed))  # jsonschema says "required" once per property
    seen = {f.check for f in unique}
    return unique + [Finding(check, True) for check in checks
                     if check not in seen and check not in skipped]


def _findings(error: Exception, response: HttpResponse) -> Iterator[Finding]:
    if isinstance(error, ResponseNotFound):
        documented = ", ".join(error.availableresponses) or "none"
        yield Finding("status-code", False,
                      f"status {response.status_code} is not documented", expected=documented,
                      actual=str(response.status_code))
    elif isinstance(error, MissingRequiredHeader):
        yield Finding("response-headers", False, f"required header {error.name} is missing",
                      expected=f"header {error.name}", actual="absent", pointer=f"/{error.name}")
    elif isinstance(error, HeaderValidationError):
        yield from _schema_findings("response-headers", error, f"header {error.name}",
                                    f"/{error.name}")
    elif isinstance(error, MissingData):
        yield Finding("response-body", False, "the response has no body, but its content is "
                      "documented", expected="a body", actual="empty")
    elif isinstance(error, DataValidationError):
        cause = error.__cause__
        if isinstance(cause, MediaTypeNotFound):
            yield _media_finding("content-type", cause, "response")
        else:
            yield from _schema_findings("response-body", error, "the body", "")
    elif isinstance(error, MissingRequiredParameter):
        yield Finding("request-parameters", False,
                      f"required {error.location} parameter {error.name} was not sent",
                      expected=f"{error.location} parameter {error.name}", actual="absent",
                      pointer=f"/{error.name}")
    elif isinstance(error, ParameterValidationError):
        yield from _schema_findings("request-parameters", error,
                                    f"{error.location} parameter {error.name}",
                                    f"/{escape_token(error.name)}")
    elif isinstance(error, MissingRequiredRequestBody):
        yield Finding("request-body", False, "the operation requires a request body; none was "
                      "sent", expected="a body", actual="none")
    elif isinstance(error, RequestBodyValidationError):
        cause = error.__cause__
        if isinstance(cause, MediaTypeNotFound):
            yield _media_finding("request-body", cause, "request")
        else:
            yield from _schema_findings("request-body", error, "the request body", "")
    else:  # a security requirement, or something openapi-core adds later: say it plainly
        yield Finding("request-parameters", False, _one_line(str(error)))


def _media_finding(check: str, error: MediaTypeNotFound, what: str) -> Finding:
    documented = ", ".join(error.availableMimetypes) or "none"
    actual = error.mimetype or "(no Content-Type)"
    return Finding(check, False, f"the {what}'s media type {actual} is not documented",
                   expected=documented, actual=actual)


def _schema_findings(check: str, error: Exception, what: str,
                     prefix: str) -> Iterator[Finding]:
    """One finding per JSON Schema error, each at its JSON Pointer."""
    cause = error.__cause__
    if isinstance(cause, InvalidSchemaValue):
        errors = sorted(cause.schema_errors, key=lambda e: list(getattr(e, "absolute_path", [])))
        if errors:
            for schema_error in errors:
                yield _schema_finding(check, schema_error, prefix)
            return
    if isinstance(cause, CastError):
        yield Finding(check, False, f"{what} is not a valid {cause.type}",
                      expected=f"type: {cause.type}", actual=_short(cause.value),
                      pointer=prefix or "/")
        return
    if isinstance(cause, MediaTypeDeserializeError):
        yield Finding(check, False, f"{what} is not valid {cause.mimetype}",
                      expected=f"a {cause.mimetype} document",
                      actual=_short(cause.value.decode("utf-8", "replace")))
        return
    if isinstance(cause, DeserializeError) or isinstance(error, DeserializeError):
        yield Finding(check, False, f"{what} cannot be read: {_one_line(str(cause or error))}",
                      expected="a value of the documented media type", actual="unreadable")
        return
    yield Finding(check, False, f"{what}: {_one_line(str(cause or error))}")


def _schema_finding(check: str, error: Any, prefix: str) -> Finding:
    path = list(getattr(error, "absolute_path", []) or [])
    pointer = prefix + "".join(f"/{escape_token(str(p))}" for p in path)
    keyword = getattr(error, "validator", None)
    value = getattr(error, "validator_value", None)
    instance = getattr(error, "instance", None)
    if keyword == "required" and isinstance(instance, Mapping) and isinstance(value, list):
        missing = [name for name in value if name not in instance]
        names = ", ".join(missing) or ", ".join(map(str, value))
        return Finding(check, False, f"required propert{'y' if len(missing) == 1 else 'ies'} "
                       f"{names} missing at {pointer or '/'}", expected=f"required: {names}",
                       actual="absent", pointer=pointer or "/")
    expected = f"{keyword}: {_short(value)}" if keyword else None
    return Finding(check, False, f"{_one_line(getattr(error, 'message', str(error)))} "
                   f"at {pointer or '/'}", expected=expected, actual=_short(instance),
                   pointer=pointer or "/")


def _short(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:297] + "..."


# openapi-core's view of our exchange ---------------------------------------------------------

_VARIABLE = re.compile(r"\{([^{}]+)\}")


def _path_values(template: str, path: str) -> dict[str, str]:
    """The path parameters' values, read from the end of the URL path (a base path precedes)."""
    pattern, names, last = "", [], 0
    for index, match in enumerate(_VARIABLE.finditer(template)):
        pattern += re.escape(template[last:match.start()]) + f"(?P<v{index}>[^/]*)"
        names.append(match.group(1))
        last = match.end()
    pattern += re.escape(template[last:]) + "$"
    found = re.search(pattern, path)
    if found is None:
        return {}
    return {name: unquote(found.group(f"v{i}")) for i, name in enumerate(names)}


def _fixed_finder(path: str, tail: list[str], values: dict[str, str]) -> Any:
    """A path finder class (openapi-core's ``path_finder_cls`` hook) that returns the one
    operation the step called, whatever the URL. ``tail`` is where the operation sits in its
    path item: the method, or ``additionalOperations/<METHOD>`` (OpenAPI 3.2), which
    openapi-core's own finder does not look in."""

    class FixedFinder:
        def __init__(self, spec: Any, base_url: str | None = None) -> None:
            self.spec = spec

        def find(self, _method: str, _url: str) -> Any:
            path_spec = self.spec / "paths" / path
            operation_spec = path_spec
            for token in tail:
                operation_spec = operation_spec / token
            return PathOperationServer(path_spec, operation_spec, None,
                                       TemplateResult(path, values), TemplateResult("", {}))

    return FixedFinder


class _Request:
    """openapi-core's Request protocol over the request we sent."""

    def __init__(self, request: HttpRequest, path_pattern: str,
                 path_values: dict[str, str]) -> None:
        parts = urlsplit(request.url)
        self.host_url = f"{parts.scheme}://{parts.netloc}"
        self.path = parts.path
        self.path_pattern = path_pattern
        self.method = request.method.lower()
        self.body = request.body
        headers = Headers(list(request.headers.items()))
        self.content_type = (headers.get("Content-Type") or "").lower()
        cookies: list[tuple[str, str]] = []
        for value in headers.getlist("Cookie"):
            for pair in value.split(";"):
                name, _, text = pair.strip().partition("=")
                if name:
                    cookies.append((name, text))
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(parts.query, keep_blank_values=True)),
            header=headers, cookie=ImmutableMultiDict(cookies), path=path_values)


class _Response:
    """openapi-core's Response protocol over the response we received."""

    def __init__(self, response: HttpResponse) -> None:
        self.status_code = response.status_code
        self.headers = Headers(response.headers)
        self.content_type = (response.header("Content-Type") or "").lower()
        self.data = response.body or None

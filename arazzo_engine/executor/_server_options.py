"""``servers`` and ``server_variables`` checked against the documents before any request.

A ``--server`` whose name is no source description used to be ignored, and the request went
to the description's production server with the token attached. Every name given must exist:
an API source description for ``--server``, and for ``--server-variable`` a variable that one of
its OpenAPI ``servers`` (document, path or operation level) declares. A ``--server`` URL must
be absolute http(s), so a missing scheme is a usage error rather than a failure mid-run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlparse

from arazzo_engine._suggest import closest
from arazzo_engine.document import Bundle, Source
from arazzo_engine.errors import OptionsError

__all__ = ["check_server_options"]

_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_USERINFO = re.compile(r"(?<=://)([^/@:]*):[^/@]*@")


def check_server_options(bundle: Bundle, servers: Mapping[str, str],
                         server_variables: Mapping[str, str]) -> None:
    """Raises ``OptionsError`` naming every problem with the overrides, or returns."""
    sources = _api_sources(bundle)
    problems: list[str] = []
    for name, url in servers.items():
        problem = _source_problem(name, sources, bundle) or _url_problem(url)
        if problem:
            problems.append(f"--server {name}={_masked(url)}: {problem}")
    for name in server_variables:
        problem = _variable_problem(name, sources, bundle)
        if problem:
            problems.append(f"--server-variable {name}: {problem}")
    if problems:
        raise OptionsError("; ".join(problems))


def _api_sources(bundle: Bundle) -> dict[str, Source]:
    """Every OpenAPI source description in the bundle (nested Arazzo documents' too)."""
    found: dict[str, Source] = {}
    for document in bundle.documents.values():
        for name, source in bundle.sources_for(document).items():
            if source.type != "arazzo":
                found.setdefault(name, source)
    return found


def _source_problem(name: str, sources: Mapping[str, Source], bundle: Bundle) -> str | None:
    if name in sources:
        return None
    arazzo = {n for d in bundle.documents.values() for n, s in bundle.sources_for(d).items()
              if s.type == "arazzo"}
    if name in arazzo:
        return f"{name!r} is an Arazzo source description, not an API"
    return _unknown(name, sources, "no API source description has that name",
                    "the document's API source descriptions")


def _url_problem(url: str) -> str | None:
    parsed = urlparse(url)
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
        return ("not an absolute http:// or https:// URL (for example "
                "--server NAME=http://127.0.0.1:8000)")
    return None


def _variable_problem(name: str, sources: Mapping[str, Source], bundle: Bundle) -> str | None:
    source_name, dot, variable = name.partition(".")
    if dot:
        problem = _source_problem(source_name, sources, bundle)
        if problem:
            return problem
        source = sources[source_name]
        if source.document is None:
            return None  # not loaded: nothing to check against (the run reports the source)
        declared = set(_variables(source.document.data))
        if variable in declared:
            return None
        return _unknown(variable, declared, f"source {source_name!r} declares no server "
                                            "variable of that name", "its server variables")
    if any(s.document is None for s in sources.values()):
        return None
    declared_anywhere = {v for s in sources.values() if s.document is not None
                         for v in _variables(s.document.data)}
    if name in declared_anywhere:
        return None
    scoped = {f"{n}.{v}" for n, s in sources.items() if s.document is not None
              for v in _variables(s.document.data)}
    return _unknown(name, declared_anywhere, "no source description declares a server "
                    "variable of that name", "the server variables", listed=scoped)


def _unknown(name: str, known: set[str] | Mapping[str, Any], problem: str, what: str,
             listed: set[str] | None = None) -> str:
    close = closest(name, known)
    hint = f"; did you mean {close!r}?" if close else ""
    names = ", ".join(sorted(listed if listed is not None else known)) or "none"
    return f"{problem}{hint} ({what}: {names})"


def _variables(data: Any) -> Iterator[str]:
    """The names of every server variable an OpenAPI document declares, at any level."""
    if not isinstance(data, Mapping):
        return
    yield from _server_variables(data.get("servers"))
    paths = data.get("paths")
    for item in paths.values() if isinstance(paths, Mapping) else ():
        if not isinstance(item, Mapping):
            continue
        yield from _server_variables(item.get("servers"))
        for method in _HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, Mapping):
                yield from _server_variables(operation.get("servers"))


def _server_variables(servers: Any) -> Iterator[str]:
    for server in servers if isinstance(servers, list) else ():
        variables = server.get("variables") if isinstance(server, Mapping) else None
        if isinstance(variables, Mapping):
            yield from (str(name) for name in variables)


def _masked(url: str) -> str:
    """The URL as the user typed it, but never a password in clear."""
    return _USERINFO.sub(lambda m: f"{m.group(1)}:***@", url)

"""The pytest plugin: ``pytest --arazzo specs/`` runs every workflow as a test.

Installed with the package (entry point ``pytest11: arazzo``); it does nothing unless
``--arazzo`` is given. Each Arazzo document under the paths pytest collects becomes a file of
tests, one per workflow, checked exactly as ``arazzo test`` checks them; a failure shows the
same table of failing checks.

Options: ``--arazzo-server SOURCE=URL``, ``--arazzo-input NAME=VALUE``,
``--arazzo-inputs-file FILE``, ``--arazzo-severity CHECK=LEVEL`` (all repeatable but the file),
``--arazzo-loop-delay SECONDS``. Inputs also come from the ini options ``arazzo_inputs`` (lines
of NAME=VALUE) and ``arazzo_inputs_file``, and from ``ARAZZO_INPUT_<NAME>`` environment
variables; the command line wins over the environment, which wins over the ini file, which wins
over the inputs file. Servers also come from the ini option ``arazzo_servers``.

For tests of your own, the ``arazzo_tester`` fixture runs and checks a workflow:
``report = arazzo_tester.run(path, "my-workflow", inputs={...}); report.assert_passed()``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from arazzo_engine._api import ArazzoDocument
    from arazzo_engine.testing import TestReport

__all__ = ["ArazzoFailure", "ArazzoFile", "ArazzoTester", "WorkflowItem"]

_ENV_PREFIX = "ARAZZO_INPUT_"
_SUFFIXES = (".yaml", ".yml", ".json")
#: An Arazzo document says so near its top (YAML or JSON), before any other content matters.
_MARKER = re.compile(r'^\s*(?:"arazzo"|arazzo)\s*:', re.MULTILINE)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("arazzo", "Arazzo workflows as tests (arazzo-engine)")
    group.addoption("--arazzo", action="store_true",
                    help="collect every workflow of the Arazzo documents under the given paths")
    group.addoption("--arazzo-server", action="append", default=[], metavar="SOURCE=URL",
                    help="the base URL of a source description's API (repeatable)")
    group.addoption("--arazzo-input", action="append", default=[], metavar="NAME=VALUE",
                    help="a workflow input (repeatable); given to every workflow declaring it")
    group.addoption("--arazzo-inputs-file", metavar="FILE",
                    help="a JSON or YAML object of inputs")
    group.addoption("--arazzo-severity", action="append", default=[], metavar="CHECK=LEVEL",
                    help="error, warn or off for one check (repeatable)")
    group.addoption("--arazzo-loop-delay", type=float, default=None, metavar="SECONDS",
                    help="wait before a goto re-runs a step (default: the run default)")
    parser.addini("arazzo_inputs", "workflow inputs, one NAME=VALUE per line", type="linelist",
                  default=[])
    parser.addini("arazzo_inputs_file", "a JSON or YAML file of workflow inputs", default="")
    parser.addini("arazzo_servers", "source base URLs, one SOURCE=URL per line",
                  type="linelist", default=[])


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if not parent.config.getoption("arazzo") or file_path.suffix not in _SUFFIXES:
        return None
    try:
        head = file_path.read_text(encoding="utf-8", errors="replace")[:8192]
    except OSError:
        return None
    if not _MARKER.search(head):
        return None
    return ArazzoFile.from_parent(parent, path=file_path)


class ArazzoFailure(Exception):
    """A workflow that did not pass: its report, for the failure's table."""

    def __init__(self, report: TestReport) -> None:
        super().__init__("the workflow did not pass")
        self.report = report


class ArazzoFile(pytest.File):
    """An Arazzo document: one test per workflow."""

    def collect(self) -> Iterator[pytest.Item]:
        from arazzo_engine import load
        from arazzo_engine.errors import DocumentError

        try:
            document = load(self.path)
        except DocumentError as exc:
            raise self.CollectError(f"{self.path}: {exc}") from None
        for workflow_id in document.workflow_ids:
            yield WorkflowItem.from_parent(self, name=workflow_id, document=document)


class WorkflowItem(pytest.Item):
    """One workflow, run and checked like ``arazzo test`` does."""

    def __init__(self, *, document: ArazzoDocument, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.document = document

    def runtest(self) -> None:
        report = _tester(self.config).run(self.document, self.name)
        if not report.passed:
            raise ArazzoFailure(report)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, ArazzoFailure):
            from arazzo_engine.testing._terminal import render_failures

            return render_failures(excinfo.value.report)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"arazzo workflow {self.name}"


class ArazzoTester:
    """Runs and checks workflows with the session's servers, inputs and severities.

    ``run(document_or_path, workflow_id=None, *, inputs=None, servers=None, severity=None,
    **options)`` returns a ``TestReport`` (``.passed``, ``.workflows[0].checks``,
    ``.assert_passed()``). ``inputs`` and ``servers`` add to (and win over) the configured
    ones; ``options`` are ``RunOptions`` fields.
    """

    def __init__(self, inputs: Mapping[str, str], servers: Mapping[str, str],
                 severity: Sequence[str], loop_delay: float | None = None,
                 from_file: Mapping[str, Any] | None = None) -> None:
        self.inputs = dict(inputs)
        self.from_file = dict(from_file or {})
        self.servers = dict(servers)
        self.severity = list(severity)
        self.loop_delay = loop_delay

    def run(self, document: ArazzoDocument | str | Path, workflow_id: str | None = None, *,
            inputs: Mapping[str, Any] | None = None, servers: Mapping[str, str] | None = None,
            severity: Sequence[str] = (), **options: Any) -> TestReport:
        from arazzo_engine import load
        from arazzo_engine.executor import RunOptions
        from arazzo_engine.testing import Severities, test_workflows

        loaded = load(document) if isinstance(document, (str, Path)) else document
        chosen = [workflow_id] if workflow_id else loaded.workflow_ids
        if self.loop_delay is not None:
            options.setdefault("loop_delay", self.loop_delay)
        run_options = RunOptions(servers={**self.servers, **(servers or {})}, **options)
        severities = Severities.parse([*self.severity, *severity])

        def inputs_of(workflow: str) -> dict[str, Any]:
            schema = loaded.inputs_schema(workflow)
            own = {n: v for n, v in self.from_file.items() if not schema.undeclared([n])}
            own.update({n: schema.value_from_text(n, text) for n, text in self.inputs.items()
                        if not schema.undeclared([n])})
            own.update(inputs or {})
            return own

        return test_workflows(loaded, chosen, inputs_of, run_options, severities=severities)


def _pairs(lines: Sequence[str], what: str) -> dict[str, str]:
    found = {}
    for line in lines:
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise pytest.UsageError(f"{what} must look like NAME=VALUE, got {line!r}")
        found[name.strip()] = value
    return found


def _inputs_file(path: str) -> dict[str, Any]:
    if not path:
        return {}
    from arazzo_engine.document import load_file
    from arazzo_engine.errors import DocumentError

    try:
        data = load_file(path).data
    except DocumentError as exc:
        raise pytest.UsageError(f"arazzo inputs file: {exc}") from None
    if not isinstance(data, Mapping):
        raise pytest.UsageError(f"arazzo inputs file {path}: must hold an object of inputs")
    return dict(data)


def _tester(config: pytest.Config) -> ArazzoTester:
    found = getattr(config, "_arazzo_tester", None)
    if found is None:
        inputs = _pairs(config.getini("arazzo_inputs"), "arazzo_inputs")
        inputs.update({k[len(_ENV_PREFIX):]: v for k, v in os.environ.items()
                       if k.startswith(_ENV_PREFIX) and len(k) > len(_ENV_PREFIX)})
        inputs.update(_pairs(config.getoption("arazzo_input"), "--arazzo-input"))
        servers = _pairs(config.getini("arazzo_servers"), "arazzo_servers")
        servers.update(_pairs(config.getoption("arazzo_server"), "--arazzo-server"))
        from_file = _inputs_file(config.getoption("arazzo_inputs_file")
                                 or config.getini("arazzo_inputs_file"))
        found = ArazzoTester(inputs, servers, config.getoption("arazzo_severity"),
                             config.getoption("arazzo_loop_delay"), from_file)
        config._arazzo_tester = found  # type: ignore[attr-defined]
    return found


@pytest.fixture
def arazzo_tester(request: pytest.FixtureRequest) -> ArazzoTester:
    """Runs and checks workflows with the session's configured servers and inputs."""
    return _tester(request.config)

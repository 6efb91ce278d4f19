"""The checks ``arazzo test`` makes, their default severities, and one check's result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["CHECKS", "LEVELS", "SEVERITY_EXTENSION", "CheckResult", "Level", "Severities"]

Level = Literal["error", "warn", "off"]
LEVELS: tuple[Level, ...] = ("error", "warn", "off")

#: Every check, with its default severity. What the workflow sent is the workflow's business
#: (a step may send a bad request on purpose), so request checks only warn by default.
CHECKS: dict[str, Level] = {
    "success-criteria": "error",
    "status-code": "error",
    "content-type": "error",
    "response-body": "error",
    "response-headers": "error",
    "request-parameters": "warn",
    "request-body": "warn",
}

#: A step's own severities: ``x-arazzo-checks: {request-body: off, status-code: warn}``.
SEVERITY_EXTENSION = "x-arazzo-checks"


@dataclass(frozen=True)
class Severities:
    """The severity of each check: defaults, then ``--severity``, then a step's extension."""

    levels: Mapping[str, Level] = field(default_factory=lambda: dict(CHECKS))

    @classmethod
    def parse(cls, pairs: list[str]) -> Severities:
        """``["status-code=warn", ...]`` from the command line; ``ValueError`` says what is
        wrong (an unknown check or level, with the known ones)."""
        levels = dict(CHECKS)
        for text in pairs:
            name, sep, level = text.partition("=")
            name, level = name.strip(), level.strip()
            if not sep or not name:
                raise ValueError(f"--severity must look like CHECK=LEVEL, got {text!r}")
            levels[_check_name(name)] = _level(level, f"--severity {name}")
        return cls(levels)

    def for_step(self, step: Mapping[str, Any] | None) -> dict[str, Level]:
        """The severities for one step, its ``x-arazzo-checks`` applied. A malformed
        extension is ignored here: the validator's schema reports extensions' shape."""
        levels = dict(self.levels)
        own = step.get(SEVERITY_EXTENSION) if isinstance(step, Mapping) else None
        if isinstance(own, Mapping):
            for name, level in own.items():
                if name in CHECKS and level in LEVELS:
                    levels[name] = level
        return levels


def step_extension_problems(step: Mapping[str, Any]) -> list[str]:
    """What is wrong with a step's ``x-arazzo-checks`` (for a clear usage error)."""
    own = step.get(SEVERITY_EXTENSION)
    if own is None:
        return []
    if not isinstance(own, Mapping):
        return [f"{SEVERITY_EXTENSION} must map check names to error, warn or off"]
    problems = []
    for name, level in own.items():
        try:
            _check_name(str(name))
            _level(str(level), f"{SEVERITY_EXTENSION} {name}")
        except ValueError as exc:
            problems.append(str(exc))
    return problems


def _check_name(name: str) -> str:
    if name not in CHECKS:
        from arazzo_engine._suggest import closest

        close = closest(name, CHECKS)
        hint = f"; did you mean {close!r}?" if close else ""
        raise ValueError(f"unknown check {name!r}{hint} (checks: {', '.join(CHECKS)})")
    return name


def _level(level: str, where: str) -> Level:
    if level not in LEVELS:
        raise ValueError(f"{where}: the level must be error, warn or off, not {level!r}")
    return level


@dataclass
class CheckResult:
    """One check of one step execution. Texts are masked before they land here.

    ``pointer`` is the JSON Pointer into the message body (or, for parameters and headers,
    ``/name``) where the check failed; ``expected`` and ``actual`` are short texts for people.
    """

    workflow_id: str
    step_id: str
    check: str
    severity: Level
    passed: bool
    message: str = ""
    expected: str | None = None
    actual: str | None = None
    pointer: str | None = None
    attempt: int = 1
    method: str | None = None
    url: str | None = None

    @property
    def failed_error(self) -> bool:
        return not self.passed and self.severity == "error"

    @property
    def failed_warning(self) -> bool:
        return not self.passed and self.severity == "warn"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"stepId": self.step_id, "check": self.check,
                                "severity": self.severity, "passed": self.passed,
                                "message": self.message, "attempt": self.attempt}
        for key, value in (("expected", self.expected), ("actual", self.actual),
                           ("pointer", self.pointer), ("method", self.method),
                           ("url", self.url)):
            if value is not None:
                data[key] = value
        return data

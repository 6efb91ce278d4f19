"""What the validator reports: a rule yields a `Finding`, the driver turns it into a `Diagnostic`.

A rule only knows *what* is wrong and *where in the data* (a JSON Pointer); the driver knows the
file and its source map, so it alone fills in file, line and column. Rules stay small and testable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]

_SEVERITY_ORDER = {"error": 0, "warning": 1}


@dataclass(frozen=True)
class Finding:
    """One problem as a rule sees it.

    ``severity`` and ``rule`` default to the reporting rule's own; ``anchor`` says whether the
    position is the key naming the node (the usual case: ``operationId: nope`` points at
    ``operationId``) or the node's value. ``document`` is set only for problems found in another
    file than the one being validated (an Arazzo source, say); it is a ``LoadedDocument``.
    """

    message: str
    pointer: str
    severity: Severity | None = None
    hint: str | None = None
    rule: str | None = None
    anchor: Literal["key", "value"] = "key"
    document: object | None = None
    #: Characters into the node's value (an error inside an expression string); the driver
    #: applies it only to single-line scalars, where it is exact.
    offset: int = 0


@dataclass(frozen=True, order=False)
class Diagnostic:
    """One reported problem, placed in its file (line and column are 1-based)."""

    severity: Severity
    rule: str
    message: str
    file: str
    line: int
    column: int
    pointer: str
    hint: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def sort_key(self) -> tuple[str, int, int, int, str, str]:
        return (
            self.file, self.line, self.column, _SEVERITY_ORDER[self.severity], self.rule,
            self.message,
        )

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "severity": self.severity,
            "rule": self.rule,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "pointer": self.pointer,
        }
        if self.hint:
            data["hint"] = self.hint
        return data

    def __str__(self) -> str:
        message = f"{self.message} (hint: {self.hint})" if self.hint else self.message
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {message} [{self.rule}]"

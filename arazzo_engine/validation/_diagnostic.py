"""What the validator reports: a rule yields a `Finding`, the driver turns it into a `Diagnostic`.

A rule only knows *what* is wrong and *where in the data* (a JSON Pointer); the driver knows the
file and its source map, so it alone fills in file, line and column. Rules stay small and testable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]
RelatedKind = Literal["reference", "same", "field"]

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
    #: What the problem comes from, when other findings may come from it too: findings with
    #: the same cause in a file are reported once (``validation._grouping``). Keys name the
    #: missing or broken thing: ``step:<workflow pointer>:<stepId>``, ``source:<name>``...
    cause: str | None = None
    #: True when this finding is the defect the others with its ``cause`` echo (an output's
    #: bad name, against the references to it): it then speaks for them.
    defines: bool = False
    #: The kind of mistake, when the same mistake made about different things is one root
    #: cause: another tool's notation in every step (``form:operationPath``), a description
    #: that lacks the schemas it references (``ref-under:<file>#/components/schemas``).
    #: Findings of a rule with the same key in a file are reported once ("and 25 more like
    #: it"), each kept in ``related`` with its own hint.
    alike: str | None = None


@dataclass(frozen=True)
class Related:
    """A finding folded into a diagnostic that explains it. ``kind`` says how they are tied:
    ``reference`` (another use of the same missing or broken thing), ``same`` (the same
    mistake again elsewhere) or ``field`` (another rule's finding on the same field)."""

    kind: RelatedKind
    rule: str
    severity: Severity
    message: str
    file: str
    line: int
    column: int
    pointer: str
    hint: str | None = None

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "kind": self.kind, "rule": self.rule, "severity": self.severity,
            "message": self.message, "file": self.file, "line": self.line,
            "column": self.column, "pointer": self.pointer}
        if self.hint:
            data["hint"] = self.hint
        return data


_NOTE = {
    frozenset({"reference"}): ("more reference to it", "more references to it"),
    frozenset({"same"}): ("more like it", "more like it"),
    frozenset({"same", "reference"}): ("more like it", "more like it"),
    frozenset({"field"}): ("more finding on this field", "more findings on this field"),
}
_MIXED = ("more finding it explains", "more findings it explains")
_LINES_SHOWN = 8


@dataclass(frozen=True, order=False)
class Diagnostic:
    """One reported problem, placed in its file (line and column are 1-based).

    ``related`` holds the findings folded into it (see `ValidationReport.grouped`); ``cause``
    and ``defines`` come from the finding and say what it may be folded with.
    """

    severity: Severity
    rule: str
    message: str
    file: str
    line: int
    column: int
    pointer: str
    hint: str | None = None
    cause: str | None = field(default=None, compare=False, repr=False)
    defines: bool = field(default=False, compare=False, repr=False)
    alike: str | None = field(default=None, compare=False, repr=False)
    related: tuple[Related, ...] = field(default=(), compare=False, repr=False)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def note(self) -> str | None:
        """``and 37 more references to it (lines 12, 20, ...)``, or None when nothing is folded."""
        if not self.related:
            return None
        count = len(self.related)
        words = _NOTE.get(frozenset(r.kind for r in self.related), _MIXED)
        lines = sorted({r.line for r in self.related if r.file == self.file} - {self.line})
        shown = ", ".join(str(n) for n in lines[:_LINES_SHOWN])
        if len(lines) > _LINES_SHOWN:
            shown += ", ..."
        where = f" ({'line' if len(lines) == 1 else 'lines'} {shown})" if lines else ""
        return f"and {count:,} {words[count > 1]}{where}"

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
        if self.related:
            data["note"] = self.note
            data["related"] = [r.to_dict() for r in self.related]
        return data

    def text(self) -> str:
        """The message with what is folded into it and the hint: what every format shows."""
        message = f"{self.message}, {self.note}" if self.related else self.message
        return f"{message} (hint: {self.hint})" if self.hint else message

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.severity}: {self.text()} [{self.rule}]"

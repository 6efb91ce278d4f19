"""The outcome of validating one document."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ._diagnostic import Diagnostic


@dataclass(frozen=True)
class ValidationReport:
    """Every diagnostic for one entry document, sorted by file, line and column."""

    file: str
    diagnostics: tuple[Diagnostic, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, file: str, diagnostics: Iterable[Diagnostic]) -> ValidationReport:
        unique = dict.fromkeys(diagnostics)  # identical findings from two paths count once
        return cls(file, tuple(sorted(unique, key=Diagnostic.sort_key)))

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "warning")

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings do not make a document invalid)."""
        return not self.errors

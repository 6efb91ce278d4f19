"""The outcome of validating one document."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ._diagnostic import Diagnostic
from ._grouping import group


@dataclass(frozen=True)
class ValidationReport:
    """Every diagnostic for one entry document and the Arazzo sources it reaches.

    The entry's diagnostics come first, then each other file's in ``order`` (loading order);
    within a file they are sorted by line and column.
    """

    file: str
    diagnostics: tuple[Diagnostic, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, file: str, diagnostics: Iterable[Diagnostic],
           order: Sequence[str] = ()) -> ValidationReport:
        rank: dict[str, int] = {}
        for name in (file, *order):
            rank.setdefault(name, len(rank))
        unique = dict.fromkeys(diagnostics)  # identical findings from two paths count once

        def key(diagnostic: Diagnostic) -> tuple[int, tuple[object, ...]]:
            return rank.get(diagnostic.file, len(rank)), diagnostic.sort_key()

        return cls(file, tuple(sorted(unique, key=key)))

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "warning")

    def grouped(self) -> tuple[Diagnostic, ...]:
        """One diagnostic per root cause: the findings a defect explains (other references to
        a missing step, the same mistake repeated, other rules tripping on the same field) are
        folded into its ``related``. What ``arazzo validate`` prints unless ``--all``."""
        return tuple(group(self.diagnostics))

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings do not make a document invalid)."""
        return not self.errors

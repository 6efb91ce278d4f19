"""The exception tree every layer raises from, so callers can catch one base class.

ArazzoError
 ├── DocumentError        a file cannot be read or parsed (bad YAML, duplicate keys, hostile input)
 ├── ExpressionError      an expression, condition or JSONPath query does not parse (ValueError)
 ├── EvaluationError      an expression parsed but could not be evaluated against the run's data
 │    └── MissingValueError   the expression names a value that does not exist
 ├── ValidationFailed     a document has error diagnostics and was refused
 ├── InputError           workflow inputs do not match the workflow's inputs schema
 └── ExecutionError       the executor could not carry on (bad target, transport failure, ...)
      └── OptionsError    run options name what the document does not have (a --server typo)
"""

from __future__ import annotations


class ArazzoError(Exception):
    """Root of every error this package raises on purpose."""


class DocumentError(ArazzoError):
    """Raised when a document cannot be loaded; carries where it went wrong."""

    def __init__(
        self, message: str, *, file: str | None = None, line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line, self.column) if p is not None)
        return f"{where}: {self.message}" if where else self.message


class EvaluationError(ArazzoError):
    """Raised when a parsed expression cannot produce a value at run time."""


class MissingValueError(EvaluationError):
    """Raised when an expression refers to a value the run does not have (yet)."""

    #: The runtime expression whose value is missing, when the error knows it.
    expression: str | None = None


class ValidationFailed(ArazzoError):
    """Raised by the public API when a document has error diagnostics."""

    def __init__(self, diagnostics: list) -> None:  # list[Diagnostic]
        self.diagnostics = diagnostics
        errors = [d for d in diagnostics if getattr(d, "severity", "error") == "error"]
        super().__init__(f"the document has {len(errors)} error(s)")


class InputError(ArazzoError):
    """Raised when workflow inputs are missing or do not match the inputs schema."""


class ExecutionError(ArazzoError):
    """Raised when a run cannot continue for a reason outside the workflow's own logic."""


class OptionsError(ExecutionError):
    """Raised before any request when run options do not fit the document: a server override
    for no source description, a server variable nothing declares, a URL without a scheme."""


class BrokerRequired(ExecutionError):
    """Raised before any request when a run would reach an Arazzo 1.1 AsyncAPI step: sending or
    receiving messages needs a message broker, which this version does not drive."""

"""Errors of the Temporal backend, importable without the Temporal SDK."""

from __future__ import annotations

from arazzo_engine.errors import ArazzoError

__all__ = ["TemporalError", "TemporalNotInstalled"]

INSTALL_HINT = "pip install 'arazzo-engine[temporal]'"


class TemporalError(ArazzoError):
    """Temporal cannot be reached, refused a request, or does not know the run."""


class TemporalNotInstalled(TemporalError):
    """The optional extra is missing."""

    def __init__(self) -> None:
        super().__init__("running on Temporal needs the Temporal SDK, which is not installed "
                         f"(install the extra: {INSTALL_HINT})")

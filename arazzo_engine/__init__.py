"""arazzo-engine: validate, run and test OpenAPI Initiative Arazzo 1.0.x workflows."""

from __future__ import annotations

__version__ = "0.1.0"

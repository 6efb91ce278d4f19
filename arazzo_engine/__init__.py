"""arazzo-engine: validate, run and test OpenAPI Initiative Arazzo 1.0.x workflows."""

from __future__ import annotations

from arazzo_engine.expressions import ExpressionError, jsonpath_query

__version__ = "0.1.0"

__all__ = ["ExpressionError", "__version__", "jsonpath_query"]

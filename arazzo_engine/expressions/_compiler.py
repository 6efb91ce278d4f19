"""A compiler that remembers what it compiled, so a document's expressions parse once."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

from arazzo_engine.document._versions import SpecVersion
from arazzo_engine.expressions._criteria import CompiledCriterion, compile_criterion
from arazzo_engine.expressions._parse import parse_expression
from arazzo_engine.expressions._regex import DEFAULT_TIMEOUT
from arazzo_engine.expressions._runtime import RuntimeExpression
from arazzo_engine.expressions._values import CompiledValue, compile_value

T = TypeVar("T")


class Compiler:
    """Compiles runtime expressions, values and criteria, caching each result.

    Compiled objects are immutable, so sharing one between callers is safe. A cache that
    reaches ``cache_size`` entries starts afresh rather than growing without bound.

    Arguments:
        regex_timeout: seconds a regex criterion that could backtrack badly may run.
        cache_size: entries kept per kind before the cache is emptied.
        version: the Arazzo feature set of the documents compiled (``1.0`` or ``1.1``).
    """

    def __init__(self, *, regex_timeout: float = DEFAULT_TIMEOUT, cache_size: int = 4096,
                 version: SpecVersion = "1.0") -> None:
        self.regex_timeout = regex_timeout
        self.cache_size = cache_size
        self.version: SpecVersion = version
        self._expressions: dict[Hashable, RuntimeExpression] = {}
        self._values: dict[Hashable, CompiledValue] = {}
        self._criteria: dict[Hashable, CompiledCriterion] = {}

    def expression(self, text: str) -> RuntimeExpression:
        """``parse_expression``, cached."""
        return self._cached(self._expressions, text, text,
                            lambda t: parse_expression(t, version=self.version))

    def value(self, value: Any) -> CompiledValue:
        """``compile_value``, cached."""
        return self._cached(self._values, _key(value), value,
                            lambda v: compile_value(v, version=self.version))

    def criterion(self, criterion: Mapping[str, Any]) -> CompiledCriterion:
        """``compile_criterion``, cached, with this compiler's regex timeout."""
        return self._cached(
            self._criteria,
            _key(criterion),
            criterion,
            lambda c: compile_criterion(c, regex_timeout=self.regex_timeout,
                                        version=self.version),
        )

    def _cached(
        self, cache: dict[Hashable, T], key: Hashable, source: Any, build: Callable[[Any], T]
    ) -> T:
        found = cache.get(key)
        if found is None:
            found = build(source)
            if len(cache) >= self.cache_size:
                cache.clear()
            cache[key] = found
        return found


def _key(value: Any) -> Hashable:
    # repr tells 1 from "1" and True from 1 (which equality does not), and keeps key order.
    return (type(value).__name__, repr(value))

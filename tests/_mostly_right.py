"""Hypothesis combinators for documents that are mostly right.

Every field gets its proper shape, except about one draw in ``one_in``, which gets anything at
all (strings where lists belong, numbers as ids, nulls). Mostly-right documents get past the
first complaint, so the code behind it is exercised too. Shared by the validator's and the
executor's robustness tests, which tune ``anything`` and ``one_in`` to their needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st


@dataclass(frozen=True)
class MostlyRight:
    anything: st.SearchStrategy[Any]
    one_in: int

    def mostly(self, strategy: st.SearchStrategy[Any],
               other: st.SearchStrategy[Any] | None = None,
               one_in: int | None = None) -> st.SearchStrategy[Any]:
        """``strategy``, and ``other`` (default: anything) about once in ``one_in`` draws."""
        wrong = self.anything if other is None else other
        return st.sampled_from(range(one_in or self.one_in)).flatmap(
            lambda n: wrong if n == 0 else strategy)

    def list_of(self, strategy: st.SearchStrategy[Any],
                max_size: int = 3) -> st.SearchStrategy[Any]:
        return self.mostly(st.lists(self.mostly(strategy), max_size=max_size))

    def object_of(self, required: dict[str, Any],
                  optional: dict[str, Any]) -> st.SearchStrategy[Any]:
        return self.mostly(st.fixed_dictionaries(
            {k: self.mostly(v) for k, v in required.items()},
            optional={k: self.mostly(v) for k, v in optional.items()},
        ))

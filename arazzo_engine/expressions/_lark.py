"""lark, imported without the ``regex`` package it looks for as it loads.

lark's modules run ``import regex`` at their import only to learn whether ``Lark(regex=True)``
(and one fallback of its grammar analysis) can use it. Our grammars need neither, yet that
import cost a fifth of lark's own, about 5% of ``arazzo validate``'s start-up. While lark
loads, ``sys.modules`` holds a stand-in for ``regex`` that imports the real package on its
first attribute access; then the stand-in leaves ``sys.modules``, so every other
``import regex`` (ours in ``_regex``, a user's) is the ordinary one. lark keeps the stand-in
and behaves exactly as with regex imported: ``_has_regex`` is true, and ``regex.compile``
through it is the real one.

The expressions package imports this module before anything that imports lark.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

_OPTIONAL = "regex"


class _OnFirstUse(types.ModuleType):
    """A module that is the real one from its first attribute access on."""

    def __getattr__(self, name: str) -> Any:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


def _import_lark() -> None:
    if "lark" in sys.modules or _OPTIONAL in sys.modules \
            or importlib.util.find_spec(_OPTIONAL) is None:
        return  # nothing to save: lark imports as it is
    stand_in = sys.modules[_OPTIONAL] = _OnFirstUse(_OPTIONAL)
    try:
        import lark  # noqa: F401
    finally:
        if sys.modules.get(_OPTIONAL) is stand_in:
            del sys.modules[_OPTIONAL]


_import_lark()

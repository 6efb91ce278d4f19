"""lark is imported without the ``regex`` package, and still sees it (expressions/_lark.py).

Each probe runs in a fresh interpreter: what is tested is what an import leaves behind.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _probe(code: str) -> list[str]:
    completed = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                               text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.split()


def test_importing_the_expressions_leaves_regex_unimported_but_available_to_lark() -> None:
    found = _probe(
        "import sys, arazzo_engine.expressions, lark.utils, lark.lark\n"
        "print('regex' in sys.modules, lark.utils._has_regex, lark.lark._has_regex)\n"
        # Lark(regex=True) with a Unicode category: only the real regex package reads it.
        "tree = lark.Lark(r'start: /\\p{Lu}+/', regex=True).parse('ÀB')\n"
        "print(tree.children[0] == 'ÀB')\n"
    )
    assert found == ["False", "True", "True", "True"]


def test_an_ordinary_import_of_regex_afterwards_is_the_real_module() -> None:
    found = _probe(
        "import sys, types, arazzo_engine.expressions, lark.utils\n"
        "import regex\n"
        "print(type(regex) is types.ModuleType, sys.modules['regex'] is regex,\n"
        "      bool(regex.compile(r'\\p{Lu}').search('xÀ')), lark.utils.regex.compile is\n"
        "      regex.compile)\n"
    )
    assert found == ["True", "True", "True", "True"]


def test_regex_or_lark_imported_first_are_left_as_they_are() -> None:
    found = _probe(
        "import sys, regex, arazzo_engine.expressions, lark.utils\n"
        "print(lark.utils.regex is regex is sys.modules['regex'])\n"
    )
    assert found == ["True"]

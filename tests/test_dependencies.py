"""Every declared dependency is imported by the package, and every import is declared."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "arazzo_engine"


def _imported_modules() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"arazzo_engine", "__future__"}


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _names(specs: list[str]) -> set[str]:
    return {_normalized(re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0]) for spec in specs}


def _declared() -> set[str]:
    """What installing the package brings."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return _names(project["dependencies"])


def _declared_with_extras() -> set[str]:
    """Plus the extras users install for a feature (``pytest`` for the pytest plugin, which
    only pytest itself imports); the ``test`` extra is the project's own, not the package's."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project.get("optional-dependencies", {})
    return _declared() | {n for name, specs in extras.items() if name != "test"
                          for n in _names(specs)}


def _imported_distributions() -> dict[str, str]:
    """distribution -> one module of it the package imports."""
    owners = packages_distributions()
    found: dict[str, str] = {}
    for module in _imported_modules():
        for distribution in owners.get(module, []):
            found[_normalized(distribution)] = module
        assert module in owners, f"{module} is imported but installed by no distribution"
    return found


def test_every_import_is_declared() -> None:
    undeclared = {d: m for d, m in _imported_distributions().items()
                  if d not in _declared_with_extras()}
    assert not undeclared, f"imported but not in pyproject.toml dependencies: {undeclared}"


def test_every_declared_dependency_is_imported() -> None:
    unused = _declared() - set(_imported_distributions())
    assert not unused, f"declared but never imported by arazzo_engine: {sorted(unused)}"

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


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {_normalized(re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0])
            for spec in project["dependencies"]}


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
    undeclared = {d: m for d, m in _imported_distributions().items() if d not in _declared()}
    assert not undeclared, f"imported but not in pyproject.toml dependencies: {undeclared}"


def test_every_declared_dependency_is_imported() -> None:
    unused = _declared() - set(_imported_distributions())
    assert not unused, f"declared but never imported by arazzo_engine: {sorted(unused)}"

"""A wheel installed in a fresh virtual environment finds its grammar and shipped specs.

An editable install reads grammar/ from the checkout, which would hide a wheel that forgot it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHIPPED = ("pyproject.toml", "setup.py", "README.md", "arazzo_engine", "grammar", "specs")


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in SHIPPED:
        origin = REPO / name
        if origin.is_dir():
            shutil.copytree(origin, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(origin, source / name)
    dist = work / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(source)], check=True, cwd=work)
    wheel = next(dist.glob("arazzo_engine-*.whl"))
    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
         str(wheel)], check=True, cwd=work)
    # Dependencies come from this environment; appended after the venv's own site-packages,
    # so the wheel's copy of arazzo_engine wins (and .pth files there are not processed).
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "_outer_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env_dir


def _run(env_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, cwd=env_dir.parent,
                          env={"PATH": str(env_dir / "bin"), "NO_PROXY": "*"}, timeout=120)


def test_wheel_carries_grammar_and_specs(wheel_env: Path) -> None:
    probe = _run(wheel_env, str(wheel_env / "bin" / "python"), "-c",
                 "import json, arazzo_engine, arazzo_engine._resources as r;"
                 "print(json.dumps([arazzo_engine.__file__, str(r.grammar_dir()),"
                 " sorted(p.name for p in r.grammar_dir().glob('*.lark')),"
                 " str(r.specs_dir())]))")
    assert probe.returncode == 0, probe.stderr
    package_file, grammar, lark_files, specs = json.loads(probe.stdout)
    assert package_file.startswith(str(wheel_env))
    assert grammar.startswith(str(wheel_env))
    assert {"runtime_expression.lark", "runtime_expression-1.1.lark",
            "condition.lark"} <= set(lark_files)
    assert specs.startswith(str(wheel_env))


def test_wheel_reads_arazzo_1_1(wheel_env: Path) -> None:
    """The 1.1 grammar and JSON Schema ship in the wheel, not only in the checkout."""
    probe = _run(wheel_env, str(wheel_env / "bin" / "python"), "-c",
                 "import arazzo_engine.validation as v, arazzo_engine.expressions as e;"
                 "print(v.SCHEMA_PATHS['1.1'].is_file(),"
                 " e.parse_expression('$message.payload#/id', version='1.1').root)")
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == ["True", "message"]


def test_wheel_runs_an_expression_and_the_demo(wheel_env: Path) -> None:
    expression = _run(wheel_env, str(wheel_env / "bin" / "python"), "-c",
                      "import arazzo_engine; print(arazzo_engine.jsonpath_query('$.a[1]',"
                      " {'a': [1, 2]}))")
    assert expression.returncode == 0, expression.stderr
    assert expression.stdout.strip() == "[2]"
    demo = _run(wheel_env, str(wheel_env / "bin" / "arazzo"), "demo", "--format", "json",
                "--loop-delay", "0")
    assert demo.returncode == 0, demo.stderr
    result = json.loads(demo.stdout)
    assert result["outcome"] == "succeeded"
    assert result["outputs"]["finalStatus"] == 10

"""The lark parsers are cached on disk between processes, and the cache can never be wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from arazzo_engine.expressions import _grammar

REPO = Path(__file__).resolve().parents[2]
# A fresh process parses a condition and a runtime expression (building or loading both parsers).
_PARSE = ("from arazzo_engine.expressions import compile_criterion, compile_value; "
          "print(compile_criterion({'condition': '$statusCode == 200'}).condition, "
          "compile_value('$inputs.token').__class__.__name__)")


def _parse_in_a_new_process(cache: str) -> str:
    env = dict(os.environ, ARAZZO_CACHE_DIR=cache)
    completed = subprocess.run([sys.executable, "-c", _PARSE], cwd=REPO, env=env,
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip()


def _cache_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_first_process_writes_the_cache_and_the_next_loads_it_unchanged(
        tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    first = _parse_in_a_new_process(str(folder))
    files = _cache_files(folder)
    assert sorted(name.split(".")[0] for name in files) == ["condition", "runtime_expression"]
    assert all(data for data in files.values())
    mtimes = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert _parse_in_a_new_process(str(folder)) == first
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == mtimes  # loaded, not rebuilt
    assert oct(folder.stat().st_mode & 0o777) == "0o700"


def test_a_damaged_or_stale_cache_is_rebuilt_not_trusted(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    expected = _parse_in_a_new_process(str(folder))
    good = _cache_files(folder)
    names = sorted(good)
    (folder / names[0]).write_bytes(b"not a lark cache\n")  # damaged
    (folder / names[1]).write_bytes(b"0" * 64 + good[names[1]][64:])  # another grammar's hash
    assert _parse_in_a_new_process(str(folder)) == expected
    rebuilt = _cache_files(folder)
    for name in names:  # both rewritten, each under its own grammar's hash again
        assert rebuilt[name].split(b"\n", 1)[0] == good[name].split(b"\n", 1)[0]
    mtimes = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert _parse_in_a_new_process(str(folder)) == expected
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == mtimes


@pytest.mark.parametrize("setting", ["off", "0", ""])
def test_the_cache_can_be_turned_off(tmp_path: Path, setting: str,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARAZZO_CACHE_DIR", setting)
    assert _grammar.cache_dir() is None
    assert _grammar._cache("condition") is False


def test_an_unusable_cache_folder_means_no_cache(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    monkeypatch.setenv("ARAZZO_CACHE_DIR", str(blocker / "cache"))
    assert _grammar.cache_dir() is None


def test_the_default_folder_follows_xdg_cache_home(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARAZZO_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _grammar.cache_dir() == tmp_path / "arazzo-engine"

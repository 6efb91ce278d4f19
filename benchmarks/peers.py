"""Install the peers into a scratch folder outside the repository, and rerun the comparison.

    python -m benchmarks.peers --install     # npm: @redocly/cli; PyPI: arazzo-runner (a venv)
    python -m benchmarks.peers               # the comparison only, on what is installed
    python -m benchmarks.peers --quick

The folder is ``ARAZZO_PEERS_DIR`` (default ``~/.cache/arazzo-engine-peers``); it must lie
outside the repository, so none of the peers' code can end up committed. Installing uses the
registries' own clients (npm, pip) and nothing else. ``python -m benchmarks.run`` includes the
same comparison whenever the peers are installed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: python benchmarks/peers.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _peers
from benchmarks._paths import REPOSITORY
from benchmarks._report import Machine, load_now, results_markdown
from benchmarks._simulator import clear_proxy_environment, scratch_run_store


def _inside_repository(folder: Path) -> bool:
    try:
        folder.resolve().relative_to(REPOSITORY)
    except ValueError:
        return False
    return True


def _run(argv: list[str]) -> bool:
    print("$ " + " ".join(argv), file=sys.stderr, flush=True)
    return subprocess.run(argv, check=False).returncode == 0


def install(folder: Path) -> None:
    """@redocly/cli from npm (the first version that installs) and arazzo-runner from PyPI."""
    folder.mkdir(parents=True, exist_ok=True)
    redocly = folder / "redocly"
    for version in _peers.REDOCLY_VERSIONS:
        if _run(["npm", "install", "--prefix", str(redocly), "--no-audit", "--no-fund",
                 "--no-save", f"@redocly/cli@{version}"]):
            break
    else:
        print("could not install @redocly/cli", file=sys.stderr)
    venv = folder / "arazzo-runner"
    if not (venv / "bin" / "python").exists():
        _run([sys.executable, "-m", "venv", str(venv)])
    if not _run([str(venv / "bin" / "pip"), "install", "-q",
                 f"arazzo-runner=={_peers.ARAZZO_RUNNER_VERSION}"]):
        print("could not install arazzo-runner", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.peers", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--install", action="store_true",
                        help="install (or update) the peers first")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, smaller N")
    arguments = parser.parse_args(argv)
    folder = _peers.peers_dir()
    if _inside_repository(folder):
        parser.error(f"ARAZZO_PEERS_DIR must lie outside the repository, not {folder}")
    if arguments.install:
        install(folder)
    runners = _peers.installed_peers(folder)
    if not runners:
        print(f"no peers installed in {folder}; run with --install", file=sys.stderr)
        return 2
    load = load_now()
    clear_proxy_environment()
    scratch_run_store()
    section = _peers.peers(_peers.QUICK if arguments.quick else _peers.FULL, runners)
    mode = "python -m benchmarks.peers" + (" --quick" if arguments.quick else "")
    print(results_markdown([section], Machine.current(load), mode=mode), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())

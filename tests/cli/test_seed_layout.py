"""The catalogue's layout (``arazzo/x.yml`` naming ``../openapi/x.yml``) works from any folder.

Real ``arazzo`` processes, started from the document's folder, its parent, a sibling folder and
an unrelated one, validate the dbt reference workflow and run it against the simulator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN, DbtCloudSimulator

DBT = Path(__file__).resolve().parents[2] / "specs" / "dbt"
DOCUMENT = DBT / "arazzo" / "dbt-trigger-run-and-poll-workflow.yml"

#: Where the process starts -> how it names the document from there.
PLACES = {
    "document-folder": lambda tmp: (DBT / "arazzo", DOCUMENT.name),
    "parent-folder": lambda tmp: (DBT, f"arazzo/{DOCUMENT.name}"),
    "sibling-folder": lambda tmp: (DBT / "openapi", f"../arazzo/{DOCUMENT.name}"),
    "unrelated-folder": lambda tmp: (tmp, str(DOCUMENT)),
}


def _arazzo(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "arazzo_engine", *argv], cwd=cwd,
                          capture_output=True, text=True, timeout=120, env=dict(os.environ))


@pytest.fixture(scope="module")
def simulator() -> Iterator[DbtCloudSimulator]:
    with DbtCloudSimulator("success") as running:
        yield running


@pytest.mark.parametrize("place", sorted(PLACES))
def test_validate_from(place: str, tmp_path: Path) -> None:
    cwd, path = PLACES[place](tmp_path)
    done = _arazzo(cwd, "validate", "--format", "json", path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [d for d in json.loads(done.stdout) if d["severity"] == "error"] == []


@pytest.mark.parametrize("place", sorted(PLACES))
def test_run_from(place: str, tmp_path: Path, simulator: DbtCloudSimulator) -> None:
    cwd, path = PLACES[place](tmp_path)
    done = _arazzo(cwd, "run", path, "--format", "json", "--loop-delay", "0",
                   "--server", f"dbtAdminApi={simulator.base_url}",
                   "--input", f"accountId={DEMO_ACCOUNT_ID}", "--input", f"jobId={DEMO_JOB_ID}",
                   "--input", f"token={DEMO_TOKEN}")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["outcome"] == "succeeded"
    assert result["outputs"]["finalStatus"] == 10


def test_root_confines_the_same_layout_on_request(tmp_path: Path) -> None:
    done = _arazzo(DBT / "arazzo", "validate", "--root", ".", DOCUMENT.name)
    assert done.returncode == 1
    assert "lies outside --root" in done.stdout and "[source-load]" in done.stdout
    assert _arazzo(DBT / "arazzo", "validate", "--root", "..", DOCUMENT.name).returncode == 0


def test_the_retired_allow_outside_root_flag_still_works_with_a_note(tmp_path: Path) -> None:
    done = _arazzo(tmp_path, "validate", "--allow-outside-root", str(DOCUMENT))
    assert done.returncode == 0
    assert "--allow-outside-root is no longer needed" in done.stderr
    both = _arazzo(tmp_path, "validate", "--allow-outside-root", "--root", ".", str(DOCUMENT))
    assert both.returncode == 2 and "contradicts --root" in both.stderr

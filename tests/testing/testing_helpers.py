"""Helpers for the ``arazzo test`` tests (imported by name: several folders have a conftest)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "specs/dbt/arazzo/dbt-trigger-run-and-poll-workflow.yml"
HERE = Path(__file__).resolve().parent


@dataclass
class Ran:
    code: int
    out: str
    err: str


def reference_args(base_url: str, *extra: str, path: Path = WORKFLOW,
                   command: str = "test") -> list[str]:
    """``arazzo test`` on the reference workflow against ``base_url``, demo credentials."""
    return [command, str(path), "--server", f"dbtAdminApi={base_url}",
            "--input", f"accountId={DEMO_ACCOUNT_ID}", "--input", f"jobId={DEMO_JOB_ID}",
            "--input", f"token={DEMO_TOKEN}", "--loop-delay", "0", *extra]

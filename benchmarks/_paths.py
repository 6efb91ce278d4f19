"""Where the benchmarks find the reference workflow: relative to the repository, never cwd."""

from __future__ import annotations

from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
DBT_WORKFLOW = REPOSITORY / "specs" / "dbt" / "arazzo" / "dbt-trigger-run-and-poll-workflow.yml"
DBT_OPENAPI = REPOSITORY / "specs" / "dbt" / "openapi" / "dbt-cloud-administrative-api-openapi.yml"
BENCHMARKS_DOC = REPOSITORY / "docs" / "benchmarks.md"

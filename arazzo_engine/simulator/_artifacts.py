"""Which artifact paths a finished run lists, relative to dbt's ``target/`` folder."""

from __future__ import annotations

from ._runs import Run
from ._scenarios import ERROR, SUCCESS

_PROJECT = "jaffle_shop"
_MODELS = (
    "staging/stg_customers.sql",
    "staging/stg_orders.sql",
    "staging/stg_payments.sql",
    "customers.sql",
    "orders.sql",
)


def list_artifacts(run: Run) -> list[str] | None:
    """The artifact list, or None while the run has not finished (nothing is saved yet).

    A success saves the full set (``catalog.json`` only when docs were generated); an error
    saves what was written before the failure; a cancelled run saves nothing.
    """
    if not run.is_complete:
        return None
    if run.status == SUCCESS:
        paths = ["manifest.json", "run_results.json"]
        if run.generates_docs:
            paths.append("catalog.json")
        paths += [f"compiled/{_PROJECT}/models/{model}" for model in _MODELS]
        paths += [f"run/{_PROJECT}/models/{model}" for model in _MODELS]
        return paths
    if run.status == ERROR:
        return [
            "manifest.json",
            "run_results.json",
            f"compiled/{_PROJECT}/models/{_MODELS[0]}",
        ]
    return []

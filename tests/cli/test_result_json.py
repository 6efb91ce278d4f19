"""The CLI's streamed JSON result is exactly ``json.dumps`` of the result, whichever history
holds the steps: the run store and the spill file hand their stored JSON text over as it is
(``json_texts``), so that text must be what encoding the records again would give."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from arazzo_engine.cli._result_json import write_result
from arazzo_engine.executor import ManualClock, RunOptions, run_workflow
from tests.executor.test_pinned_records import SCENARIOS, SERVER, TOKEN, WORKFLOW, _Scripted


@pytest.mark.parametrize("store", [False, True], ids=["spill file", "run store"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_streamed_result_is_the_result_encoded_whole(name: str, store: bool,
                                                          tmp_path: Path) -> None:
    options = RunOptions(servers={"dbtAdminApi": SERVER}, loop_delay=0,
                         state=tmp_path / "runs.db" if store else None)
    result = run_workflow(str(WORKFLOW), inputs={"accountId": 7, "jobId": 8, "token": TOKEN},
                          options=options, transport=_Scripted(SCENARIOS[name]),
                          clock=ManualClock())
    texts = list(result.steps.json_texts())  # type: ignore[attr-defined]
    assert texts == [json.dumps(step.to_dict(), default=str) for step in result.steps]
    assert texts  # every scenario records at least one step
    for indent in (None, 2):
        out = io.StringIO()
        write_result(result, out, indent=indent, extra={"document": "flow.yaml"})
        whole = json.dumps({"document": "flow.yaml", **result.to_dict()}, default=str,
                           indent=indent)
        assert out.getvalue() == whole + "\n"

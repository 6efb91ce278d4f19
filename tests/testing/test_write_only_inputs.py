"""An input declared ``writeOnly: true`` is a secret (issue 9), whatever its name: it never
leaves in clear, in ``arazzo run``'s and ``arazzo test``'s outputs, reports and run store."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from testing_helpers import WORKFLOW, Ran

from arazzo_engine.executor._masking import secret_input_names, secret_input_values
from arazzo_engine.simulator import DEMO_ACCOUNT_ID, DEMO_JOB_ID, DEMO_TOKEN, DbtCloudSimulator

#: Named so that no secret-looking-name rule can hide it: only ``writeOnly`` can.
NAME = "bearer"


def _document(tmp_path: Path, *, write_only: bool) -> Path:
    """The reference workflow with its ``token`` input renamed, declared writeOnly or not,
    in the catalogue layout (``arazzo/x.yml`` beside ``openapi/``)."""
    text = WORKFLOW.read_text()
    assert text.count("      token:\n        type: string\n") == 1
    declared = "        writeOnly: true\n" if write_only else ""
    text = text.replace("      token:\n        type: string\n",
                        f"      {NAME}:\n        type: string\n{declared}")
    text = text.replace("    - token\n", f"    - {NAME}\n")
    text = text.replace("$inputs.token", f"$inputs.{NAME}")
    assert "$inputs.token" not in text
    folder = tmp_path / "arazzo"
    folder.mkdir()
    (tmp_path / "openapi").symlink_to(WORKFLOW.parent.parent / "openapi")
    path = folder / "workflow.yml"
    path.write_text(text)
    return path


def _args(command: str, path: Path, base_url: str, *extra: str) -> list[str]:
    return [command, str(path), "--server", f"dbtAdminApi={base_url}",
            "--input", f"accountId={DEMO_ACCOUNT_ID}", "--input", f"jobId={DEMO_JOB_ID}",
            "--input", f"{NAME}={DEMO_TOKEN}", "--loop-delay", "0", *extra]


def _everything(arazzo: Callable[..., Ran], path: Path, base_url: str,
                tmp_path: Path) -> list[str]:
    """Every output of run, test and the run store for one run of ``path``."""
    store = tmp_path / "runs.db"
    files = {name: tmp_path / name for name in
             ("test.json", "test.xml", "test.har", "run.xml", "run.har", "trace.json")}
    tested = arazzo(*_args("test", path, base_url, "--json", str(files["test.json"]),
                           "--junit", str(files["test.xml"]), "--har", str(files["test.har"]),
                           "--state", str(store)))
    ran = arazzo(*_args("run", path, base_url, "--junit", str(files["run.xml"]),
                        "--har", str(files["run.har"]), "--trace", str(files["trace.json"]),
                        "--format", "json", "--state", str(store)))
    texted = arazzo(*_args("run", path, base_url, "--state", str(store)))
    assert tested.code == 0 and ran.code == 0 and texted.code == 0, (tested, ran, texted)
    run_id = json.loads(ran.out)["runId"]
    shown = arazzo("runs", "show", run_id, "--state", str(store))
    shown_json = arazzo("runs", "show", run_id, "--state", str(store), "--format", "json")
    listed = arazzo("runs", "list", "--state", str(store), "--format", "json")
    assert shown.code == 0 and shown_json.code == 0 and listed.code == 0
    with sqlite3.connect(store) as db:
        rows = [repr(row) for table in ("runs", "steps")
                for row in db.execute(f"SELECT * FROM {table}")]
    outputs = [tested.out, tested.err, ran.out, ran.err, texted.out, texted.err,
               shown.out, shown.err, shown_json.out, listed.out, *rows]
    return outputs + [file.read_text() for file in files.values()]


@pytest.mark.parametrize("write_only", [True, False], ids=["writeOnly", "plain"])
def test_a_write_only_input_never_leaves_in_clear(arazzo: Callable[..., Ran], tmp_path: Path,
                                                  write_only: bool) -> None:
    path = _document(tmp_path, write_only=write_only)
    simulator = DbtCloudSimulator("success").start()
    try:
        everything = _everything(arazzo, path, simulator.base_url, tmp_path)
    finally:
        simulator.stop()
    leaks = [text for text in everything if DEMO_TOKEN in text]
    if write_only:
        assert leaks == []
    else:  # the same input undeclared: the run store and the result keep it (the test bites)
        assert leaks


def test_write_only_declarations_are_found_through_refs_and_inside_objects() -> None:
    document = {"components": {"inputs": {
        "login": {"type": "object", "properties": {
            "user": {"type": "string"}, "pin": {"$ref": "#/components/inputs/pin"}}},
        "pin": {"type": "string", "writeOnly": True}}}}
    schema = {"type": "object", "allOf": [{"properties": {"code": {"writeOnly": True}}}],
              "properties": {"login": {"$ref": "#/components/inputs/login"},
                             "codes": {"type": "array", "items": {"writeOnly": True}},
                             "plain": {"type": "string", "writeOnly": False}}}
    inputs = {"login": {"user": "alice", "pin": "4711-x"}, "code": "c0de-1",
              "codes": ["one-1", "two-2"], "plain": "visible"}
    assert sorted(secret_input_values(schema, inputs, document)) == [
        "4711-x", "c0de-1", "one-1", "two-2"]
    assert secret_input_names(schema, inputs, document) == ["code"]
    # Without the document a $ref declares nothing (and nothing fails).
    assert sorted(secret_input_values(schema, inputs)) == ["c0de-1", "one-1", "two-2"]

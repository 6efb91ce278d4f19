"""The validator on the real-world corpus: 373 public Arazzo 1.0.x documents from 21
repositories, with the OpenAPI files they name (``../shared/realworld-arazzo/corpus``; fetched
data, never copied here: the tests skip without it, and fail under ARAZZO_REQUIRE_SHARED=1).

Each document goes through ``arazzo validate --all --format json`` (in-process, for speed): no
crash, no traceback, no exit 3, and at most 5 s of CPU (a hang guard; the speed target, 2 s,
is a benchmark). The rule ids each document gets, with their counts, must match
``corpus_snapshot.tsv``, so that any change in a verdict shows in review. After a deliberate
change, rewrite the snapshot and read its diff::

    ARAZZO_UPDATE_CORPUS_SNAPSHOT=1 .venv/bin/python -m pytest tests/validation/test_corpus.py
"""

from __future__ import annotations

import csv
import functools
import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from _shared import shared, shared_params

from arazzo_engine.cli import main

PARTS = ("realworld-arazzo", "corpus")
SNAPSHOT = Path(__file__).with_name("corpus_snapshot.tsv")
UPDATE = os.environ.get("ARAZZO_UPDATE_CORPUS_SNAPSHOT", "") not in ("", "0")
CPU_SECONDS = 5.0
HEADER = ("# Rule ids per real-world corpus document (../shared/realworld-arazzo/corpus), as\n"
          "# `arazzo validate --all` reports them: `rule` once, `rule:N` N times; `-` none.\n"
          "# Written by tests/validation/test_corpus.py; review every change.\n"
          "# document\terrors\twarnings\n")

_SEEN: dict[str, str] = {}


def _documents(root: Path) -> list[str]:
    with (root / "INDEX.tsv").open(encoding="utf-8", newline="") as index:
        return [row["doc"] for row in csv.DictReader(index, delimiter="\t")]


@functools.cache
def _read_snapshot() -> dict[str, str]:
    if not SNAPSHOT.exists():
        return {}
    entries = {}
    for line in SNAPSHOT.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            document, errors, warnings = line.split("\t")
            entries[document] = f"{errors}\t{warnings}"
    return entries


def _verdict(diagnostics: list[dict[str, object]]) -> str:
    counts = Counter((str(d["severity"]), str(d["rule"])) for d in diagnostics)

    def listed(severity: str) -> str:
        names = [rule if n == 1 else f"{rule}:{n}"
                 for (level, rule), n in sorted(counts.items()) if level == severity]
        return " ".join(names) or "-"

    return f"{listed('error')}\t{listed('warning')}"


@pytest.fixture(scope="module", autouse=True)
def _rewrite_snapshot_when_asked() -> Iterator[None]:
    yield
    if UPDATE and _SEEN:
        lines = [f"{document}\t{_SEEN[document]}\n" for document in sorted(_SEEN)]
        SNAPSHOT.write_text(HEADER + "".join(lines), encoding="utf-8")


@pytest.mark.parametrize("document", shared_params(PARTS, _documents))
def test_corpus_document(document: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = shared(*PARTS) / document
    started = time.process_time()
    code = main(["validate", "--all", "--format", "json", str(path)])
    cpu = time.process_time() - started
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), f"exit {code}: {err}"
    assert "Traceback" not in err and "internal error" not in err, err
    diagnostics = json.loads(out)
    internal = [d for d in diagnostics if d["rule"] == "internal"]
    assert not internal, internal
    assert cpu <= CPU_SECONDS, f"{document} took {cpu:.1f} s of CPU"
    verdict = _verdict(diagnostics)
    _SEEN[document] = verdict
    if not UPDATE:
        expected = _read_snapshot().get(document)
        assert verdict == expected, (
            f"{document}: the verdict changed (expected, then got; errors TAB warnings):\n"
            f"  {expected}\n  {verdict}\n"
            "if the change is right, rewrite the snapshot (see this module's docstring)")


@pytest.mark.parametrize("root", shared_params(PARTS, lambda path: [path]))
def test_the_snapshot_lists_exactly_the_corpus_documents(root: Path) -> None:
    if UPDATE:
        pytest.skip("the snapshot is being rewritten from this run")
    assert sorted(_read_snapshot()) == sorted(_documents(root))

"""The benchmark code paths run end to end at a tiny size and produce complete results.

No timing is asserted here: speed is what ``python -m benchmarks.run`` reports, not a test.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
if str(REPOSITORY) not in sys.path:  # plain `pytest` does not put the repository on the path
    sys.path.insert(0, str(REPOSITORY))

from benchmarks import _expressions, _memory, _scale, _workflow  # noqa: E402
from benchmarks._report import RESULTS_MARKER, Machine, document, results_markdown  # noqa: E402


def test_every_benchmark_produces_rows_and_the_document_renders() -> None:
    sections = [
        _workflow.run_overhead(_workflow.Settings(run_repeat=1, load_repeat=1, warmup=1)),
        _workflow.load_and_validate(_workflow.Settings(run_repeat=1, load_repeat=1, warmup=1)),
        _expressions.expressions(_expressions.Settings(repeat=1, evaluations=5, compilations=1)),
        _memory.memory(_memory.Settings(repeat=1, long_steps=12, short_steps=10)),
        _scale.validation_at_scale(_scale.Settings(repeat=1, workflows=2, steps=3, operations=8)),
    ]
    assert [section.key for section in sections] == ["run", "load", "expressions", "memory",
                                                     "scale"]
    for section in sections:
        assert section.rows, section.key
        for row in section.rows:
            assert row.subject.median > 0 and row.baseline.median > 0, row.name
    assert len(sections[2].rows) == 2 * len(_expressions.CASES)

    results = results_markdown(sections, Machine.current(), mode="test")
    text = document(results)
    assert RESULTS_MARKER in text
    assert text.count("| measured | median |") == len(sections)
    assert str(REPOSITORY) not in text

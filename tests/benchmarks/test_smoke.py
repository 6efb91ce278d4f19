"""The benchmark code paths run end to end at a tiny size and produce complete results.

No timing is asserted here: speed is what ``python -m benchmarks.run`` reports, not a test.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from _shared import needs_shared

REPOSITORY = Path(__file__).resolve().parents[2]
if str(REPOSITORY) not in sys.path:  # plain `pytest` does not put the repository on the path
    sys.path.insert(0, str(REPOSITORY))

from benchmarks import (  # noqa: E402
    _concurrent,
    _descriptions,
    _expressions,
    _instructions,
    _memory,
    _peers,
    _perstep,
    _rss,
    _scale,
    _startup,
    _workflow,
)
from benchmarks._report import RESULTS_MARKER, Machine, document, results_markdown  # noqa: E402


def test_every_benchmark_produces_rows_and_the_document_renders() -> None:
    sections = [
        _perstep.per_step(_perstep.Settings(repeat=1, low=2, high=4)),
        _instructions.instructions(_instructions.Settings(low=1, high=2,
                                                          kinds=("http.client",))),
        _startup.startup(_startup.Settings(repeat=1, warmup=0)),
        _rss.peak_rss(_rss.Settings(repeat=1, long=4, short=2)),
        _descriptions.descriptions(_descriptions.Settings(repeat=1, sizes=(10, 20), real=None)),
        _concurrent.concurrent(_concurrent.Settings(repeat=1, sizes=(1, 3), threads=(2,),
                                                    delay=0.05)),
        _peers.peers(_peers.Settings(repeat=1, low=2, high=4, check_polls=2, startup_repeat=1),
                     runners=[]),
        _workflow.run_overhead(_workflow.Settings(run_repeat=1, load_repeat=1, warmup=1)),
        _workflow.load_and_validate(_workflow.Settings(run_repeat=1, load_repeat=1, warmup=1)),
        _expressions.expressions(_expressions.Settings(repeat=1, evaluations=5, compilations=1)),
        _memory.memory(_memory.Settings(repeat=1, long_steps=12, short_steps=10)),
        _scale.validation_at_scale(_scale.Settings(repeat=1, workflows=2, steps=3, operations=8)),
    ]
    assert [section.key for section in sections] == [
        "perstep", "instructions", "startup", "rss", "descriptions", "concurrent", "peers",
        "run", "load", "expressions", "memory", "scale"]
    for section in sections:
        assert section.rows or section.key in ("peers", "instructions"), section.key
        for row in section.rows:
            assert math.isfinite(row.subject.median) and math.isfinite(row.baseline.median)
            if "per poll" not in row.name:  # a slope between two tiny runs may be noise < 0
                assert row.subject.median > 0 and row.baseline.median > 0, row.name
    keyed = {section.key: section for section in sections}
    assert len(keyed["expressions"].rows) == 2 * len(_expressions.CASES)
    # the engine polls exactly N times on each spelling of the peers' workflow
    checked = " ".join(value for label, value in keyed["peers"].derived if "checked" in label)
    assert checked.count("correct (polled 2 of 2") == len(_peers.SPELLINGS), checked
    counts = {section.key: (len(section.targets),
                            sum(target.limit is None for target in section.targets))
              for section in sections if section.targets}
    # per poll: CLI and API, wall and CPU, each against both floors (the http.client ratio has
    # no limit), plus the API with the run store on; start-up: two commands, wall and CPU;
    # big descriptions: time and memory exponents; concurrent: time and memory, and the two
    # hand-written floors (no limit); peers and instructions: none at this size
    assert counts == {"perstep": (9, 4), "startup": (4, 0), "rss": (1, 0),
                      "descriptions": (2, 0), "concurrent": (4, 2)}, counts
    floors = [row for row in keyed["concurrent"].rows if "by hand" in row.name]
    assert [row.name for row in floors] == ["3 runs, by hand on requests: time",
                                            "3 runs, by hand on http.client: time"]
    assert any(label == "first wave at 3 runs" for label, _ in keyed["concurrent"].derived)

    results = results_markdown(sections, Machine.current(), mode="test")
    current = "# Benchmarks\n\nProse kept as written.\n\n## Results\n\nold tables\n"
    text = document(results, current)
    assert text.startswith("# Benchmarks\n\nProse kept as written.\n\n## Results\n")
    assert "old tables" not in text and text.count("## Results") == 1
    assert RESULTS_MARKER in text
    assert text.count("| measured | median |") == len([s for s in sections if s.rows])
    assert "### Targets" in text and "| target | measured | at most | holds |" in text
    assert str(REPOSITORY) not in text


@needs_shared("realworld-arazzo", "corpus", "api-evangelist__datadog")
def test_the_real_description_path_runs_on_a_small_corpus_description() -> None:
    section = _descriptions.descriptions(_descriptions.Settings(
        repeat=1, sizes=(), real=_descriptions.DATADOG_INCIDENTS))
    names = [row.name for row in section.rows]
    assert any("a real workflow, time" in name for name in names), names
    assert any("every one of its" in name for name in names), names
    assert not section.targets  # no sizes, no fitted exponent


@needs_shared("realworld-arazzo", "corpus")
def test_the_realworld_benchmark_measures_the_slowest_document_against_parsing_it() -> None:
    from benchmarks import _realworld

    section = _realworld.realworld(_realworld.Settings(repeat=1, whole_corpus=False))
    assert section.rows[0].baseline_name == "yaml.safe_load of its files"
    assert all(row.subject.median > 0 and row.baseline.median > 0 for row in section.rows)
    (target,) = section.targets
    assert math.isfinite(target.value) and target.limit == 1.0
    assert "2 files" in section.rows[0].name

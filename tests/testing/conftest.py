"""Fixtures for ``arazzo test``: the dbt simulator in any scenario and the CLI in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from testing_helpers import Ran

from arazzo_engine.simulator import DbtCloudSimulator


@pytest.fixture
def simulator() -> Iterator[Callable[[str], DbtCloudSimulator]]:
    started: list[DbtCloudSimulator] = []

    def start(scenario: str = "success") -> DbtCloudSimulator:
        sim = DbtCloudSimulator(scenario).start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()


@pytest.fixture
def arazzo(capsys: pytest.CaptureFixture[str]) -> Callable[..., Ran]:
    from arazzo_engine.cli import main

    def run(*argv: str) -> Ran:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run
